using Mkcdrec.Model.Layout;

namespace Mkcdrec.Core.Storage.Bcache;

/// <summary>
/// bcache devices in the storage graph: built on their backing device, whose size less the data offset is theirs. The
/// cache device is not below them (their size and presence are the backing device's) and keeps its size.
/// </summary>
public sealed partial class BcacheTechnology
{
    public const string CacheStep = "bcache-cache";

    public const string CreateStep = "bcache-create";

    public IReadOnlyList<string> MemberSignatures => ["bcache"];

    public IReadOnlyList<string> StepKindOrder => [CacheStep, CreateStep];

    public IEnumerable<StackedDevice> DescribeDevices(LayoutDocument layout) => layout.Bcache.Select(b => new StackedDevice(b.Id)
    {
        Name = b.Path,
        Below = [b.BackingDeviceId],
        UsedBy = b.UsedBy,
        MarkUsedBy = id => b.UsedBy = id,
        RecordedSize = b.SizeBytes,
        SizeFrom = (_, sizeOf) => Math.Max(0, sizeOf(b.BackingDeviceId) - DataOffset(b)),
        NeedOnBelow = (graph, _) => graph.DeviceNeed(b.Id) + DataOffset(b),
    });

    /// <summary>What the backing device keeps before its data (make-bcache's default: 16 sectors).</summary>
    private static long DataOffset(BcacheDevice b) => (b.DataOffsetSectors ?? 16) * 512;

    public void KeepOnly(LayoutDocument layout, IReadOnlySet<string> keptIds) => layout.Bcache.RemoveAll(b => !keptIds.Contains(b.Id));
}
