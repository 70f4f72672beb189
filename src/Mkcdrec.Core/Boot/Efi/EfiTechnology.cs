using Mkcdrec.Core.Storage;

namespace Mkcdrec.Core.Boot.Efi;

/// <summary>UEFI: the ESP, the boot loader id and the NVRAM boot entry.</summary>
public sealed partial class EfiTechnology : IStorageTechnology
{
    public string Name => "efi";
}
