namespace Mkcdrec.Core.Storage;

public sealed partial class PlanContext
{
    /// <summary>
    /// The size of a device, from the original sizes or the planned ones (same formulas both ways, so unchanged disks
    /// give unchanged sizes): disks and partitions as mapped, md, bcache and LUKS from what they are built on, LVs as sized.
    /// </summary>
    public long SizeOf(string id, bool planned)
    {
        if (Graph.Disks.ContainsKey(id) || Graph.Partitions.ContainsKey(id))
        {
            return planned ? PlannedSizes.GetValueOrDefault(id) : Graph.OriginalSize(id);
        }

        if (Graph.Md.TryGetValue(id, out var array))
        {
            var members = array.Members.Where(x => !x.Spare).Select(x => SizeOf(x.DeviceId, planned)).Where(s => s > 0).ToList();
            if (members.Count == 0)
            {
                return 0;
            }

            return Math.Max(0, members.Min() - Graph.MdMemberOverhead(array)) * StorageGraph.DataMembers(array);
        }

        if (Graph.Bcache.TryGetValue(id, out var bcache))
        {
            return Math.Max(0, SizeOf(bcache.BackingDeviceId, planned) - StorageGraph.BcacheOffset(bcache));
        }

        if (Graph.Luks.TryGetValue(id, out var luks))
        {
            return Math.Max(0, SizeOf(luks.DeviceId, planned) - StorageGraph.LuksOffset(luks));
        }

        if (Graph.Lvs.TryGetValue(id, out var lv))
        {
            return planned ? PlannedLvSizes.GetValueOrDefault(id, lv.SizeBytes) : lv.SizeBytes;
        }

        return 0;
    }

    /// <summary>Whether a device gets another size than it had: its own planned size, or (md, bcache, LUKS) the devices it is built on. An LV's size is its own.</summary>
    public bool IsResized(string deviceId) => ResizedIds.Contains(deviceId)
        || (!Graph.Lvs.ContainsKey(deviceId) && Graph.DevicesBelow(deviceId).Any(IsResized));
}
