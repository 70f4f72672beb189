using Mkcdrec.Model.Layout;

namespace Mkcdrec.Core.Storage.Lvm;

public sealed partial class LvmTechnology
{
    /// <summary>
    /// When a group's physical volumes change size, its scalable volumes grow or shrink in proportion (never below
    /// what their content needs); swap keeps its size unless fixed sizes are resized too.
    /// </summary>
    private static void SizeVolumeGroups(PlanContext context)
    {
        var graph = context.Graph;
        foreach (var vg in context.Layout.Lvm.VolumeGroups)
        {
            var extent = Math.Max(1, vg.ExtentSizeBytes);
            var lvs = LvmNeeds.TopLevelLvs(context.Layout, vg.Name).ToList();
            var originalSpace = GroupSpace(context, vg, planned: false);
            var plannedSpace = GroupSpace(context, vg, planned: true);
            foreach (var lv in lvs)
            {
                context.PlannedOwnSizes[lv.Id] = lv.SizeBytes;
            }

            if (originalSpace == plannedSpace)
            {
                continue;
            }

            var fixedLvs = lvs.Where(l => LvmNeeds.IsFixed(graph, l)).ToList();
            var scalable = lvs.Where(l => !LvmNeeds.IsFixed(graph, l)).ToList();
            var kept = fixedLvs.Sum(l => LvmNeeds.LvFootprint(l, l.SizeBytes)) + LvmNeeds.VgOverhead(context.Layout, vg)
                + scalable.Sum(l => LvmNeeds.LvFootprint(l, 0));
            var sizes = Sizing.Distribute(
                scalable.Select(l => l.SizeBytes * LvmNeeds.LvCopies(l)).ToArray(),
                scalable.Select(l => LvmNeeds.LvNeed(graph, l, extent) * LvmNeeds.LvCopies(l)).ToArray(),
                originalSpace - kept, plannedSpace - kept, extent);
            if (sizes is null)
            {
                throw new MkcdrecException(ExitCode.Refused,
                    $"Volume group {vg.Name} needs {Bytes.Format(LvmNeeds.VgNeed(graph, vg))} on its physical volumes, which have {Bytes.Format(plannedSpace)} on the target disks.",
                    "Recover onto larger disks (--map SRC=DST), or free space in its logical volumes on the original system and make a new backup.");
            }

            for (var i = 0; i < scalable.Count; i++)
            {
                var size = StorageGraph.RoundDown(sizes[i] / LvmNeeds.LvCopies(scalable[i]), extent);
                context.PlannedOwnSizes[scalable[i].Id] = Math.Max(size, LvmNeeds.LvNeed(graph, scalable[i], extent));
                if (context.PlannedOwnSizes[scalable[i].Id] != scalable[i].SizeBytes)
                {
                    context.ResizedIds.Add(scalable[i].Id);
                }
            }
        }
    }

    /// <summary>The extents a group has on its physical volumes (original or planned sizes), in bytes.</summary>
    private static long GroupSpace(PlanContext context, VolumeGroup vg, bool planned)
    {
        var extent = Math.Max(1, vg.ExtentSizeBytes);
        long total = 0;
        foreach (var pvId in vg.PhysicalVolumeIds)
        {
            if (LvmNeeds.Pv(context.Layout, pvId) is { } pv)
            {
                total += StorageGraph.RoundDown(Math.Max(0, context.SizeOf(pv.DeviceId, planned) - (pv.PeStartBytes ?? (1L << 20))), extent);
            }
        }

        return total;
    }
}
