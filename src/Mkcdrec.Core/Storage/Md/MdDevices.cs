using Mkcdrec.Model.Layout;
using Mkcdrec.Model.Plan;

namespace Mkcdrec.Core.Storage.Md;

/// <summary>Arrays in the storage graph: built on their active members (spares only occupy), sized by level.</summary>
public sealed partial class MdTechnology
{
    public IReadOnlyList<string> MemberSignatures => ["linux_raid_member"];

    public IReadOnlyList<string> StepKindOrder => [StepKinds.MdCreate];

    public IEnumerable<StackedDevice> DescribeDevices(LayoutDocument layout) => layout.MdArrays.Select(m => new StackedDevice(m.Id)
    {
        Name = m.Path,
        Below = [.. MdGeometry.ActiveMembers(m)],
        AlsoOn = [.. m.Members.Where(x => x.Spare).Select(x => x.DeviceId)],
        MayLack = MdGeometry.Redundancy(m),
        UsedBy = m.UsedBy,
        MarkUsedBy = id => m.UsedBy = id,
        RecordedSize = m.SizeBytes,
        SizeFrom = (graph, sizeOf) => Size(graph, m, sizeOf),
        NeedOnBelow = (graph, _) => (graph.DeviceNeed(m.Id) + MdGeometry.DataMembers(m) - 1) / MdGeometry.DataMembers(m) + MdGeometry.MemberOverhead(graph, m),
    });

    /// <summary>The smallest active member less the superblock's share, times the members that hold data.</summary>
    private static long Size(StorageGraph graph, MdArray m, Func<string, long> sizeOf)
    {
        var members = MdGeometry.ActiveMembers(m).Select(sizeOf).Where(s => s > 0).ToList();
        return members.Count == 0 ? 0 : Math.Max(0, members.Min() - MdGeometry.MemberOverhead(graph, m)) * MdGeometry.DataMembers(m);
    }

    public void KeepOnly(LayoutDocument layout, IReadOnlySet<string> keptIds) => layout.MdArrays.RemoveAll(m => !keptIds.Contains(m.Id));
}
