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
            var lvs = graph.TopLevelLvs(vg.Name).ToList();
            var originalSpace = GroupSpace(context, vg, planned: false);
            var plannedSpace = GroupSpace(context, vg, planned: true);
            foreach (var lv in lvs)
            {
                context.PlannedLvSizes[lv.Id] = lv.SizeBytes;
            }

            if (originalSpace == plannedSpace)
            {
                continue;
            }

            var fixedLvs = lvs.Where(graph.IsFixedLv).ToList();
            var scalable = lvs.Where(l => !graph.IsFixedLv(l)).ToList();
            var kept = fixedLvs.Sum(l => StorageGraph.LvFootprint(l, l.SizeBytes)) + graph.VgOverhead(vg)
                + scalable.Sum(l => StorageGraph.LvFootprint(l, 0));
            var sizes = Sizing.Distribute(
                scalable.Select(l => l.SizeBytes * StorageGraph.LvCopies(l)).ToArray(),
                scalable.Select(l => graph.LvNeed(l, extent) * StorageGraph.LvCopies(l)).ToArray(),
                originalSpace - kept, plannedSpace - kept, extent);
            if (sizes is null)
            {
                throw new MkcdrecException(ExitCode.Refused,
                    $"Volume group {vg.Name} needs {Bytes.Format(graph.VgNeed(vg))} on its physical volumes, which have {Bytes.Format(plannedSpace)} on the target disks.",
                    "Recover onto larger disks (--map SRC=DST), or free space in its logical volumes on the original system and make a new backup.");
            }

            for (var i = 0; i < scalable.Count; i++)
            {
                var size = StorageGraph.RoundDown(sizes[i] / StorageGraph.LvCopies(scalable[i]), extent);
                context.PlannedLvSizes[scalable[i].Id] = Math.Max(size, graph.LvNeed(scalable[i], extent));
                if (context.PlannedLvSizes[scalable[i].Id] != scalable[i].SizeBytes)
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
            if (context.Graph.Pvs.TryGetValue(pvId, out var pv))
            {
                total += StorageGraph.RoundDown(Math.Max(0, context.SizeOf(pv.DeviceId, planned) - (pv.PeStartBytes ?? (1L << 20))), extent);
            }
        }

        return total;
    }
}
