using Mkcdrec.Core.Storage;
using Mkcdrec.Model.Layout;

namespace Mkcdrec.Core.Boot.Grub;

public sealed partial class GrubTechnology
{
    /// <summary>The disks whose boot sector GRUB is installed to on a BIOS machine.</summary>
    public void AddLayoutFacts(LayoutFacts facts, LayoutDocument layout) =>
        facts.Add("boot bios disks", string.Join(' ', layout.Boot.BiosBootDiskIds));
}
