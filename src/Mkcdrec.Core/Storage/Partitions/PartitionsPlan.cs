using Mkcdrec.Core.Storage;
using Mkcdrec.Model.Layout;
using Mkcdrec.Model.Plan;

namespace Mkcdrec.Core.Storage.Partitions;

public sealed partial class PartitionsTechnology
{
    /// <summary>Per mapped disk: erase its signatures, then write its partition table (our own writer) and clear old signatures in the partitions.</summary>
    public void AddSteps(PlanContext context)
    {
        foreach (var mapped in context.MappedDisks)
        {
            AddDiskSteps(context, mapped);
        }
    }

    private static void AddDiskSteps(PlanContext context, MappedDisk mapped)
    {
        var (disk, target, table) = (mapped.Disk, mapped.Target, mapped.Table);
        context.AddStep(StepKinds.Wipe, disk.Id, $"Erase the signatures on {target.Path} (recreates {disk.Path})", true, [target.Path], [], [disk.Id],
            ["wipefs", "--all", "--force", target.Path]);
        if (table is null)
        {
            return;
        }

        var parts = table.Partitions.Where(p => p.Kind != PartitionKinds.Extended).ToList();
        var commands = new List<IEnumerable<string>> { new[] { "blockdev", "--rereadpt", target.Path }, new[] { "udevadm", "settle" } };
        commands.AddRange(parts.Select(p => (IEnumerable<string>)new[] { "wipefs", "--all", "--force", p.Path }));
        var step = context.AddStep(StepKinds.Partition, disk.Id,
            $"Write a {table.Kind.ToUpperInvariant()} partition table with {table.Partitions.Count} partition(s) on {target.Path} (mkcdrec's own writer), then clear old signatures in them",
            true, [target.Path, .. parts.Select(p => p.Path)], [disk.Id], table.Partitions.Select(p => p.SourceId), [.. commands]);
        step.PartitionTable = table;
    }
}
