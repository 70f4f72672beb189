using Mkcdrec.Core.Storage;
using Mkcdrec.Model.Layout;

namespace Mkcdrec.Core.Storage.Md;

public sealed partial class MdTechnology
{
    /// <summary>The initramfs assembles the arrays at boot.</summary>
    public bool InInitramfs(LayoutDocument layout) => layout.MdArrays.Count > 0;
}
