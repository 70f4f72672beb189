using Mkcdrec.Formats.Partitioning;
using Mkcdrec.Model.Layout;
using Mkcdrec.Model.Plan;
using Mkcdrec.Core.Storage;

namespace Mkcdrec.Core.Planning;

/// <summary>
/// Lays a source disk's partitions out on a target disk. Same size and sector size: byte-exact starts and sizes.
/// Otherwise: the first start is kept, starts are aligned (1 MiB), fixed partitions (ESP, BIOS boot, /boot, swap,
/// partitions with nothing known on them) keep their size, the others share the difference proportionally and never
/// shrink below what their content needs.
/// </summary>
internal static class PartitionSizer
{
    public static readonly Guid EspType = new("c12a7328-f81f-11d2-ba4b-00a0c93ec93b");
    public static readonly Guid BiosBootType = new("21686148-6449-6e6f-744e-656564454649");

    /// <summary>/dev/sda + 1 → /dev/sda1; /dev/nvme0n1 + 1 → /dev/nvme0n1p1.</summary>
    public static string PartitionPath(string diskPath, int number) =>
        diskPath + (diskPath.Length > 0 && char.IsAsciiDigit(diskPath[^1]) ? "p" : "") + number;

    public static bool IsFixed(StorageGraph g, Partition p, PlanOptions o)
    {
        if (p.Kind == PartitionKinds.Extended)
        {
            return false;
        }

        var content = g.UsedBy(p.Id);
        if (content is null)
        {
            return true; // nothing known on it (reserved, foreign): keep it as it was
        }

        if (o.ResizeFixed)
        {
            return false;
        }

        return p.TypeGuid == EspType || p.TypeGuid == BiosBootType
            || string.Equals(p.MbrType, "ef", StringComparison.OrdinalIgnoreCase)
            || g.IsSwap(content) || g.IsMountedAt(content, "/boot") || g.IsMountedAt(content, "/boot/efi")
            || (g.Layout.Boot.EspFilesystemId is { } esp && esp == content);
    }

    private sealed class Unit
    {
        public required Partition Part { get; init; }

        public long GapBytes { get; set; }

        public bool Fixed { get; set; }

        public long OrigBytes { get; set; }

        public long MinBytes { get; set; }

        public long NewBytes { get; set; }
    }

    private sealed record Shape(List<Unit> Units, long FirstStartBytes, long GapSum, long FixedSum, long Slack, long SourceEndBytes);

    private static Shape Analyse(StorageGraph g, Disk d, PlanOptions o, int ts)
    {
        var ss = d.LogicalSectorSize;
        var parts = d.Partitions.OrderBy(p => p.StartSector).ToList();
        var units = new List<Unit>();
        long prevEnd = parts.Count == 0 ? 0 : parts[0].StartSector * ss;
        long extStart = 0, extEnd = 0;
        long lastLogicalEnd = 0;
        foreach (var p in parts)
        {
            var start = p.StartSector * ss;
            var size = p.SizeSectors * ss;
            long gap;
            if (p.Kind == PartitionKinds.Logical)
            {
                gap = Math.Max(ts, start - (lastLogicalEnd > 0 ? lastLogicalEnd : extStart));
                lastLogicalEnd = start + size;
            }
            else
            {
                if (extEnd > 0 && start >= extEnd)
                {
                    prevEnd = Math.Max(prevEnd, extEnd);
                }

                gap = Math.Max(0, start - prevEnd);
                prevEnd = start + size;
                if (p.Kind == PartitionKinds.Extended)
                {
                    extStart = start;
                    extEnd = start + size;
                    lastLogicalEnd = 0;
                    prevEnd = start;
                }
            }

            var u = new Unit { Part = p, GapBytes = units.Count == 0 ? 0 : gap, OrigBytes = p.Kind == PartitionKinds.Extended ? 0 : size };
            u.Fixed = IsFixed(g, p, o);
            u.MinBytes = u.Fixed ? StorageGraph.RoundUp(size, ts) : StorageGraph.RoundUp(g.DeviceNeed(p.Id), o.AlignmentBytes);
            if (p.Kind == PartitionKinds.Extended)
            {
                u.MinBytes = 0;
            }

            units.Add(u);
        }

        var sourceEnd = d.PartitionTable.Kind == PartitionTableKinds.Gpt && d.PartitionTable.LastUsableLba is { } lu
            ? (lu + 1) * ss : d.SizeBytes;
        var firstStart = parts.Count == 0 ? o.AlignmentBytes : StorageGraph.RoundUp(parts[0].StartSector * ss, ts);
        return new Shape(units, firstStart,
            units.Sum(u => u.GapBytes), units.Where(u => u.Fixed).Sum(u => u.MinBytes), units.Count * o.AlignmentBytes, sourceEnd);
    }

    /// <summary>Space at the end of a disk the table itself needs (the backup GPT).</summary>
    private static long TailBytes(Disk d, int ts) => d.PartitionTable.Kind == PartitionTableKinds.Gpt
        ? (1 + ((long)(d.PartitionTable.GptEntryCount ?? GptTable.DefaultEntryCount) * GptTable.DefaultEntrySize + ts - 1) / ts) * ts
        : 0;

    /// <summary>The smallest target disk the source disk's partitions fit on (when sizes differ).</summary>
    public static long MinimumBytes(StorageGraph g, Disk d, PlanOptions o, int ts)
    {
        var s = Analyse(g, d, o, ts);
        return s.FirstStartBytes + s.GapSum + s.FixedSum + s.Slack + s.Units.Where(u => !u.Fixed).Sum(u => u.MinBytes) + TailBytes(d, ts);
    }

    /// <summary>The table to write on <paramref name="t"/>; refuses (exit 7) with the numbers when it cannot fit.</summary>
    public static PartitionTableSpec Layout(StorageGraph g, Disk d, TargetDisk t, PlanOptions o, out string resize)
    {
        var ts = t.LogicalSectorSize;
        var gpt = d.PartitionTable.Kind == PartitionTableKinds.Gpt;
        var spec = new PartitionTableSpec
        {
            Device = t.Path,
            Kind = d.PartitionTable.Kind,
            SectorSize = ts,
            DeviceSizeBytes = t.SizeBytes,
            DiskGuid = gpt ? d.PartitionTable.DiskGuid : null,
            MbrDiskId = gpt ? null : d.PartitionTable.MbrDiskId,
            GptEntryCount = gpt ? d.PartitionTable.GptEntryCount ?? GptTable.DefaultEntryCount : null,
        };

        PartitionSpec Make(Partition p, long start, long sectors) => new()
        {
            Number = p.Number,
            Kind = p.Kind,
            StartSector = start,
            SizeSectors = sectors,
            TypeGuid = p.TypeGuid,
            MbrType = p.MbrType,
            PartUuid = gpt && Guid.TryParse(p.PartUuid, out var pu) ? pu : null,
            Name = gpt ? p.Name : null,
            Attributes = gpt ? p.Attributes : null,
            Bootable = p.Bootable,
            SourceId = p.Id,
            Path = PartitionPath(t.Path, p.Number),
            OriginalSizeBytes = p.SizeBytes,
        };

        if (t.SizeBytes == d.SizeBytes && ts == d.LogicalSectorSize)
        {
            resize = "exact";
            spec.FirstUsableLba = gpt ? d.PartitionTable.FirstUsableLba : null;
            spec.LastUsableLba = gpt ? d.PartitionTable.LastUsableLba : null;
            foreach (var p in d.Partitions.OrderBy(p => p.Number))
            {
                spec.Partitions.Add(Make(p, p.StartSector, p.SizeSectors));
            }

            return spec;
        }

        resize = t.SizeBytes >= d.SizeBytes ? "grow" : "shrink";
        long lastUsable;
        if (gpt)
        {
            var empty = GptTable.CreateEmpty(t.SizeBytes, ts, d.PartitionTable.DiskGuid ?? Guid.Empty, spec.GptEntryCount ?? GptTable.DefaultEntryCount);
            spec.FirstUsableLba = empty.FirstUsableLba;
            spec.LastUsableLba = lastUsable = empty.LastUsableLba;
        }
        else
        {
            lastUsable = Math.Min(t.SizeBytes / ts - 1, uint.MaxValue);
        }

        var shape = Analyse(g, d, o, ts);
        var align = o.AlignmentBytes;
        var targetEnd = (lastUsable + 1) * ts;
        var flex = shape.Units.Where(u => !u.Fixed && u.Part.Kind != PartitionKinds.Extended).ToList();
        var origAvail = shape.SourceEndBytes - shape.FirstStartBytes - shape.GapSum - shape.FixedSum;
        var newAvail = targetEnd - shape.FirstStartBytes - shape.GapSum - shape.FixedSum - shape.Slack;
        var sizes = Sizing.Distribute(flex.Select(u => u.OrigBytes).ToArray(), flex.Select(u => u.MinBytes).ToArray(), origAvail, newAvail, align);
        if (sizes is null)
        {
            throw TooSmall(d, t, MinimumBytes(g, d, o, ts), flex.Where(u => u.MinBytes > 0).Select(u => u.Part).ToList(), g);
        }

        for (var i = 0; i < flex.Count; i++)
        {
            flex[i].NewBytes = sizes[i];
        }

        foreach (var u in shape.Units.Where(u => u.Fixed))
        {
            u.NewBytes = u.MinBytes;
        }

        long prevEnd = 0, extStartB = 0, lastLogicalEnd = 0;
        PartitionSpec? ext = null;
        Unit? extUnit = null;
        void CloseExtended(bool last)
        {
            if (ext is null)
            {
                return;
            }

            var end = lastLogicalEnd > 0 ? lastLogicalEnd : extStartB + ts;
            var origExtEnd = (extUnit!.Part.StartSector + extUnit.Part.SizeSectors) * d.LogicalSectorSize;
            if (last && shape.SourceEndBytes - origExtEnd < align)
            {
                end = targetEnd; // it reached the end of the disk: so does the new one
            }

            ext.SizeSectors = (end - extStartB) / ts;
            prevEnd = end;
            ext = null;
        }

        var ordered = shape.Units;
        for (var i = 0; i < ordered.Count; i++)
        {
            var u = ordered[i];
            var p = u.Part;
            if (p.Kind != PartitionKinds.Logical && ext is not null)
            {
                CloseExtended(false);
            }

            long start;
            if (i == 0)
            {
                start = shape.FirstStartBytes;
            }
            else if (p.Kind == PartitionKinds.Logical)
            {
                start = StorageGraph.RoundUp((lastLogicalEnd > 0 ? lastLogicalEnd : extStartB) + u.GapBytes, align);
            }
            else
            {
                start = StorageGraph.RoundUp(prevEnd + u.GapBytes, align);
            }

            if (p.Kind == PartitionKinds.Extended)
            {
                ext = Make(p, start / ts, 0);
                extUnit = u;
                extStartB = start;
                lastLogicalEnd = 0;
                spec.Partitions.Add(ext);
                continue;
            }

            var size = StorageGraph.RoundUp(u.NewBytes, ts);
            spec.Partitions.Add(Make(p, start / ts, size / ts));
            if (p.Kind == PartitionKinds.Logical)
            {
                lastLogicalEnd = start + size;
            }
            else
            {
                prevEnd = start + size;
            }
        }

        CloseExtended(true);
        var end = spec.Partitions.Count == 0 ? 0 : spec.Partitions.Max(x => (x.StartSector + x.SizeSectors) * ts);
        if (end > targetEnd)
        {
            throw TooSmall(d, t, MinimumBytes(g, d, o, ts) + (end - targetEnd), [], g);
        }

        spec.Partitions.Sort((a, b) => a.Number.CompareTo(b.Number));
        return spec;
    }

    public static MkcdrecException TooSmall(Disk d, TargetDisk t, long needed, List<Partition> shrinkable, StorageGraph g)
    {
        var detail = shrinkable.Count == 0 ? "" : " (least sizes: " + string.Join(", ", shrinkable.Select(p =>
            $"{p.Path} {Bytes.Format(g.DeviceNeed(p.Id))}")) + ")";
        return new MkcdrecException(ExitCode.Refused,
            $"{d.Path} ({Bytes.Format(d.SizeBytes)}) needs {Bytes.Format(needed)} on {t.Path}, which has {Bytes.Format(t.SizeBytes)}{detail}.",
            $"Recover onto a disk of at least {Bytes.Format(needed)} (--map {d.Path}=DST), or free space on the original system and make a new backup.");
    }
}
