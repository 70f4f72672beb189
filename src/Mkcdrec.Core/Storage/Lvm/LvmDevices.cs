using Mkcdrec.Model.Layout;
using Mkcdrec.Model.Plan;

namespace Mkcdrec.Core.Storage.Lvm;

/// <summary>
/// LVM in the storage graph: a physical volume on its device, a group ("vg:NAME") on its physical volumes, a logical
/// volume on its group with a size of its own (planned by <see cref="LvmTechnology"/>'s sizing).
/// </summary>
public sealed partial class LvmTechnology
{
    public IReadOnlyList<string> MemberSignatures => ["LVM2_member"];

    public IReadOnlyList<string> StepKindOrder =>
        [StepKinds.PvCreate, StepKinds.VgCreate, StepKinds.LvCreate, StepKinds.LvmIds];

    public IEnumerable<StackedDevice> DescribeDevices(LayoutDocument layout)
    {
        foreach (var pv in layout.Lvm.PhysicalVolumes)
        {
            yield return new StackedDevice(pv.Id)
            {
                Name = "physical volume " + pv.Uuid,
                Below = [pv.DeviceId],
                IsBlockDevice = false,
                NeedOnBelow = (graph, _) => LvmNeeds.PvNeed(graph, pv),
            };
        }

        foreach (var vg in layout.Lvm.VolumeGroups)
        {
            yield return new StackedDevice(vg.Id) { Name = "volume group " + vg.Name, Below = vg.PhysicalVolumeIds, IsBlockDevice = false };
        }

        foreach (var lv in layout.Lvm.LogicalVolumes)
        {
            yield return new StackedDevice(lv.Id)
            {
                Name = lv.Path ?? lv.VgName + "/" + lv.Name,
                Below = ["vg:" + lv.VgName],
                UsedBy = lv.UsedBy,
                MarkUsedBy = id => lv.UsedBy = id,
                RecordedSize = lv.SizeBytes,
            };
        }
    }

    public void KeepOnly(LayoutDocument layout, IReadOnlySet<string> keptIds)
    {
        layout.Lvm.PhysicalVolumes.RemoveAll(p => !keptIds.Contains(p.Id));
        layout.Lvm.VolumeGroups.RemoveAll(v => !keptIds.Contains(v.Id));
        layout.Lvm.LogicalVolumes.RemoveAll(l => !keptIds.Contains(l.Id));
    }
}
