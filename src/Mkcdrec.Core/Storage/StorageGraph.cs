using Mkcdrec.Model.Layout;

namespace Mkcdrec.Core.Storage;

/// <summary>
/// Lookups over a layout's device graph, and what each device needs at least to hold its content. Disks and partitions
/// are the graph's own; every device built on them is described by its technology (<see cref="StackedDevice"/>), so
/// nothing here knows md, LUKS, LVM or any other kind by name.
/// </summary>
public sealed class StorageGraph
{
    private readonly Dictionary<string, long> _needMemo = new(StringComparer.Ordinal);

    public StorageGraph(LayoutDocument layout, PlanOptions options, IReadOnlyList<IStorageTechnology> technologies)
    {
        Layout = layout;
        Options = options;
        foreach (var d in layout.Disks)
        {
            Disks[d.Id] = d;
            foreach (var p in d.Partitions)
            {
                Partitions[p.Id] = (d, p);
            }
        }

        foreach (var device in technologies.SelectMany(t => t.DescribeDevices(layout)))
        {
            Stacked.TryAdd(device.Id, device);
        }

        // A filesystem no technology describes (a type nothing recreates) still stands on its devices, which stay whole.
        foreach (var f in layout.Filesystems.Where(f => !Stacked.ContainsKey(f.Id)))
        {
            Stacked[f.Id] = new StackedDevice(f.Id) { Below = f.DeviceIds, IsBlockDevice = false };
        }

        foreach (var device in Stacked.Values)
        {
            foreach (var below in device.Below.Concat(device.AlsoOn))
            {
                _above.TryAdd(below, device.Id);
            }
        }
    }

    private readonly Dictionary<string, string> _above = new(StringComparer.Ordinal);

    public LayoutDocument Layout { get; }

    public PlanOptions Options { get; }

    public Dictionary<string, Disk> Disks { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, (Disk Disk, Partition Part)> Partitions { get; } = new(StringComparer.Ordinal);

    /// <summary>Every device built on disks and partitions, as its technology describes it, by layout id.</summary>
    public Dictionary<string, StackedDevice> Stacked { get; } = new(StringComparer.Ordinal);

    /// <summary>The id of what is written on a block device (disk, partition or a stacked block device).</summary>
    public string? UsedBy(string deviceId) =>
        Disks.TryGetValue(deviceId, out var d) ? d.UsedBy ?? ContentFromAbove(deviceId)
        : Partitions.TryGetValue(deviceId, out var p) ? p.Part.UsedBy ?? ContentFromAbove(deviceId)
        : Stacked.TryGetValue(deviceId, out var s) && s.IsBlockDevice ? s.UsedBy ?? ContentFromAbove(deviceId)
        : null;

    /// <summary>Falls back to the upper layers' downward references when a usedBy was not recorded.</summary>
    private string? ContentFromAbove(string deviceId) => _above.GetValueOrDefault(deviceId);

    /// <summary>The size of a block device in the source layout (0 for what is not a block device).</summary>
    public long OriginalSize(string deviceId) =>
        Disks.TryGetValue(deviceId, out var d) ? d.SizeBytes
        : Partitions.TryGetValue(deviceId, out var p) ? p.Part.SizeBytes > 0 ? p.Part.SizeBytes : p.Part.SizeSectors * p.Disk.LogicalSectorSize
        : Stacked.TryGetValue(deviceId, out var s) && s.IsBlockDevice ? s.RecordedSize ?? s.SizeFrom?.Invoke(this, OriginalSize) ?? 0
        : 0;

    /// <summary>The disk ids a device is (partly) built on.</summary>
    public IEnumerable<string> DisksUnder(string id) => DisksUnder(id, new HashSet<string>(StringComparer.Ordinal));

    private IEnumerable<string> DisksUnder(string id, HashSet<string> seen)
    {
        if (!seen.Add(id))
        {
            yield break; // a damaged layout with a cycle
        }

        if (Disks.ContainsKey(id))
        {
            yield return id;
        }
        else if (Partitions.TryGetValue(id, out var p))
        {
            yield return p.Disk.Id;
        }
        else
        {
            foreach (var below in DevicesBelow(id))
            {
                foreach (var d in DisksUnder(below, seen))
                {
                    yield return d;
                }
            }
        }
    }

    /// <summary>The devices directly below an id, whose sizes make its size (see <see cref="StackedDevice.Below"/>).</summary>
    public IReadOnlyList<string> DevicesBelow(string id) => Stacked.TryGetValue(id, out var s) ? s.Below : [];

    public bool IsSwap(string? fsId) => fsId is not null && Layout.Filesystems.Any(f => f.Id == fsId && f.Type == FilesystemTypes.Swap);

    public bool IsMountedAt(string? fsId, string target) => fsId is not null && Layout.Mounts.Any(m => m.FilesystemId == fsId && m.Target == target);

    /// <summary>What a filesystem uses with the plan's margin, at least <paramref name="minimum"/>, never more than it had; its whole size when usage is unknown.</summary>
    public long UsedWithMargin(Filesystem f, long minimum)
    {
        if (f.Type == FilesystemTypes.Swap || f.UsedBytes is not { } used)
        {
            return f.SizeBytes;
        }

        var need = Math.Max(Math.Max((long)Math.Ceiling(used * Options.ShrinkMarginFactor), used + Options.ShrinkMarginBytes), minimum);
        return f.SizeBytes > 0 ? Math.Min(need, f.SizeBytes) : need;
    }

    /// <summary>The least the block device <paramref name="deviceId"/> must hold for what is on it.</summary>
    public long DeviceNeed(string deviceId)
    {
        if (_needMemo.TryGetValue(deviceId, out var n))
        {
            return n;
        }

        var original = OriginalSize(deviceId);
        _needMemo[deviceId] = original; // guards against cycles in a damaged layout
        var content = UsedBy(deviceId);
        var need = content is not null && Stacked.TryGetValue(content, out var above) && above.NeedOnBelow is { } needOn
            ? needOn(this, deviceId)
            : original; // unknown content: keep it whole
        if (original > 0)
        {
            need = Math.Min(need, original);
        }

        return _needMemo[deviceId] = need;
    }

    public static long RoundUp(long v, long unit) => unit <= 1 ? v : (v + unit - 1) / unit * unit;

    public static long RoundDown(long v, long unit) => unit <= 1 ? v : v / unit * unit;
}
