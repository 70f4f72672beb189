using Mkcdrec.Model.Layout;

namespace Mkcdrec.Core.Storage.Luks;

public sealed partial class LuksTechnology
{
    /// <summary>
    /// A new container UUID, recorded only: the layout's UUID stays the container's name for its key (luks/UUID.key) and
    /// its kept header, and the plan gives the new one to luksFormat or, after the header is restored, to luksUUID.
    /// </summary>
    public void RenewIdentifiers(IdentifierRenewal renewal)
    {
        foreach (var luks in renewal.Layout.Luks.Where(l => l.Uuid.Length > 0))
        {
            renewal.Record("luks", luks.Id, luks.Uuid, IdentifierRenewal.NewUuid());
        }
    }

    /// <summary>The UUID the plan gives the container: the layout's, or its --new-identifiers one.</summary>
    private static string PlannedUuid(PlanContext context, LuksDevice luks) =>
        context.Plan.RenewedValue(luks.Id) ?? luks.Uuid;
}
