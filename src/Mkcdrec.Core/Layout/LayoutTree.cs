using System.Globalization;
using System.Text;
using Mkcdrec.Model.Layout;

namespace Mkcdrec.Core.Layout;

/// <summary>Renders a layout as a readable tree: disk → partition → md → luks → lvm → filesystem → mount point.</summary>
public static class LayoutTree
{
    public static string Render(LayoutDocument doc)
    {
        var sb = new StringBuilder();
        var h = doc.Host;
        sb.AppendLine(CultureInfo.InvariantCulture, $"{h.Hostname} ({h.OsPrettyName ?? h.OsId ?? "unknown OS"}, {h.Architecture}, kernel {h.KernelRelease}), {doc.Boot.Firmware.ToUpperInvariant()} boot{(doc.Boot.Bootloader is null ? "" : ", " + doc.Boot.Bootloader)}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"captured {doc.CapturedAt:yyyy-MM-dd HH:mm:ss}Z by mkcdrec {doc.MkcdrecVersion}");
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var d in doc.Disks)
        {
            var ident = d.Serial is null ? "" : $" serial {d.Serial}";
            var table = d.PartitionTable.Kind switch
            {
                PartitionTableKinds.Gpt => $"gpt {d.PartitionTable.DiskGuid}",
                PartitionTableKinds.Mbr => $"mbr 0x{d.PartitionTable.MbrDiskId}",
                _ => "no partition table",
            };
            sb.AppendLine(CultureInfo.InvariantCulture, $"disk {d.Path}  {Size(d.SizeBytes)}  {d.Model ?? d.Transport ?? ""}{ident}  {table}{(d.LogicalSectorSize != 512 ? $"  {d.LogicalSectorSize}-byte sectors" : "")}");
            if (d.UsedBy is not null)
            {
                Children(doc, d.UsedBy, "  ", sb, seen);
            }

            for (var i = 0; i < d.Partitions.Count; i++)
            {
                var p = d.Partitions[i];
                var last = i == d.Partitions.Count - 1;
                var type = p.TypeName ?? (p.TypeGuid?.ToString() ?? "type 0x" + p.MbrType);
                var extra = new List<string>();
                if (p.Name is { Length: > 0 })
                {
                    extra.Add($"\"{p.Name}\"");
                }

                if (p.Bootable)
                {
                    extra.Add("boot");
                }

                if (p.Kind is PartitionKinds.Logical or PartitionKinds.Extended)
                {
                    extra.Add(p.Kind);
                }

                sb.AppendLine(CultureInfo.InvariantCulture, $"  {(last ? "└─" : "├─")} {p.KernelName}  {Size(p.SizeBytes)}  {type}{(extra.Count > 0 ? "  " + string.Join(' ', extra) : "")}");
                if (p.UsedBy is not null)
                {
                    Children(doc, p.UsedBy, last ? "      " : "  │   ", sb, seen);
                }
            }
        }

        if (doc.Unsupported.Count > 0)
        {
            sb.AppendLine("not supported (recorded, not recreated):");
            foreach (var u in doc.Unsupported)
            {
                sb.AppendLine(CultureInfo.InvariantCulture, $"  {u.Device}: {u.Reason}");
            }
        }

        if (doc.Warnings.Count > 0)
        {
            sb.AppendLine("warnings:");
            foreach (var w in doc.Warnings)
            {
                sb.AppendLine("  " + w);
            }
        }

        return sb.ToString();
    }

    private static void Children(LayoutDocument doc, string id, string indent, StringBuilder sb, HashSet<string> seen)
    {
        var again = !seen.Add(id);
        if (id.StartsWith("md:", StringComparison.Ordinal) && doc.MdArrays.FirstOrDefault(m => m.Id == id) is { } md)
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"{indent}→ {md.Path} {md.Level} ({md.Members.Count(m => !m.Spare)}/{md.RaidDevices}{(md.Members.Any(m => m.Spare) ? $" +{md.Members.Count(m => m.Spare)} spare" : "")}) {Size(md.SizeBytes)}{(again ? " (see above)" : "")}");
            if (!again && md.UsedBy is not null)
            {
                Children(doc, md.UsedBy, indent + "  ", sb, seen);
            }
        }
        else if (id.StartsWith("luks:", StringComparison.Ordinal) && doc.Luks.FirstOrDefault(l => l.Id == id) is { } l)
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"{indent}→ LUKS{l.Version} {l.Uuid} {l.Cipher} {l.KeySizeBits}-bit{(l.MappedName is null ? " (closed)" : " as " + l.MappedPath)}");
            if (l.UsedBy is not null)
            {
                Children(doc, l.UsedBy, indent + "  ", sb, seen);
            }
        }
        else if (id.StartsWith("pv:", StringComparison.Ordinal) && doc.Lvm.PhysicalVolumes.FirstOrDefault(p => p.Id == id) is { } pv)
        {
            var vg = doc.Lvm.VolumeGroups.FirstOrDefault(v => v.Name == pv.VgName);
            var vgSeen = vg is not null && !seen.Add(vg.Id);
            sb.AppendLine(CultureInfo.InvariantCulture, $"{indent}→ LVM PV of VG {pv.VgName ?? "(none)"}{(vg is null ? "" : $" ({Size(vg.SizeBytes)}, {Size(vg.FreeBytes)} free)")}{(vgSeen ? " (see above)" : "")}");
            if (vg is not null && !vgSeen)
            {
                var lvs = doc.Lvm.LogicalVolumes.Where(x => x.VgName == vg.Name && !x.Hidden).ToList();
                foreach (var lv in lvs)
                {
                    var seg = lv.SegmentType + (lv.PoolLv is null ? "" : $" in {lv.PoolLv}") + (lv.Stripes is { } s ? $" {s} stripes" : "");
                    sb.AppendLine(CultureInfo.InvariantCulture, $"{indent}    lv {lv.Name}  {Size(lv.SizeBytes)}  {seg}");
                    if (lv.UsedBy is not null)
                    {
                        Children(doc, lv.UsedBy, indent + "      ", sb, seen);
                    }
                }
            }
        }
        else if (id.StartsWith("fs:", StringComparison.Ordinal) && doc.Filesystems.FirstOrDefault(f => f.Id == id) is { } fs)
        {
            var mounts = doc.Mounts.Where(m => m.FilesystemId == fs.Id).ToList();
            var where = fs.Type == FilesystemTypes.Swap ? (fs.Swap?.Active == true ? " active swap" : " swap (inactive)")
                : mounts.Count == 0 ? " not mounted"
                : " on " + string.Join(", ", mounts.Select(m => m.Target + (m.Subvolume is { } sv && sv != "/" ? $" [{sv}]" : "")));
            var used = fs.UsedBytes is { } u && fs.Type != FilesystemTypes.Swap ? $" ({Size(u)} used of {Size(fs.SizeBytes)})" : "";
            sb.AppendLine(CultureInfo.InvariantCulture, $"{indent}→ {fs.Type} {fs.Uuid}{(fs.Label is null ? "" : $" \"{fs.Label}\"")}{where}{used}{(again ? " (see above)" : "")}");
            if (!again && fs.Btrfs is { Subvolumes.Count: > 0 } b)
            {
                foreach (var sv in b.Subvolumes)
                {
                    sb.AppendLine(CultureInfo.InvariantCulture, $"{indent}    subvolume {sv.Path} (id {sv.Id}){(sv.Id == b.DefaultSubvolumeId ? " default" : "")}{(sv.ReadOnly ? " read-only" : "")}");
                }
            }
        }
        else
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"{indent}→ {id}");
        }
    }

    public static string Size(long bytes)
    {
        string[] units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
        double v = bytes;
        var i = 0;
        while (v >= 1024 && i < units.Length - 1)
        {
            v /= 1024;
            i++;
        }

        return i == 0 ? $"{bytes} B" : v.ToString(v >= 100 ? "0" : "0.0", CultureInfo.InvariantCulture) + " " + units[i];
    }
}
