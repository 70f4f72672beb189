using Mkcdrec.Core.Storage;
using Mkcdrec.Formats.Partitioning;
using Mkcdrec.Model.Layout;
using Mkcdrec.Model.Plan;

namespace Mkcdrec.Core.Planning;

internal static partial class PartitionSizer
{
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

        if (t.SizeBytes == d.SizeBytes && ts == d.LogicalSectorSize)
        {
            resize = "exact";
            spec.FirstUsableLba = gpt ? d.PartitionTable.FirstUsableLba : null;
            spec.LastUsableLba = gpt ? d.PartitionTable.LastUsableLba : null;
            foreach (var p in d.Partitions.OrderBy(p => p.Number))
            {
                spec.Partitions.Add(SpecFor(p, p.StartSector, p.SizeSectors, gpt, t.Path));
            }

            return spec;
        }

        resize = t.SizeBytes >= d.SizeBytes ? "grow" : "shrink";
        var targetEnd = (LastUsableLba(spec, d, t, gpt) + 1) * ts;
        var shape = Analyse(g, d, o, ts);
        ShareTheSpace(g, d, t, o, shape, targetEnd);
        new PartitionPlacement(spec, d, t.Path, gpt, o.AlignmentBytes, shape, targetEnd).PlaceAll();
        var end = spec.Partitions.Count == 0 ? 0 : spec.Partitions.Max(x => (x.StartSector + x.SizeSectors) * ts);
        if (end > targetEnd)
        {
            throw TooSmall(d, t, MinimumBytes(g, d, o, ts) + (end - targetEnd), [], g);
        }

        spec.Partitions.Sort((a, b) => a.Number.CompareTo(b.Number));
        return spec;
    }

    /// <summary>The last sector partitions may use on the target: GPT's last usable LBA, or MBR's 32-bit limit.</summary>
    private static long LastUsableLba(PartitionTableSpec spec, Disk d, TargetDisk t, bool gpt)
    {
        var ts = t.LogicalSectorSize;
        if (!gpt)
        {
            return Math.Min(t.SizeBytes / ts - 1, uint.MaxValue);
        }

        var empty = GptTable.CreateEmpty(t.SizeBytes, ts, d.PartitionTable.DiskGuid ?? Guid.Empty, spec.GptEntryCount ?? GptTable.DefaultEntryCount);
        spec.FirstUsableLba = empty.FirstUsableLba;
        spec.LastUsableLba = empty.LastUsableLba;
        return empty.LastUsableLba;
    }

    /// <summary>Fixed partitions keep their size; the others share what is left in proportion, never below their need.</summary>
    private static void ShareTheSpace(StorageGraph g, Disk d, TargetDisk t, PlanOptions o, Shape shape, long targetEnd)
    {
        var ts = t.LogicalSectorSize;
        var flex = shape.Units.Where(u => !u.Fixed && u.Part.Kind != PartitionKinds.Extended).ToList();
        var originalSpace = shape.SourceEndBytes - shape.FirstStartBytes - shape.GapSum - shape.FixedSum;
        var newSpace = targetEnd - shape.FirstStartBytes - shape.GapSum - shape.FixedSum - shape.Slack;
        var sizes = Sizing.Distribute(flex.Select(u => u.OrigBytes).ToArray(), flex.Select(u => u.MinBytes).ToArray(), originalSpace, newSpace, o.AlignmentBytes);
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
    }

    private static PartitionSpec SpecFor(Partition p, long start, long sectors, bool gpt, string targetPath) => new()
    {
        Number = p.Number,
        Kind = p.Kind,
        StartSector = start,
        SizeSectors = sectors,
        TypeGuid = p.TypeGuid,
        MbrType = p.MbrType,
        PartUuid = gpt && Guid.TryParse(p.PartUuid, out var partUuid) ? partUuid : null,
        Name = gpt ? p.Name : null,
        Attributes = gpt ? p.Attributes : null,
        Bootable = p.Bootable,
        SourceId = p.Id,
        Path = PartitionPath(targetPath, p.Number),
        OriginalSizeBytes = p.SizeBytes,
    };
}
