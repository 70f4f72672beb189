using Mkcdrec.Model.Layout;
using Mkcdrec.Model.Plan;

namespace Mkcdrec.Core.Storage.Btrfs;

/// <summary>btrfs in the storage graph: one filesystem on one or more devices, each holding its share by the data profile.</summary>
public sealed partial class BtrfsTechnology
{
    public IReadOnlyList<string> StepKindOrder => [StepKinds.BtrfsSubvolumes, StepKinds.BtrfsReadOnly];

    public IEnumerable<StackedDevice> DescribeDevices(LayoutDocument layout) =>
        layout.Filesystems.Where(f => f.Type == FilesystemTypes.Btrfs).Select(f => new StackedDevice(f.Id)
        {
            Name = "btrfs " + f.Uuid,
            Below = f.DeviceIds,
            IsBlockDevice = false,
            NeedOnBelow = (graph, _) => DeviceShare(f, graph.UsedWithMargin(f, 256L << 20)),
        });

    /// <summary>Mirrored profiles (raid1*, dup) put everything on each device; the others spread it over them.</summary>
    private static long DeviceShare(Filesystem f, long need)
    {
        var n = f.DeviceIds.Count;
        var mirrored = (f.Btrfs?.DataProfile ?? "single").StartsWith("raid1", StringComparison.OrdinalIgnoreCase)
            || string.Equals(f.Btrfs?.DataProfile, "dup", StringComparison.OrdinalIgnoreCase);
        return n <= 1 || mirrored ? need : (need + n - 1) / n;
    }
}
