namespace Mkcdrec.Core.Storage;

public sealed partial class PlanContext
{
    /// <summary>
    /// The size of a device, from the original sizes or the planned ones (same formulas both ways, so unchanged disks
    /// give unchanged sizes): disks and partitions as mapped, devices built on others from what they are built on
    /// (<see cref="StackedDevice.SizeFrom"/>), devices with a size of their own (LVs) as their technology sized them.
    /// </summary>
    public long SizeOf(string id, bool planned)
    {
        if (Graph.Disks.ContainsKey(id) || Graph.Partitions.ContainsKey(id))
        {
            return planned ? PlannedSizes.GetValueOrDefault(id) : Graph.OriginalSize(id);
        }

        if (!Graph.Stacked.TryGetValue(id, out var device) || !device.IsBlockDevice)
        {
            return 0;
        }

        if (device.SizeFrom is { } sizeFrom)
        {
            return sizeFrom(Graph, below => SizeOf(below, planned));
        }

        var own = device.RecordedSize ?? 0;
        return planned ? PlannedOwnSizes.GetValueOrDefault(id, own) : own;
    }

    /// <summary>Whether a device gets another size than it had: its own planned size, or the devices it is built on (a size of its own stays its own).</summary>
    public bool IsResized(string deviceId) => ResizedIds.Contains(deviceId)
        || (Graph.Stacked.TryGetValue(deviceId, out var device) && !(device.IsBlockDevice && device.SizeFrom is null) && device.Below.Any(IsResized));
}
