using Mkcdrec.Core.Registry;
using Mkcdrec.Core.Storage;
using Mkcdrec.Model.Layout;
using Mkcdrec.Model.Plan;

namespace Mkcdrec.Core.Planning;

/// <summary>
/// The planner: a pure function from (layout, disks found, options) to an ordered plan. It reads nothing and runs
/// nothing; refusals are <see cref="MkcdrecException"/>s with <see cref="ExitCode.Refused"/> and the numbers.
/// The technologies may first add disks to a copy of the layout (<see cref="LayoutCompletion"/>); the disks are mapped
/// and partitioned here; every technology then adds its devices and steps.
/// </summary>
public static class Planner
{
    public static RecoveryPlan Plan(LayoutDocument layout, IReadOnlyList<TargetDisk> targets, PlanOptions options) =>
        Plan(layout, targets, options, Technologies.Storage);

    public static RecoveryPlan Plan(LayoutDocument layout, IReadOnlyList<TargetDisk> targets, PlanOptions options, IReadOnlyList<IStorageTechnology> technologies)
    {
        var plan = new RecoveryPlan
        {
            SourceHost = layout.Host.Hostname,
            LayoutCapturedAt = layout.CapturedAt,
            TargetRoot = options.TargetRoot,
            TargetDisks = [.. targets],
        };
        var completion = new LayoutCompletion(layout, options);
        foreach (var technology in technologies)
        {
            technology.CompleteLayout(completion);
        }

        if (options.NewIdentifiers)
        {
            var renewal = new IdentifierRenewal(completion.Layout);
            foreach (var technology in technologies)
            {
                technology.RenewIdentifiers(renewal);
            }

            plan.NewIdentifiers = [.. renewal.Renewed];
        }

        var context = new PlanContext(new StorageGraph(completion.Result, options, technologies), options, plan, technologies) { AddedDisks = completion.AddedDisks };
        foreach (var u in layout.Unsupported)
        {
            plan.Warnings.Add($"Not recreated ({u.Kind}): {u.Device}: {u.Reason}");
        }

        MapDisks(context, targets);
        foreach (var technology in technologies)
        {
            technology.PrepareDevices(context);
        }

        foreach (var technology in technologies)
        {
            technology.AddSteps(context);
        }

        plan.Steps = StepOrder.Order(context.Steps, technologies);
        plan.NewIdentifiers = [.. plan.NewIdentifiers.Where(n => Makes(plan, n.LayoutId))];
        return plan;
    }

    /// <summary>Whether a step makes the device of <paramref name="layoutId"/> (a disk's wipe and partition steps provide the disk's and partitions' ids).</summary>
    private static bool Makes(RecoveryPlan plan, string layoutId) => plan.Steps.Any(s => s.Provides.Contains(layoutId));

    /// <summary>Checks that every step's inputs are produced by an earlier step; returns the problems (empty when sound).</summary>
    public static List<string> CheckOrder(RecoveryPlan plan)
    {
        var have = new HashSet<string>(StringComparer.Ordinal);
        var problems = new List<string>();
        foreach (var s in plan.Steps)
        {
            foreach (var r in s.Requires.Where(r => !have.Contains(r)))
            {
                problems.Add($"{s.Id} needs {r}, which no earlier step makes");
            }

            have.UnionWith(s.Provides);
        }

        return problems;
    }

    /// <summary>Maps source disks to targets, lays out their partitions, and records every disk's and partition's path and planned size.</summary>
    private static void MapDisks(PlanContext context, IReadOnlyList<TargetDisk> targets)
    {
        var graph = context.Graph;
        var mapper = new DiskMapper(graph, targets, context.Options, context.AddedDisks);
        context.Plan.Mappings = mapper.Map();
        context.Plan.Warnings.AddRange(mapper.Warnings);
        foreach (var mapping in context.Plan.Mappings)
        {
            var disk = graph.Disks[mapping.SourceId];
            if (!mapper.Targets.TryGetValue(disk.Id, out var target))
            {
                continue;
            }

            context.Paths[disk.Id] = target.Path;
            context.PlannedSizes[disk.Id] = target.SizeBytes;
            PartitionTableSpec? table = null;
            if (disk.PartitionTable.Kind is PartitionTableKinds.Gpt or PartitionTableKinds.Mbr)
            {
                table = PartitionSizer.Layout(graph, disk, target, context.Options, out var resize);
                mapping.Resize = resize;
                foreach (var p in table.Partitions)
                {
                    context.Paths[p.SourceId] = p.Path;
                    context.PlannedSizes[p.SourceId] = p.SizeSectors * table.SectorSize;
                    if (p.SizeSectors * table.SectorSize != p.OriginalSizeBytes)
                    {
                        context.ResizedIds.Add(p.SourceId);
                    }
                }
            }
            else if (target.SizeBytes != disk.SizeBytes)
            {
                mapping.Resize = target.SizeBytes > disk.SizeBytes ? "grow" : "shrink";
                context.ResizedIds.Add(disk.Id);
            }
            else
            {
                mapping.Resize = "exact";
            }

            context.MappedDisks.Add(new MappedDisk(disk, target, table));
        }
    }
}
