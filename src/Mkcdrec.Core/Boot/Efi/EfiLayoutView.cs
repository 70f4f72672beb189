using Mkcdrec.Core.Storage;
using Mkcdrec.Model.Layout;

namespace Mkcdrec.Core.Boot.Efi;

public sealed partial class EfiTechnology
{
    /// <summary>The EFI system partition's filesystem, and Secure Boot turned on or off (a medium without the signed chain stops booting).</summary>
    public void AddLayoutFacts(LayoutFacts facts, LayoutDocument layout)
    {
        facts.Add("boot esp", layout.Boot.EspFilesystemId);
        facts.Add("boot secure boot", layout.Boot.SecureBoot switch { true => "on", false => "off", null => null });
    }
}
