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
internal static partial class PartitionSizer
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

    public static MkcdrecException TooSmall(Disk d, TargetDisk t, long needed, List<Partition> shrinkable, StorageGraph g)
    {
        var detail = shrinkable.Count == 0 ? "" : " (least sizes: " + string.Join(", ", shrinkable.Select(p =>
            $"{p.Path} {Bytes.Format(g.DeviceNeed(p.Id))}")) + ")";
        return new MkcdrecException(ExitCode.Refused,
            $"{d.Path} ({Bytes.Format(d.SizeBytes)}) needs {Bytes.Format(needed)} on {t.Path}, which has {Bytes.Format(t.SizeBytes)}{detail}.",
            $"Recover onto a disk of at least {Bytes.Format(needed)} (--map {d.Path}=DST), or free space on the original system and make a new backup.");
    }
}
