namespace Mkcdrec.Core.Storage.Md;

public sealed partial class MdTechnology
{
    /// <summary>A new array UUID (mdadm's colon spelling); the member superblocks get theirs from mdadm --create anyway.</summary>
    public void RenewIdentifiers(IdentifierRenewal renewal)
    {
        foreach (var m in renewal.Layout.MdArrays.Where(m => m.Uuid.Length > 0))
        {
            m.Uuid = renewal.Record("md", m.Id, m.Uuid, IdentifierRenewal.NewUuidLike(m.Uuid));
        }
    }
}
