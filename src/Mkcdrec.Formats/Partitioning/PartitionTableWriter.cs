using System.Buffers.Binary;
using System.IO.Hashing;

namespace Mkcdrec.Formats.Partitioning;

/// <summary>
/// Writes GPT (protective MBR, primary and backup header + entries) and MBR (primaries, extended with EBR chain)
/// tables. Validates first and writes nothing when the table is invalid. Partition contents are never touched.
/// </summary>
public static class PartitionTableWriter
{
    /// <summary>Default gap between an EBR and its logical partition when the table does not say (fdisk's 1 MiB).</summary>
    public const long DefaultEbrGapBytes = 1 << 20;

    /// <exception cref="ArgumentException">The table does not fit the device or is inconsistent (overlaps, bad slots...).</exception>
    public static void Write(Stream device, int logicalSectorSize, long deviceSizeBytes, GptTable table)
    {
        SectorIo.CheckStream(device, write: true);
        ArgumentNullException.ThrowIfNull(table);
        table.Validate(deviceSizeBytes, logicalSectorSize);
        int ss = logicalSectorSize;
        long totalSectors = deviceSizeBytes / ss;
        long lastLba = totalSectors - 1;
        long entrySectors = table.EntryArraySectors(ss);

        // Entry array (padded to whole sectors) and its CRC over exactly EntryCount * EntrySize bytes.
        var array = new byte[checked((int)(entrySectors * ss))];
        foreach (var p in table.Partitions)
        {
            p.WriteTo(array.AsSpan((p.Number - 1) * table.EntrySize, table.EntrySize));
        }

        uint arrayCrc = Crc32.HashToUInt32(array.AsSpan(0, table.EntryCount * table.EntrySize));

        var header = new GptHeader
        {
            Revision = table.Revision,
            HeaderSize = (uint)(GptHeader.DefinedSize + table.HeaderExtraBytes.Length),
            ExtraBytes = table.HeaderExtraBytes,
            FirstUsableLba = table.FirstUsableLba,
            LastUsableLba = table.LastUsableLba,
            DiskGuid = table.DiskGuid,
            EntryCount = (uint)table.EntryCount,
            EntrySize = (uint)table.EntrySize,
            EntriesCrc32 = arrayCrc,
        };

        var primarySector = new byte[ss];
        header.MyLba = 1;
        header.AlternateLba = lastLba;
        header.EntriesLba = table.EntriesLba;
        header.WriteTo(primarySector);

        var backupSector = new byte[ss];
        header.MyLba = lastLba;
        header.AlternateLba = 1;
        header.EntriesLba = table.BackupEntriesLba;
        header.WriteTo(backupSector);

        var mbr = new byte[ss];
        table.ProtectiveMbrBootCode.CopyTo(mbr, MbrLayout.BootCodeOffset);
        BinaryPrimitives.WriteUInt32LittleEndian(mbr.AsSpan(MbrLayout.DiskSignatureOffset), table.ProtectiveMbrDiskSignature);
        uint pmbrSize = (uint)Math.Min(totalSectors - 1, uint.MaxValue);
        var pmbrEntry = MbrEntry.FromLba(0, MbrLayout.ProtectiveType, 1, pmbrSize);
        if (totalSectors - 1 > uint.MaxValue)
        {
            pmbrEntry = pmbrEntry with { EndChs = 0xFFFFFF };
        }

        MbrLayout.WriteEntry(mbr, 0, pmbrEntry);
        MbrLayout.WriteBootSignature(mbr);

        // Wipe the metadata gaps (stale backup GPT, old entries) outside the usable range, then write:
        // backup first, primary next, protective MBR last, so a crash leaves at most an unrecognised table.
        SectorIo.ZeroSectors(device, ss, table.LastUsableLba + 1, table.BackupEntriesLba - table.LastUsableLba - 1);
        SectorIo.ZeroSectors(device, ss, table.BackupEntriesLba + entrySectors, lastLba - (table.BackupEntriesLba + entrySectors));
        SectorIo.ZeroSectors(device, ss, table.EntriesLba + entrySectors, table.FirstUsableLba - (table.EntriesLba + entrySectors));
        SectorIo.WriteSectors(device, ss, table.BackupEntriesLba, array);
        SectorIo.WriteSectors(device, ss, lastLba, backupSector);
        SectorIo.WriteSectors(device, ss, table.EntriesLba, array);
        SectorIo.WriteSectors(device, ss, 1, primarySector);
        SectorIo.WriteSectors(device, ss, 0, mbr);
        device.Flush();
    }

    /// <summary>Bytes wiped at each end of the device by <see cref="WipeTables"/>: the whole GPT area for 512- and 4096-byte sectors.</summary>
    public const int WipeBytes = 6 * 4096;

    /// <summary>
    /// Erases every partition table on the device, like <c>sgdisk --zap-all</c>: the MBR (boot code included),
    /// both GPT headers and entry arrays, for 512- and 4096-byte sector layouts alike (the first and last 24 KiB).
    /// </summary>
    public static void WipeTables(Stream device, long deviceSizeBytes)
    {
        SectorIo.CheckStream(device, write: true);
        ArgumentOutOfRangeException.ThrowIfNegative(deviceSizeBytes);
        long head = Math.Min(WipeBytes, deviceSizeBytes);
        SectorIo.ZeroSectors(device, 1, 0, head);
        long tailStart = Math.Max(head, (deviceSizeBytes / 4096 * 4096) - WipeBytes);
        SectorIo.ZeroSectors(device, 1, tailStart, deviceSizeBytes - tailStart);
        device.Flush();
    }

    /// <exception cref="ArgumentException">The table does not fit the device or is inconsistent.</exception>
    public static void Write(Stream device, int logicalSectorSize, long deviceSizeBytes, MbrTable table)
    {
        SectorIo.CheckStream(device, write: true);
        ArgumentNullException.ThrowIfNull(table);
        SectorIo.CheckSectorSize(logicalSectorSize);
        int ss = logicalSectorSize;
        long totalSectors = deviceSizeBytes / ss;
        var ebrs = PlanMbr(table, ss, totalSectors);

        var sector0 = new byte[ss];
        table.BootCode.CopyTo(sector0, MbrLayout.BootCodeOffset);
        BinaryPrimitives.WriteUInt32LittleEndian(sector0.AsSpan(MbrLayout.DiskSignatureOffset), table.DiskSignature);
        BinaryPrimitives.WriteUInt16LittleEndian(sector0.AsSpan(MbrLayout.ReservedOffset), table.Reserved);
        foreach (var p in table.Partitions.Where(p => !p.IsLogical))
        {
            MbrLayout.WriteEntry(sector0, p.Number - 1, ToMbrEntry(p, 0));
        }

        MbrLayout.WriteBootSignature(sector0);

        // Stale GPT headers (at LBA 1 and at the end, for 512- and 4096-byte sectors) would make tools
        // report "GPT found"; wipe them, but only where no partition or EBR lives.
        WipeStaleGpt(device, deviceSizeBytes, table, ebrs.Select(e => e.Lba).ToList(), ss);

        var extended = table.Extended;
        for (int i = 0; i < ebrs.Count; i++)
        {
            var sector = new byte[ss];
            var (ebrLba, logical) = ebrs[i];
            if (logical is not null)
            {
                MbrLayout.WriteEntry(sector, 0, ToMbrEntry(logical, ebrLba));
                if (i + 1 < ebrs.Count)
                {
                    var (nextEbr, nextLogical) = ebrs[i + 1];
                    uint linkStart = (uint)(nextEbr - extended!.StartLba);
                    uint linkSize = (uint)(nextLogical!.LastLba - nextEbr + 1);
                    MbrLayout.WriteEntry(sector, 1, MbrEntry.FromLba(0, 0x05, (uint)nextEbr, linkSize) with { StartLba = linkStart });
                }
            }

            MbrLayout.WriteBootSignature(sector);
            SectorIo.WriteSectors(device, ss, ebrLba, sector);
        }

        SectorIo.WriteSectors(device, ss, 0, sector0);
        device.Flush();
    }

    private static MbrEntry ToMbrEntry(MbrPartition p, long relativeTo) =>
        MbrEntry.FromLba(p.Bootable ? MbrEntry.BootableFlag : (byte)0, p.Type, (uint)p.StartLba, (uint)p.SectorCount) with { StartLba = (uint)(p.StartLba - relativeTo) };

    /// <summary>Validates the table and decides where every EBR goes. Returns the EBRs in chain order.</summary>
    private static List<(long Lba, MbrPartition? Logical)> PlanMbr(MbrTable table, int ss, long totalSectors)
    {
        ValidateMbrPartitions(table, totalSectors);
        return PlanEbrs(table, ss);
    }

    /// <summary>The name of the argument that the MBR plan's exceptions blame.</summary>
    private const string TableParam = "table";

    /// <summary>Boot code size; each partition's number, type and extent; one extended partition; no overlapping primaries.</summary>
    private static void ValidateMbrPartitions(MbrTable table, long totalSectors)
    {
        const string param = TableParam;
        if (table.BootCode.Length != MbrLayout.BootCodeSize)
        {
            throw new ArgumentException($"MBR boot code is {table.BootCode.Length} bytes, {MbrLayout.BootCodeSize} expected", param);
        }

        var numbers = new HashSet<int>();
        foreach (var p in table.Partitions)
        {
            if (p.Number < 1 || !numbers.Add(p.Number))
            {
                throw new ArgumentException($"MBR partition number {p.Number} is invalid or used twice", param);
            }

            if (p.Type == 0 || p.Type == MbrLayout.ProtectiveType)
            {
                throw new ArgumentException($"MBR partition {p.Number} has type 0x{p.Type:X2}, which is reserved (0x00 empty, 0xEE GPT protective)", param);
            }

            if (p.SectorCount < 1 || p.SectorCount > uint.MaxValue || p.StartLba < 1 || p.StartLba > uint.MaxValue)
            {
                throw new ArgumentException(
                    $"MBR partition {p.Number} (start {p.StartLba}, {p.SectorCount} sectors) cannot be expressed: start and size must be 1..{uint.MaxValue} sectors (use GPT for larger disks)", param);
            }

            if (p.LastLba >= totalSectors)
            {
                throw new ArgumentException($"MBR partition {p.Number} ({p.StartLba}..{p.LastLba}) ends beyond the device's last LBA {totalSectors - 1}", param);
            }

            if (p.IsLogical && MbrLayout.IsExtendedType(p.Type))
            {
                throw new ArgumentException($"logical partition {p.Number} cannot have the extended type 0x{p.Type:X2}", param);
            }
        }

        var primaries = table.Partitions.Where(p => !p.IsLogical).OrderBy(p => p.StartLba).ToList();
        if (primaries.Count(p => p.IsExtended) > 1)
        {
            throw new ArgumentException("an MBR can have only one extended partition", param);
        }

        for (int i = 1; i < primaries.Count; i++)
        {
            if (primaries[i].StartLba <= primaries[i - 1].LastLba)
            {
                throw new ArgumentException($"MBR partitions {primaries[i - 1].Number} ({primaries[i - 1].StartLba}..{primaries[i - 1].LastLba}) and {primaries[i].Number} ({primaries[i].StartLba}..{primaries[i].LastLba}) overlap", param);
            }
        }
    }

    /// <summary>Where each logical partition's EBR goes: the first at the extended partition's start, the others just before their partition.</summary>
    private static List<(long Lba, MbrPartition? Logical)> PlanEbrs(MbrTable table, int ss)
    {
        const string param = TableParam;
        var logicals = table.Partitions.Where(p => p.IsLogical).OrderBy(p => p.Number).ToList();
        var extended = table.Extended;
        var ebrs = new List<(long, MbrPartition?)>();
        if (extended is null)
        {
            if (logicals.Count > 0)
            {
                throw new ArgumentException($"logical partition {logicals[0].Number} needs an extended partition (type 0x05, 0x0F or 0x85)", param);
            }

            return ebrs;
        }

        if (logicals.Count == 0)
        {
            ebrs.Add((extended.StartLba, null)); // an empty EBR, as fdisk writes it
            return ebrs;
        }

        long gap = Math.Max(1, DefaultEbrGapBytes / ss);
        long previousEnd = extended.StartLba - 1;
        for (int i = 0; i < logicals.Count; i++)
        {
            var l = logicals[i];
            if (l.Number != 5 + i)
            {
                throw new ArgumentException($"logical partitions must be numbered 5, 6, ... without gaps; found {l.Number} where {5 + i} belongs", param);
            }

            long ebr = i == 0 ? extended.StartLba : l.EbrLba ?? Math.Max(previousEnd + 1, l.StartLba - gap);
            if (i == 0 && l.EbrLba is { } given && given != extended.StartLba)
            {
                throw new ArgumentException($"the first logical partition's EBR must be at the extended partition's start {extended.StartLba}, the table says {given}", param);
            }

            if (ebr <= previousEnd || ebr >= l.StartLba || l.StartLba - ebr > uint.MaxValue)
            {
                throw new ArgumentException(
                    $"logical partition {l.Number} ({l.StartLba}..{l.LastLba}) needs its EBR (LBA {ebr}) after the previous logical partition or EBR (ending at LBA {previousEnd}) and before its start; logical partitions must be in ascending order", param);
            }

            if (l.LastLba > extended.LastLba)
            {
                throw new ArgumentException($"logical partition {l.Number} ({l.StartLba}..{l.LastLba}) is not inside extended partition {extended.Number} ({extended.StartLba}..{extended.LastLba})", param);
            }

            ebrs.Add((ebr, l));
            previousEnd = l.LastLba;
        }

        return ebrs;
    }

    private static void WipeStaleGpt(Stream device, long deviceSizeBytes, MbrTable table, List<long> ebrLbas, int ss)
    {
        var offsets = new SortedSet<long>();
        foreach (long other in new long[] { 512, 4096 })
        {
            if (deviceSizeBytes >= 3 * other)
            {
                offsets.Add(other);
                offsets.Add((deviceSizeBytes / other * other) - other);
            }
        }

        var signature = new byte[8];
        foreach (long offset in offsets)
        {
            long firstLba = offset / ss, lastLba = (offset + 511) / ss;
            bool used = firstLba == 0 || ebrLbas.Any(e => e >= firstLba && e <= lastLba)
                || table.Partitions.Any(p => !p.IsExtended && p.StartLba <= lastLba && p.LastLba >= firstLba);
            if (used)
            {
                continue;
            }

            device.Position = offset;
            if (device.ReadAtLeast(signature, signature.Length, throwOnEndOfStream: false) == signature.Length && GptHeader.HasSignature(signature))
            {
                device.Position = offset;
                device.Write(new byte[512]);
            }
        }
    }
}
