using Mkcdrec.Model.Layout;

namespace Mkcdrec.Core.Storage.Bcache;

public sealed partial class BcacheTechnology
{
    /// <summary>The initramfs registers bcache devices at boot (bcache-tools' udev rule and hook put there).</summary>
    public bool InInitramfs(LayoutDocument layout) => layout.Bcache.Count > 0;
}
