using Mkcdrec.Core.Planning;
using Mkcdrec.Core.Storage;
using Mkcdrec.Model.Layout;
using Mkcdrec.Model.Plan;

namespace Mkcdrec.Core.Report;

/// <summary>
/// The plan for recovering this machine onto its own disks (same paths, sizes, serials and WWNs as captured): what
/// `mkcdrec recover --plan` prints in its rescue system when the disks are still the same. Planning only: the planner
/// is a pure function and nothing here reads or runs anything.
/// </summary>
public static class SameDiskPlan
{
    public static List<TargetDisk> Targets(LayoutDocument layout) =>
    [
        .. layout.Disks.Select(d => new TargetDisk
        {
            Path = d.Path,
            KernelName = d.KernelName,
            SizeBytes = d.SizeBytes,
            LogicalSectorSize = d.LogicalSectorSize,
            Serial = d.Serial,
            Wwn = d.Wwn,
            ByIdLinks = [.. d.ByIdLinks],
        }),
    ];

    /// <summary>The plan, or the planner's refusal (its message and hint) as text.</summary>
    public static (RecoveryPlan? Plan, string? Refusal) Make(LayoutDocument layout)
    {
        try
        {
            return (Planner.Plan(layout, Targets(layout), new PlanOptions()), null);
        }
        catch (MkcdrecException e)
        {
            return (null, e.Message + " " + e.Hint);
        }
    }
}
