using Mkcdrec.Model.Layout;

namespace Mkcdrec.Core.Storage.Filesystems;

public sealed partial class FilesystemsTechnology
{
    /// <summary>A new UUID for every filesystem and swap area (every family's: one pass, as planning walks them), in its type's spelling.</summary>
    public void RenewIdentifiers(IdentifierRenewal renewal)
    {
        foreach (var f in renewal.Layout.Filesystems.Where(f => f.Uuid is { Length: > 0 }))
        {
            f.Uuid = renewal.Record(f.Type == FilesystemTypes.Swap ? "swap" : "filesystem", f.Id, f.Uuid!, IdentifierRenewal.NewUuidLike(f.Uuid!));
        }
    }
}
