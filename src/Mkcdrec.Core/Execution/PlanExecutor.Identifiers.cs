using System.Text;
using Mkcdrec.Model.Plan;

namespace Mkcdrec.Core.Execution;

public sealed partial class PlanExecutor
{
    /// <summary>
    /// Refuses, before anything is written, a plan that would give a device an identifier another device of this machine
    /// keeps (<see cref="RecoveryPlan.IdentifierConflicts"/>): with two filesystems of one UUID the recovered system may
    /// mount or boot the wrong one.
    /// </summary>
    public static void RefuseIdentifierConflicts(RecoveryPlan plan)
    {
        if (plan.IdentifierConflicts.Count == 0)
        {
            return;
        }

        var sb = new StringBuilder("The plan would create identifiers that devices it does not overwrite already have; two devices with one UUID, "
            + "and the recovered system may mount or boot the wrong one. Nothing was changed:\n");
        foreach (var c in plan.IdentifierConflicts)
        {
            sb.Append("  ").Append(c).Append('\n');
        }

        var disks = plan.IdentifierConflicts.SelectMany(c => c.Disks).Distinct(StringComparer.Ordinal).ToList();
        var named = disks.Count == 0 ? "the disk that holds them" : string.Join(", ", disks);
        throw new MkcdrecException(ExitCode.Refused, sb.ToString().TrimEnd(),
            $"Disconnect {named} (it holds the original) and run the command again; or, when its data is no longer needed, erase its signatures "
            + $"(wipefs -a on each device above); or recover onto that disk itself (--map SRC={(disks.Count == 0 ? "DISK" : disks[0])}). "
            + "--exclude-disk does not help: that disk is not written anyway, its identifiers are the problem.");
    }
}
