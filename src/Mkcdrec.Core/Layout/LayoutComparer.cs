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
        var savedFacts = Facts(saved);
        var liveFacts = Facts(live);
        var changes = new List<LayoutChange>();
        foreach (var key in savedFacts.Keys.Union(liveFacts.Keys).Order(StringComparer.Ordinal))
        {
            savedFacts.TryGetValue(key, out var before);
            liveFacts.TryGetValue(key, out var now);
            if (before?.Value != now?.Value)
            {
                changes.Add(new LayoutChange(key, before?.Value, now?.Value, (before?.Matters ?? false) || (now?.Matters ?? false)));
            }
        }

        return changes;
    }

    private sealed record Fact(string Value, bool Matters);

    /// <summary>The facts of one layout by key; a null value adds no fact, a later fact of the same key replaces the earlier.</summary>
    private sealed class FactSet
    {
        public Dictionary<string, Fact> ByKey { get; } = new(StringComparer.Ordinal);

        public void Add(string key, object? value, bool matters = true)
        {
            if (value is null)
            {
                return;
            }

            var text = value switch
            {
                IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
                _ => value.ToString() ?? "",
            };
            ByKey[key] = new Fact(text, matters);
        }
    }

    // The order of the technologies is kept: a key added twice keeps the later value.
    private static Dictionary<string, Fact> Facts(LayoutDocument layout)
    {
        var facts = new FactSet();
        AddDiskFacts(facts, layout);
        AddMdFacts(facts, layout);
        AddLuksFacts(facts, layout);
        AddLvmFacts(facts, layout);
        AddFilesystemFacts(facts, layout);
        AddMountFacts(facts, layout);
        AddBootAndHostFacts(facts, layout);
        AddNetworkFacts(facts, layout);
        foreach (var u in layout.Unsupported)
        {
            facts.Add($"unsupported {u.Device}", u.Kind);
        }

        return facts.ByKey;
    }

    private static void AddDiskFacts(FactSet facts, LayoutDocument layout)
    {
        foreach (var disk in layout.Disks)
        {
            var k = disk.Id;
            facts.Add($"{k} size", disk.SizeBytes);
            facts.Add($"{k} sector size", disk.LogicalSectorSize);
            facts.Add($"{k} partition table", disk.PartitionTable.Kind);
            facts.Add($"{k} disk guid", disk.PartitionTable.DiskGuid);
            facts.Add($"{k} mbr id", disk.PartitionTable.MbrDiskId);
            facts.Add($"{k} boot code", disk.PartitionTable.BootCode);
            facts.Add($"{k} path", disk.Path, matters: false);
            foreach (var p in disk.Partitions)
            {
                facts.Add($"{p.Id} start", p.StartSector);
                facts.Add($"{p.Id} size", p.SizeSectors);
                facts.Add($"{p.Id} type", (object?)p.TypeGuid ?? p.MbrType);
                facts.Add($"{p.Id} partuuid", p.PartUuid);
                facts.Add($"{p.Id} name", p.Name);
                facts.Add($"{p.Id} attributes", p.Attributes);
                facts.Add($"{p.Id} bootable", p.Bootable ? "yes" : null);
                facts.Add($"{p.Id} holds", p.UsedBy);
            }

            facts.Add($"{k} holds", disk.UsedBy);
        }
    }

    private static void AddMdFacts(FactSet facts, LayoutDocument layout)
    {
        foreach (var m in layout.MdArrays)
        {
            facts.Add($"{m.Id} level", m.Level);
            facts.Add($"{m.Id} metadata", m.Metadata);
            facts.Add($"{m.Id} raid devices", m.RaidDevices);
            facts.Add($"{m.Id} chunk", m.ChunkBytes);
            facts.Add($"{m.Id} layout", m.Layout);
            facts.Add($"{m.Id} name", m.Name);
            facts.Add($"{m.Id} members", string.Join(' ', m.Members.Select(x => $"{x.DeviceId}{(x.Spare ? "(spare)" : "")}")));
            facts.Add($"{m.Id} holds", m.UsedBy);
            facts.Add($"{m.Id} size", m.SizeBytes, matters: false);
        }
    }

    private static void AddLuksFacts(FactSet facts, LayoutDocument layout)
    {
        foreach (var l in layout.Luks)
        {
            facts.Add($"{l.Id} on", l.DeviceId);
            facts.Add($"{l.Id} version", l.Version);
            facts.Add($"{l.Id} cipher", $"{l.Cipher} {l.KeySizeBits}");
            facts.Add($"{l.Id} label", l.Label);
            facts.Add($"{l.Id} mapped as", l.MappedName);
            facts.Add($"{l.Id} holds", l.UsedBy);
        }
    }

    private static void AddLvmFacts(FactSet facts, LayoutDocument layout)
    {
        foreach (var pv in layout.Lvm.PhysicalVolumes)
        {
            facts.Add($"{pv.Id} on", pv.DeviceId);
            facts.Add($"{pv.Id} vg", pv.VgName);
        }

        foreach (var vg in layout.Lvm.VolumeGroups)
        {
            facts.Add($"{vg.Id} uuid", vg.Uuid);
            facts.Add($"{vg.Id} extent size", vg.ExtentSizeBytes);
            facts.Add($"{vg.Id} pvs", string.Join(' ', vg.PhysicalVolumeIds.Order(StringComparer.Ordinal)));
            facts.Add($"{vg.Id} free", vg.FreeBytes, matters: false);
        }

        foreach (var lv in layout.Lvm.LogicalVolumes)
        {
            facts.Add($"{lv.Id} size", lv.SizeBytes);
            facts.Add($"{lv.Id} type", lv.SegmentType);
            facts.Add($"{lv.Id} pool", lv.PoolLv);
            facts.Add($"{lv.Id} stripes", lv.Stripes);
            facts.Add($"{lv.Id} holds", lv.UsedBy);
        }
    }

    private static void AddFilesystemFacts(FactSet facts, LayoutDocument layout)
    {
        foreach (var fs in layout.Filesystems)
        {
            facts.Add($"{fs.Id} label", fs.Label);
            facts.Add($"{fs.Id} on", string.Join(' ', fs.DeviceIds));
            facts.Add($"{fs.Id} size", fs.SizeBytes);
            facts.Add($"{fs.Id} used", fs.UsedBytes, matters: false);
            if (fs.Ext is { } e)
            {
                facts.Add($"{fs.Id} ext block size", e.BlockSize);
                facts.Add($"{fs.Id} ext inode size", e.InodeSize);
                facts.Add($"{fs.Id} ext features", string.Join(' ', e.Features.Order(StringComparer.Ordinal)));
            }

            if (fs.Btrfs is { } b)
            {
                facts.Add($"{fs.Id} btrfs profiles", $"{b.DataProfile}/{b.MetadataProfile}");
                facts.Add($"{fs.Id} btrfs default subvolume", b.DefaultSubvolumeId);
                foreach (var sv in b.Subvolumes)
                {
                    facts.Add($"{fs.Id} subvolume {sv.Path}", sv.ReadOnly ? "read-only" : "read-write");
                }
            }

            if (fs.Xfs is { } x)
            {
                facts.Add($"{fs.Id} xfs geometry", $"bsize={x.BlockSize} isize={x.InodeSize} crc={x.Crc} reflink={x.Reflink}");
            }
        }
    }

    /// <summary>Mounts as captured, and the fstab and crypttab entries of the system.</summary>
    private static void AddMountFacts(FactSet facts, LayoutDocument layout)
    {
        foreach (var m in layout.Mounts)
        {
            facts.Add($"mount {m.Target}", m.FilesystemId + (m.Subvolume is { } sv && sv != "/" ? $" [{sv}]" : ""));
            facts.Add($"mount {m.Target} options", m.Options, matters: false);
        }

        foreach (var e in layout.Config.FstabEntries)
        {
            facts.Add($"fstab {e.Target}", $"{e.Spec} {e.Type} {e.Options}", matters: false);
        }

        foreach (var c in layout.Config.CrypttabEntries)
        {
            facts.Add($"crypttab {c.Name}", $"{c.Device} {c.KeyFile} {c.Options}");
        }
    }

    private static void AddBootAndHostFacts(FactSet facts, LayoutDocument layout)
    {
        facts.Add("boot firmware", layout.Boot.Firmware);
        facts.Add("boot loader", layout.Boot.Bootloader);
        facts.Add("boot bios disks", string.Join(' ', layout.Boot.BiosBootDiskIds));
        facts.Add("boot esp", layout.Boot.EspFilesystemId);
        facts.Add("host kernel", layout.Host.KernelRelease, matters: false);
        facts.Add("host name", layout.Host.Hostname, matters: false);
    }

    private static void AddNetworkFacts(FactSet facts, LayoutDocument layout)
    {
        foreach (var i in layout.Network.Interfaces)
        {
            facts.Add($"net {i.Name} mac", i.Mac, matters: false);
            facts.Add($"net {i.Name} addresses", string.Join(' ', i.Addresses) + (i.Dhcp ? " (dhcp)" : ""), matters: false);
        }
    }
}
