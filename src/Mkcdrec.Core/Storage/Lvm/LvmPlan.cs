using Mkcdrec.Model.Layout;
using Mkcdrec.Model.Plan;

namespace Mkcdrec.Core.Storage.Lvm;

public sealed partial class LvmTechnology
{
    public void PrepareDevices(PlanContext context)
    {
        foreach (var lv in context.Layout.Lvm.LogicalVolumes)
        {
            context.Paths[lv.Id] = $"/dev/{lv.VgName}/{lv.Name}";
        }

        SizeVolumeGroups(context);
    }

    /// <summary>All physical volumes, then the groups, then the volumes, then the groups' original UUIDs.</summary>
    public void AddSteps(PlanContext context)
    {
        var lvm = context.Layout.Lvm;
        foreach (var pv in lvm.PhysicalVolumes)
        {
            AddPhysicalVolume(context, pv);
        }

        foreach (var vg in lvm.VolumeGroups)
        {
            AddVolumeGroup(context, vg);
        }

        foreach (var lv in lvm.LogicalVolumes)
        {
            AddLogicalVolume(context, lv);
        }

        foreach (var vg in lvm.VolumeGroups)
        {
            AddOriginalIds(context, vg);
        }
    }

    private static void AddPhysicalVolume(PlanContext context, PhysicalVolume pv)
    {
        if (!context.IsPresent(pv.DeviceId))
        {
            return;
        }

        var device = context.Paths[pv.DeviceId];
        context.AddStep(StepKinds.PvCreate, pv.Id, $"Make {device} an LVM physical volume (UUID {pv.Uuid})", true, [device], [pv.DeviceId], [pv.Id],
            ["pvcreate", "--yes", "--uuid", pv.Uuid, "--norestorefile", device]);
    }

    private static void AddVolumeGroup(PlanContext context, VolumeGroup vg)
    {
        var graph = context.Graph;
        var pvs = vg.PhysicalVolumeIds.Where(id => LvmNeeds.Pv(context.Layout, id) is { } pv && context.IsPresent(pv.DeviceId)).ToList();
        if (pvs.Count == 0)
        {
            return;
        }

        if (pvs.Count < vg.PhysicalVolumeIds.Count)
        {
            throw new MkcdrecException(ExitCode.Refused,
                $"Volume group {vg.Name} would miss {vg.PhysicalVolumeIds.Count - pvs.Count} of its physical volumes.",
                "Map a disk for every disk the volume group was on, with --map SRC=DST.");
        }

        var devices = pvs.Select(id => context.Paths[LvmNeeds.Pv(context.Layout, id)!.DeviceId]).ToList();
        context.AddStep(StepKinds.VgCreate, "vg:" + vg.Name, $"Create volume group {vg.Name} on {string.Join(", ", devices)}", false, devices, pvs, ["vg:" + vg.Name],
            ["vgcreate", "--physicalextentsize", PlanTokens.SizeInBytes(vg.ExtentSizeBytes), vg.Name, .. devices]);
    }
}
