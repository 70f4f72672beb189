using Mkcdrec.Core.Registry;
using Mkcdrec.Core.Storage;
using Mkcdrec.Model.Layout;

namespace Mkcdrec.Core.Report;

/// <summary>The layers of the storage stack as the report draws them, bottom (disks) to top (mount points).</summary>
public enum StackLayer
{
    Disk,
    Partition,
    Raid,

    /// <summary>A block device of another technology of the registry (its own description: name, size, devices below).</summary>
    Other,
    Luks,
    LvmPv,
    LvmVg,
    LvmLv,
    Filesystem,
    Mount,
}

/// <summary>One box of the diagram: its device name, size and identifiers, and the boxes it sits on.</summary>
public sealed record StackNode(string Id, StackLayer Layer, string Name, long? SizeBytes, IReadOnlyList<string> Details, IReadOnlyList<string> Parents);

/// <summary>
/// The layout as a graph of <see cref="StackNode"/>s: disk → partition → md RAID → other → LUKS → LVM PV → VG → LV →
/// filesystem → mount point, each edge following the layout's references by id (a RAID1 has two parents, a VG one per PV).
/// </summary>
public static class StackGraph
{
    public static List<StackNode> Build(LayoutDocument layout)
    {
        var nodes = new List<StackNode>();
        var sizes = new Dictionary<string, long>(StringComparer.Ordinal);
        void Add(string id, StackLayer layer, string name, long? size, IEnumerable<string?> details, IEnumerable<string> parents)
        {
            if (size is { } s)
            {
                sizes[id] = s;
            }

            nodes.Add(new StackNode(id, layer, name, size, [.. details.OfType<string>()], [.. parents]));
        }

        foreach (var d in layout.Disks)
        {
            Add(d.Id, StackLayer.Disk, d.Path, d.SizeBytes,
                [Join(d.Vendor, d.Model), d.Serial is null ? null : "serial " + d.Serial, Table(d.PartitionTable)], []);
            foreach (var p in d.Partitions)
            {
                Add(p.Id, StackLayer.Partition, p.Path, p.SizeBytes,
                    [p.PartUuid is null ? null : "PARTUUID " + p.PartUuid, p.Name is { Length: > 0 } n ? "name " + n : null, p.TypeName], [d.Id]);
            }
        }

        foreach (var md in layout.MdArrays)
        {
            Add(md.Id, StackLayer.Raid, md.NamedPath ?? md.Path, md.SizeBytes,
                [$"{md.Level}, {md.Members.Count} of {md.RaidDevices} device(s)", "UUID " + md.Uuid, md.Name is null ? null : "name " + md.Name],
                md.Members.Select(m => m.DeviceId));
        }

        foreach (var l in layout.Luks)
        {
            long? size = sizes.TryGetValue(l.DeviceId, out var under) ? under - (l.DataOffsetBytes ?? 0) : null;
            Add(l.Id, StackLayer.Luks, l.MappedPath ?? l.MappedName ?? "(LUKS)", size,
                [$"LUKS{l.Version} {l.Cipher}", "UUID " + l.Uuid, l.Label is null ? null : "label " + l.Label], [l.DeviceId]);
        }

        foreach (var pv in layout.Lvm.PhysicalVolumes)
        {
            Add(pv.Id, StackLayer.LvmPv, "PV " + Describe(layout, pv.DeviceId), pv.SizeBytes, ["UUID " + pv.Uuid], [pv.DeviceId]);
        }

        foreach (var vg in layout.Lvm.VolumeGroups)
        {
            Add(vg.Id, StackLayer.LvmVg, "VG " + vg.Name, vg.SizeBytes, ["UUID " + vg.Uuid, "free " + Bytes.Format(vg.FreeBytes)], vg.PhysicalVolumeIds);
        }

        foreach (var lv in layout.Lvm.LogicalVolumes.Where(l => !l.Hidden))
        {
            var vg = layout.Lvm.VolumeGroups.FirstOrDefault(v => v.Name == lv.VgName);
            Add(lv.Id, StackLayer.LvmLv, lv.Path ?? $"/dev/{lv.VgName}/{lv.Name}", lv.SizeBytes,
                [lv.Uuid.Length > 0 ? "UUID " + lv.Uuid : null, lv.PoolLv is null ? lv.SegmentType : $"thin in {lv.PoolLv}"], vg is null ? [] : [vg.Id]);
        }

        foreach (var fs in layout.Filesystems)
        {
            Add(fs.Id, StackLayer.Filesystem, fs.Type, fs.SizeBytes,
                [fs.Uuid is null ? null : "UUID " + fs.Uuid, fs.Label is null ? null : "label " + fs.Label,
                 fs.UsedBytes is { } used ? "used " + Bytes.Format(used) : null], fs.DeviceIds);
        }

        foreach (var m in layout.Mounts)
        {
            Add("mount:" + m.Target + (m.Subvolume is null ? "" : "@" + m.Subvolume), StackLayer.Mount, m.Target, null,
                [m.Type, m.Subvolume is null ? null : "subvolume " + m.Subvolume], [m.FilesystemId]);
        }

        AddOthers(layout, nodes, Add);
        var known = nodes.Select(n => n.Id).ToHashSet(StringComparer.Ordinal);
        return [.. nodes.Select(n => n.Parents.All(known.Contains) ? n : n with { Parents = [.. n.Parents.Where(known.Contains)] })];
    }

    /// <summary>
    /// The block devices of the other technologies in the registry (each describes its own): drawn as "other" with the
    /// name, size and devices below that the technology gives, so a new technology shows up without this file knowing it.
    /// </summary>
    private static void AddOthers(LayoutDocument layout, List<StackNode> nodes, Action<string, StackLayer, string, long?, IEnumerable<string?>, IEnumerable<string>> add)
    {
        var graph = new StorageGraph(layout, new PlanOptions(), Technologies.Storage);
        var drawn = nodes.Select(n => n.Id).Concat(layout.Lvm.LogicalVolumes.Where(l => l.Hidden).Select(l => l.Id)).ToHashSet(StringComparer.Ordinal);
        foreach (var device in graph.Stacked.Values.Where(d => d.IsBlockDevice && !drawn.Contains(d.Id)))
        {
            add(device.Id, StackLayer.Other, device.Name, graph.OriginalSize(device.Id), [device.Id], device.Below.Concat(device.AlsoOn));
        }
    }

    /// <summary>A device's name for a PV line: the path of the partition, array or LUKS mapping it is on.</summary>
    private static string Describe(LayoutDocument layout, string id) =>
        layout.Luks.FirstOrDefault(l => l.Id == id)?.MappedPath
        ?? layout.MdArrays.FirstOrDefault(m => m.Id == id)?.Path
        ?? layout.Disks.SelectMany(d => d.Partitions).FirstOrDefault(p => p.Id == id)?.Path
        ?? layout.Disks.FirstOrDefault(d => d.Id == id)?.Path
        ?? id;

    private static string? Join(string? a, string? b) => (a, b) switch
    {
        (null, null) => null,
        _ => string.Join(' ', new[] { a, b }.OfType<string>()).Trim(),
    };

    private static string Table(PartitionTable t) =>
        t.Kind == PartitionTableKinds.Gpt && t.DiskGuid is { } g ? "GPT " + g
        : t.Kind == PartitionTableKinds.Mbr ? "MBR " + t.MbrDiskId
        : "no partition table";
}
