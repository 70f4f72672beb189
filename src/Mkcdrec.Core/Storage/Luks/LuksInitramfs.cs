using Mkcdrec.Core.Storage;
using Mkcdrec.Model.Layout;

namespace Mkcdrec.Core.Storage.Luks;

public sealed partial class LuksTechnology
{
    /// <summary>The initramfs opens the LUKS devices (crypttab) at boot.</summary>
    public bool InInitramfs(LayoutDocument layout) => layout.Luks.Count > 0;
}
