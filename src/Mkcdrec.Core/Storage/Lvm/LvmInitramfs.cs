using Mkcdrec.Core.Storage;
using Mkcdrec.Model.Layout;

namespace Mkcdrec.Core.Storage.Lvm;

public sealed partial class LvmTechnology
{
    /// <summary>The initramfs activates the volume groups at boot.</summary>
    public bool InInitramfs(LayoutDocument layout) => layout.Lvm.LogicalVolumes.Count > 0;
}
