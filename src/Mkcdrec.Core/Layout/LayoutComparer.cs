using System.Globalization;
using Mkcdrec.Model.Layout;

namespace Mkcdrec.Core.Layout;

public sealed record LayoutChange(string Key, string? Old, string? New, bool Matters)
{
    public override string ToString() =>
        (Matters ? "! " : "  ") + (Old is null ? $"+ {Key}: {New}" : New is null ? $"- {Key}: {Old}" : $"~ {Key}: {Old} → {New}");
}

/// <summary>
/// Compares two layouts as flat sets of facts. A change "matters" when a recovery from the older rescue medium
/// would recreate something different from the machine as it is now (like ReaR's checklayout).
/// </summary>
public static class LayoutComparer
{
    public static List<LayoutChange> Compare(LayoutDocument saved, LayoutDocument live)
    {
        var a = Facts(saved);
        var b = Facts(live);
        var changes = new List<LayoutChange>();
        foreach (var key in a.Keys.Union(b.Keys).Order(StringComparer.Ordinal))
        {
            a.TryGetValue(key, out var va);
            b.TryGetValue(key, out var vb);
            if (va?.Value != vb?.Value)
            {
                changes.Add(new LayoutChange(key, va?.Value, vb?.Value, (va?.Matters ?? false) || (vb?.Matters ?? false)));
            }
        }

        return changes;
    }

    private sealed record Fact(string Value, bool Matters);

    private static Dictionary<string, Fact> Facts(LayoutDocument d)
    {
        var f = new Dictionary<string, Fact>(StringComparer.Ordinal);
        void Add(string key, object? value, bool matters = true)
        {
            if (value is null)
            {
                return;
            }

            var s = value switch
            {
                IFormattable x => x.ToString(null, CultureInfo.InvariantCulture),
                _ => value.ToString() ?? "",
            };
            f[key] = new Fact(s, matters);
        }

        foreach (var disk in d.Disks)
        {
            var k = disk.Id;
            Add($"{k} size", disk.SizeBytes);
            Add($"{k} sector size", disk.LogicalSectorSize);
            Add($"{k} partition table", disk.PartitionTable.Kind);
            Add($"{k} disk guid", disk.PartitionTable.DiskGuid);
            Add($"{k} mbr id", disk.PartitionTable.MbrDiskId);
            Add($"{k} boot code", disk.PartitionTable.BootCode);
            Add($"{k} path", disk.Path, matters: false);
            foreach (var p in disk.Partitions)
            {
                Add($"{p.Id} start", p.StartSector);
                Add($"{p.Id} size", p.SizeSectors);
                Add($"{p.Id} type", (object?)p.TypeGuid ?? p.MbrType);
                Add($"{p.Id} partuuid", p.PartUuid);
                Add($"{p.Id} name", p.Name);
                Add($"{p.Id} attributes", p.Attributes);
                Add($"{p.Id} bootable", p.Bootable ? "yes" : null);
                Add($"{p.Id} holds", p.UsedBy);
            }

            Add($"{k} holds", disk.UsedBy);
        }

        foreach (var m in d.MdArrays)
        {
            Add($"{m.Id} level", m.Level);
            Add($"{m.Id} metadata", m.Metadata);
            Add($"{m.Id} raid devices", m.RaidDevices);
            Add($"{m.Id} chunk", m.ChunkBytes);
            Add($"{m.Id} layout", m.Layout);
            Add($"{m.Id} name", m.Name);
            Add($"{m.Id} members", string.Join(' ', m.Members.Select(x => $"{x.DeviceId}{(x.Spare ? "(spare)" : "")}")));
            Add($"{m.Id} holds", m.UsedBy);
            Add($"{m.Id} size", m.SizeBytes, matters: false);
        }

        foreach (var l in d.Luks)
        {
            Add($"{l.Id} on", l.DeviceId);
            Add($"{l.Id} version", l.Version);
            Add($"{l.Id} cipher", $"{l.Cipher} {l.KeySizeBits}");
            Add($"{l.Id} label", l.Label);
            Add($"{l.Id} mapped as", l.MappedName);
            Add($"{l.Id} holds", l.UsedBy);
        }

        foreach (var pv in d.Lvm.PhysicalVolumes)
        {
            Add($"{pv.Id} on", pv.DeviceId);
            Add($"{pv.Id} vg", pv.VgName);
        }

        foreach (var vg in d.Lvm.VolumeGroups)
        {
            Add($"{vg.Id} uuid", vg.Uuid);
            Add($"{vg.Id} extent size", vg.ExtentSizeBytes);
            Add($"{vg.Id} pvs", string.Join(' ', vg.PhysicalVolumeIds.Order(StringComparer.Ordinal)));
            Add($"{vg.Id} free", vg.FreeBytes, matters: false);
        }

        foreach (var lv in d.Lvm.LogicalVolumes)
        {
            Add($"{lv.Id} size", lv.SizeBytes);
            Add($"{lv.Id} type", lv.SegmentType);
            Add($"{lv.Id} pool", lv.PoolLv);
            Add($"{lv.Id} stripes", lv.Stripes);
            Add($"{lv.Id} holds", lv.UsedBy);
        }

        foreach (var fs in d.Filesystems)
        {
            Add($"{fs.Id} label", fs.Label);
            Add($"{fs.Id} on", string.Join(' ', fs.DeviceIds));
            Add($"{fs.Id} size", fs.SizeBytes);
            Add($"{fs.Id} used", fs.UsedBytes, matters: false);
            if (fs.Ext is { } e)
            {
                Add($"{fs.Id} ext block size", e.BlockSize);
                Add($"{fs.Id} ext inode size", e.InodeSize);
                Add($"{fs.Id} ext features", string.Join(' ', e.Features.Order(StringComparer.Ordinal)));
            }

            if (fs.Btrfs is { } b)
            {
                Add($"{fs.Id} btrfs profiles", $"{b.DataProfile}/{b.MetadataProfile}");
                Add($"{fs.Id} btrfs default subvolume", b.DefaultSubvolumeId);
                foreach (var sv in b.Subvolumes)
                {
                    Add($"{fs.Id} subvolume {sv.Path}", sv.ReadOnly ? "read-only" : "read-write");
                }
            }

            if (fs.Xfs is { } x)
            {
                Add($"{fs.Id} xfs geometry", $"bsize={x.BlockSize} isize={x.InodeSize} crc={x.Crc} reflink={x.Reflink}");
            }
        }

        foreach (var m in d.Mounts)
        {
            Add($"mount {m.Target}", m.FilesystemId + (m.Subvolume is { } sv && sv != "/" ? $" [{sv}]" : ""));
            Add($"mount {m.Target} options", m.Options, matters: false);
        }

        foreach (var e in d.Config.FstabEntries)
        {
            Add($"fstab {e.Target}", $"{e.Spec} {e.Type} {e.Options}", matters: false);
        }

        foreach (var c in d.Config.CrypttabEntries)
        {
            Add($"crypttab {c.Name}", $"{c.Device} {c.KeyFile} {c.Options}");
        }

        Add("boot firmware", d.Boot.Firmware);
        Add("boot loader", d.Boot.Bootloader);
        Add("boot bios disks", string.Join(' ', d.Boot.BiosBootDiskIds));
        Add("boot esp", d.Boot.EspFilesystemId);
        Add("host kernel", d.Host.KernelRelease, matters: false);
        Add("host name", d.Host.Hostname, matters: false);
        foreach (var i in d.Network.Interfaces)
        {
            Add($"net {i.Name} mac", i.Mac, matters: false);
            Add($"net {i.Name} addresses", string.Join(' ', i.Addresses) + (i.Dhcp ? " (dhcp)" : ""), matters: false);
        }

        foreach (var u in d.Unsupported)
        {
            Add($"unsupported {u.Device}", u.Kind);
        }

        return f;
    }
}
