using Mkcdrec.Core.Platform;

namespace Mkcdrec.Core.Storage.Lvm;

public sealed partial class LvmTechnology
{
    /// <summary>
    /// Activates each volume group of the layout once LVM sees it (its PVs may stand on RAID or LUKS a pass before),
    /// selected by its UUID: a second group of the same name (a clone's) is left alone.
    /// </summary>
    public void Attach(AttachContext context)
    {
        var visible = VisibleGroups(context.Run);
        foreach (var vg in context.Layout.Lvm.VolumeGroups)
        {
            var key = "lvm:" + vg.Uuid;
            if (context.IsDone(key))
            {
                continue;
            }

            if (!visible.Contains(vg.Uuid))
            {
                context.NotYet(key, $"volume group {vg.Name} ({vg.Uuid}): LVM does not see it (its physical volumes are not attached or not open)");
                continue;
            }

            if (AllActive(context.Run, vg.Uuid))
            {
                context.Done(key, false, $"Volume group {vg.Name} is already active.");
                continue;
            }

            context.Record(key, context.Run.Run(new ProcessRequest("vgchange", ["--activate", "y", "--select", "vg_uuid=" + vg.Uuid])),
                $"Activated volume group {vg.Name}.", $"volume group {vg.Name}");
        }
    }

    /// <summary>Deactivates each volume group of the layout that LVM sees.</summary>
    public void Detach(AttachContext context)
    {
        if (context.KeepStack)
        {
            return;
        }

        var visible = VisibleGroups(context.Run);
        foreach (var vg in context.Layout.Lvm.VolumeGroups.Where(v => visible.Contains(v.Uuid)))
        {
            context.Record("lvm:" + vg.Uuid, context.Run.Run(new ProcessRequest("vgchange", ["--activate", "n", "--select", "vg_uuid=" + vg.Uuid])),
                $"Deactivated volume group {vg.Name}.", $"volume group {vg.Name}");
        }
    }

    /// <summary>Whether every logical volume of the group (as lvs lists them, thin volumes too) is active.</summary>
    private static bool AllActive(IProcessRunner run, string vgUuid)
    {
        var r = run.Run(new ProcessRequest("lvs", ["--noheadings", "-o", "lv_active", "--select", "vg_uuid=" + vgUuid]));
        var states = r.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return r.ExitCode == 0 && states.Length > 0 && states.All(x => x == "active");
    }

    /// <summary>The UUIDs of the volume groups LVM sees now (vgs scans the devices).</summary>
    private static HashSet<string> VisibleGroups(IProcessRunner run)
    {
        var r = run.Run(new ProcessRequest("vgs", ["--noheadings", "-o", "vg_uuid"]));
        return r.ExitCode == 0
            ? [.. r.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)]
            : [];
    }
}
