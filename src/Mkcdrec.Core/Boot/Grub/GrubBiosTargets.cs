using Mkcdrec.Model.Layout;
using Mkcdrec.Model.Plan;

namespace Mkcdrec.Core.Boot.Grub;

public sealed partial class GrubTechnology
{
    /// <summary>
    /// The target disks that get GRUB for BIOS: every mapped disk that had GRUB in its boot code, and every member disk of
    /// a RAID holding /boot (or /); each followed by the disks that got a copy of its partition table (a completed RAID).
    /// </summary>
    public static List<string> BiosTargets(LayoutDocument layout, RecoveryPlan plan)
    {
        var mapped = plan.Mappings.Where(m => m.TargetPath is not null).ToList();
        var disks = new List<string>();
        void Add(string diskId)
        {
            foreach (var t in mapped.Where(m => m.SourceId == diskId || m.CopyOf == diskId).Select(m => m.TargetPath!))
            {
                if (!disks.Contains(t))
                {
                    disks.Add(t);
                }
            }
        }

        foreach (var id in layout.Boot.BiosBootDiskIds)
        {
            Add(id);
        }

        if (layout.Boot.BiosBootDiskIds.Count > 0 || (layout.Boot.Firmware == FirmwareKinds.Bios && layout.Boot.Bootloader == "grub2"))
        {
            var bootFs = layout.Mounts.FirstOrDefault(m => m.Target == "/boot")?.FilesystemId ?? layout.Mounts.FirstOrDefault(m => m.Target == "/")?.FilesystemId;
            var fs = layout.Filesystems.FirstOrDefault(f => f.Id == bootFs);
            foreach (var dev in fs?.DeviceIds ?? [])
            {
                foreach (var diskId in DisksUnder(layout, dev))
                {
                    Add(diskId);
                }
            }
        }

        return disks;
    }

    /// <summary>The layout disks a device is built on (partition → disk; md → its members' disks; LUKS/LV → below).</summary>
    private static IEnumerable<string> DisksUnder(LayoutDocument layout, string deviceId)
    {
        foreach (var d in layout.Disks)
        {
            if (d.Id == deviceId || d.Partitions.Any(p => p.Id == deviceId))
            {
                return [d.Id];
            }
        }

        if (layout.MdArrays.FirstOrDefault(m => m.Id == deviceId) is { } md)
        {
            return md.Members.Where(m => !m.Spare).SelectMany(m => DisksUnder(layout, m.DeviceId)).Distinct();
        }

        if (layout.Luks.FirstOrDefault(l => l.Id == deviceId) is { } luks)
        {
            return DisksUnder(layout, luks.DeviceId);
        }

        if (layout.Lvm.LogicalVolumes.FirstOrDefault(l => l.Id == deviceId) is { } lv)
        {
            return lv.PhysicalVolumeIds.SelectMany(pv => layout.Lvm.PhysicalVolumes.Where(p => p.Id == pv)).SelectMany(p => DisksUnder(layout, p.DeviceId)).Distinct();
        }

        return [];
    }
}
