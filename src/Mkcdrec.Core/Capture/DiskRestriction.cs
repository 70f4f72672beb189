using Mkcdrec.Core.Storage;

namespace Mkcdrec.Core.Capture;

/// <summary>--disk: keeps the selected disks and everything stacked on them; warns about stacks that reach other disks.</summary>
internal static class DiskRestriction
{
    public static void Apply(CaptureContext context)
    {
        var doc = context.Document;
        var ids = StackedIds(context);
        foreach (var m in doc.MdArrays.Where(m => ids.Contains(m.Id) && m.Members.Any(x => !ids.Contains(x.DeviceId))))
        {
            context.Note(m.Path, "has members on disks that were not selected with --disk; only the selected members are part of this layout.");
        }

        foreach (var vg in doc.Lvm.VolumeGroups.Where(v => ids.Contains(v.Id)))
        {
            foreach (var pvId in vg.PhysicalVolumeIds.Where(p => !ids.Contains(p)))
            {
                context.Note("vg " + vg.Name, $"also spans {pvId}, on a disk not selected with --disk; recreating it needs that disk too.");
            }
        }

        doc.MdArrays.RemoveAll(m => !ids.Contains(m.Id));
        doc.Bcache.RemoveAll(b => !ids.Contains(b.Id));
        doc.Luks.RemoveAll(l => !ids.Contains(l.Id));
        doc.Lvm.PhysicalVolumes.RemoveAll(p => !ids.Contains(p.Id));
        doc.Lvm.VolumeGroups.RemoveAll(v => !ids.Contains(v.Id));
        doc.Lvm.LogicalVolumes.RemoveAll(l => !ids.Contains(l.Id));
        doc.Filesystems.RemoveAll(f => !ids.Contains(f.Id));
        doc.Mounts.RemoveAll(m => !ids.Contains(m.FilesystemId));
        if (doc.Boot.EspFilesystemId is not null && !ids.Contains(doc.Boot.EspFilesystemId))
        {
            doc.Boot.EspFilesystemId = null;
            doc.Boot.EspMountPoint = null;
        }

        doc.Unsupported.RemoveAll(u => context.KernelNameOf(u.Device) is { } k && !IsStackedOn(context, k));
    }

    /// <summary>The ids of the captured disks and partitions and of everything built on them, up to the filesystems.</summary>
    private static HashSet<string> StackedIds(CaptureContext context)
    {
        var doc = context.Document;
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var d in doc.Disks)
        {
            ids.Add(d.Id);
            foreach (var p in d.Partitions)
            {
                ids.Add(p.Id);
            }
        }

        bool changed;
        do
        {
            changed = false;
            foreach (var m in doc.MdArrays.Where(m => !ids.Contains(m.Id) && m.Members.Any(x => ids.Contains(x.DeviceId))))
            {
                changed |= ids.Add(m.Id);
            }

            foreach (var b in doc.Bcache.Where(b => !ids.Contains(b.Id) && ids.Contains(b.BackingDeviceId)))
            {
                changed |= ids.Add(b.Id);
            }

            foreach (var l in doc.Luks.Where(l => !ids.Contains(l.Id) && ids.Contains(l.DeviceId)))
            {
                changed |= ids.Add(l.Id);
            }

            foreach (var pv in doc.Lvm.PhysicalVolumes.Where(p => !ids.Contains(p.Id) && ids.Contains(p.DeviceId)))
            {
                changed |= ids.Add(pv.Id);
                if (pv.VgName is not null)
                {
                    changed |= ids.Add("vg:" + pv.VgName);
                }
            }

            foreach (var lv in doc.Lvm.LogicalVolumes.Where(l => !ids.Contains(l.Id) && ids.Contains("vg:" + l.VgName)))
            {
                changed |= ids.Add(lv.Id);
            }

            foreach (var fs in doc.Filesystems.Where(f => !ids.Contains(f.Id) && f.DeviceIds.Any(ids.Contains)))
            {
                changed |= ids.Add(fs.Id);
            }
        }
        while (changed);

        return ids;
    }

    /// <summary>Whether a kernel device is one of the selected disks, a partition of one, or built on them (sysfs slaves).</summary>
    private static bool IsStackedOn(CaptureContext context, string kernelName)
    {
        var diskNames = context.SelectedDisks;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var stack = new Stack<string>([kernelName]);
        while (stack.Count > 0)
        {
            var n = stack.Pop();
            if (!seen.Add(n) || !context.Devices.TryGetValue(n, out var d))
            {
                continue;
            }

            if (diskNames.Contains(n) || (d.Parent is not null && diskNames.Contains(d.Parent)))
            {
                return true;
            }

            foreach (var s in d.Slaves)
            {
                stack.Push(s);
            }
        }

        return false;
    }
}
