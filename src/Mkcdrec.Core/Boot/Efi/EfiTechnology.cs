using Mkcdrec.Core.Storage;

namespace Mkcdrec.Core.Boot.Efi;

/// <summary>UEFI: the ESP, the boot loader id and the NVRAM boot entry.</summary>
public sealed partial class EfiTechnology : IStorageTechnology
{
    public string Name => "efi";

    /// <summary>--disk: no ESP when its filesystem is not kept.</summary>
    public void KeepOnly(Model.Layout.LayoutDocument layout, IReadOnlySet<string> keptIds)
    {
        if (layout.Boot.EspFilesystemId is { } esp && !keptIds.Contains(esp))
        {
            layout.Boot.EspFilesystemId = null;
            layout.Boot.EspMountPoint = null;
        }
    }
}
