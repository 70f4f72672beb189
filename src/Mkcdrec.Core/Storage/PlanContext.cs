using Mkcdrec.Model.Layout;
using Mkcdrec.Model.Plan;

namespace Mkcdrec.Core.Storage;

/// <summary>A source disk, the target disk it was mapped to, and its partition table as planned (null: no table).</summary>
public sealed record MappedDisk(Disk Disk, TargetDisk Target, PartitionTableSpec? Table);

/// <summary>
/// What the technologies share while a plan is built: the storage graph, each source device's path and planned size on
/// the target, the steps added so far, and the plan's warnings and placeholders. The central planner fills the disk
/// part (mapping, partition sizing); each technology adds its devices' paths and steps.
/// </summary>
public sealed partial class PlanContext
{
    private readonly List<PlanStep> _steps = [];
    private readonly List<RequirementGate> _gates = [];

    public PlanContext(StorageGraph graph, PlanOptions options, RecoveryPlan plan, IReadOnlyList<IStorageTechnology> technologies)
    {
        Graph = graph;
        Options = options;
        Plan = plan;
        Technologies = technologies;
    }

    public StorageGraph Graph { get; }

    public LayoutDocument Layout => Graph.Layout;

    public PlanOptions Options { get; }

    /// <summary>The plan being built: its mappings, warnings and placeholders (the steps are ordered at the end).</summary>
    public RecoveryPlan Plan { get; }

    /// <summary>Every registered technology, in phase order (to find who makes a filesystem type).</summary>
    public IReadOnlyList<IStorageTechnology> Technologies { get; }

    /// <summary>The disks the technologies added to the layout (<see cref="LayoutCompletion"/>), mapped or not.</summary>
    public IReadOnlyList<AddedDisk> AddedDisks { get; init; } = [];

    /// <summary>The mapped disks, in mapping order.</summary>
    public List<MappedDisk> MappedDisks { get; } = [];

    /// <summary>Source device id (disk, partition, md array, LUKS mapping, LV) → its path on the target.</summary>
    public Dictionary<string, string> Paths { get; } = new(StringComparer.Ordinal);

    /// <summary>Source disk or partition id → its planned size in bytes.</summary>
    public Dictionary<string, long> PlannedSizes { get; } = new(StringComparer.Ordinal);

    /// <summary>Device with a size of its own (a logical volume) → its planned size in bytes, set by its technology.</summary>
    public Dictionary<string, long> PlannedOwnSizes { get; } = new(StringComparer.Ordinal);

    /// <summary>Devices whose own planned size differs from the original.</summary>
    public HashSet<string> ResizedIds { get; } = new(StringComparer.Ordinal);

    public IReadOnlyList<PlanStep> Steps => _steps;

    public void Warn(string message) => Plan.Warnings.Add(message);

    /// <summary>Whether a device will exist on the target: it has a path and every disk under it was mapped.</summary>
    public bool IsPresent(string id) => Paths.ContainsKey(id) && Graph.DisksUnder(id).Any(d => Paths.ContainsKey(d));

    /// <summary>Whether some step so far provides <paramref name="token"/>.</summary>
    public bool IsProvided(string token) => _steps.Any(s => s.Provides.Contains(token));

    /// <summary>
    /// From now on, a step that requires a token starting with <paramref name="requiredPrefix"/> also waits for
    /// <paramref name="gateToken"/>, unless its kind is one of <paramref name="exemptKinds"/> (e.g. what uses a logical
    /// volume waits until its volume group has its original UUIDs back).
    /// </summary>
    public void AddRequirementGate(string requiredPrefix, string gateToken, params string[] exemptKinds) =>
        _gates.Add(new RequirementGate(requiredPrefix, gateToken, exemptKinds));

    public PlanStep AddStep(string kind, string id, string description, bool destructive, IEnumerable<string> devices, IEnumerable<string> requires,
        IEnumerable<string> provides, params IEnumerable<string>[] commands)
    {
        var required = requires.ToList();
        var gates = required.SelectMany(r => _gates.Where(g => !g.ExemptKinds.Contains(kind) && r.StartsWith(g.RequiredPrefix, StringComparison.Ordinal)))
            .Select(g => g.GateToken).ToList();
        var step = new PlanStep
        {
            Id = kind + ":" + id,
            Kind = kind,
            Description = description,
            Destructive = destructive,
            Devices = [.. devices],
            Requires = [.. required.Concat(gates).Distinct()],
            Provides = [.. provides],
            Commands = [.. commands.Select(c => new PlanCommand(c))],
        };
        _steps.Add(step);
        return step;
    }

    private sealed record RequirementGate(string RequiredPrefix, string GateToken, string[] ExemptKinds);
}
