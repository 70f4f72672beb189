using System.Buffers.Binary;
using System.IO.Hashing;

namespace Mkcdrec.Formats.Partitioning;

/// <summary>
/// Detects and reads the partition table of a device or image: GPT (behind a protective or hybrid MBR),
/// MBR with its EBR chain, or none. Verifies every checksum; falls back to the backup GPT with a warning.
/// </summary>
public static class PartitionTableReader
{
    /// <summary>Upper bound on the EBR chain, far above anything a real disk has.</summary>
    public const int MaxLogicalPartitions = 1024;

    /// <exception cref="InvalidDataException">Corrupt or truncated tables; the message says which LBA / CRC.</exception>
    public static PartitionTableReadResult Read(Stream device, int logicalSectorSize, long deviceSizeBytes)
    {
        SectorIo.CheckStream(device, write: false);
        SectorIo.CheckSectorSize(logicalSectorSize);
        ArgumentOutOfRangeException.ThrowIfNegative(deviceSizeBytes);
        int ss = logicalSectorSize;
        long totalSectors = deviceSizeBytes / ss;
        if (totalSectors < 1)
        {
            throw new InvalidDataException($"truncated input: the device is {deviceSizeBytes} bytes, smaller than one {ss}-byte sector");
        }

        var warnings = new List<string>();
        var sector0 = SectorIo.ReadSectors(device, ss, 0, 1, "MBR");
        bool gptSignatureAtLba1 = totalSectors > 1 && GptHeader.HasSignature(SectorIo.ReadSectors(device, ss, 1, 1, "GPT header"));

        if (!MbrLayout.HasBootSignature(sector0))
        {
            if (gptSignatureAtLba1)
            {
                warnings.Add("sector 0 has no 0x55AA signature (no protective MBR) but LBA 1 holds a GPT header; reading the GPT — rewrite the table to add the protective MBR");
                var gpt = ReadGpt(device, ss, totalSectors, sector0, warnings);
                return new PartitionTableReadResult { Kind = PartitionTableKind.Gpt, Gpt = gpt, Warnings = warnings };
            }

            return new PartitionTableReadResult { Kind = PartitionTableKind.None, Warnings = warnings };
        }

        var entries = new MbrEntry[MbrLayout.EntryCount];
        for (int i = 0; i < entries.Length; i++)
        {
            entries[i] = MbrLayout.ReadEntry(sector0, i);
        }

        int protective = Array.FindIndex(entries, e => e.Type == MbrLayout.ProtectiveType);
        if (protective >= 0)
        {
            return ReadGptBehindProtectiveMbr(device, ss, deviceSizeBytes, sector0, entries, protective, gptSignatureAtLba1, warnings);
        }

        for (int i = 0; i < entries.Length; i++)
        {
            if (entries[i].Status is not (0x00 or MbrEntry.BootableFlag))
            {
                warnings.Add(
                    $"sector 0 ends in 0x55AA but MBR entry {i + 1} has the invalid status byte 0x{entries[i].Status:X2} (byte offset {MbrLayout.EntriesOffset + (i * MbrEntry.Size)}): this is not a partition table (a filesystem boot sector?)");
                return new PartitionTableReadResult { Kind = PartitionTableKind.None, Warnings = warnings };
            }
        }

        if (gptSignatureAtLba1)
        {
            warnings.Add("LBA 1 holds a stale GPT header but the MBR has no 0xEE entry; reading the MBR and ignoring the GPT — wipe the stale GPT (rewriting the MBR table does)");
        }

        var mbr = ReadPrimaries(sector0, entries, warnings);
        ReadLogicals(device, ss, totalSectors, mbr, warnings);
        return new PartitionTableReadResult { Kind = PartitionTableKind.Mbr, Mbr = mbr, Warnings = warnings };
    }

    /// <summary>The MBR has a 0xEE entry: read the GPT (a hybrid MBR's other entries are reported, not kept for writing).</summary>
    private static PartitionTableReadResult ReadGptBehindProtectiveMbr(
        Stream device, int ss, long deviceSizeBytes, byte[] sector0, MbrEntry[] entries, int protective, bool gptSignatureAtLba1, List<string> warnings)
    {
        long totalSectors = deviceSizeBytes / ss;
        MbrTable? hybrid = null;
        if (entries.Any(e => !e.IsEmpty && e.Type != MbrLayout.ProtectiveType))
        {
            hybrid = ReadPrimaries(sector0, entries, warnings);
            warnings.Add(
                $"hybrid MBR: besides the 0xEE protective entry (slot {protective + 1}) the MBR lists {hybrid.Partitions.Count} partition(s); reading the GPT — the writer will put a plain protective MBR back");
        }

        if (!gptSignatureAtLba1)
        {
            RefuseGptOfOtherSectorSize(device, ss, deviceSizeBytes);
        }

        var gpt = ReadGpt(device, ss, totalSectors, sector0, warnings);
        return new PartitionTableReadResult { Kind = PartitionTableKind.Gpt, Gpt = gpt, Mbr = hybrid, Warnings = warnings };
    }

    /// <summary>A GPT header at byte 512 or 4096 but not at LBA 1: the caller has the wrong logical sector size.</summary>
    private static void RefuseGptOfOtherSectorSize(Stream device, int ss, long deviceSizeBytes)
    {
        foreach (int other in new[] { 512, 4096 })
        {
            if (other != ss && deviceSizeBytes >= 2L * other)
            {
                var probe = SectorIo.ReadSectors(device, 1, other, 8, "GPT signature probe");
                if (GptHeader.HasSignature(probe))
                {
                    throw new InvalidDataException(
                        $"the MBR has a 0xEE protective entry and a GPT header is at byte offset {other}, not at LBA 1 of {ss}-byte sectors: the disk was partitioned with {other}-byte logical sectors — read it with sector size {other}");
                }
            }
        }
    }

    private static MbrTable ReadPrimaries(byte[] sector0, MbrEntry[] entries, List<string> warnings)
    {
        var table = new MbrTable
        {
            BootCode = sector0.AsSpan(MbrLayout.BootCodeOffset, MbrLayout.BootCodeSize).ToArray(),
            DiskSignature = BinaryPrimitives.ReadUInt32LittleEndian(sector0.AsSpan(MbrLayout.DiskSignatureOffset)),
            Reserved = BinaryPrimitives.ReadUInt16LittleEndian(sector0.AsSpan(MbrLayout.ReservedOffset)),
        };
        for (int i = 0; i < entries.Length; i++)
        {
            var e = entries[i];
            if (e.Type == 0 || e.Type == MbrLayout.ProtectiveType)
            {
                continue;
            }

            if (e.SectorCount == 0)
            {
                warnings.Add($"MBR entry {i + 1} has type 0x{e.Type:X2} but zero sectors; ignored (as Linux does)");
                continue;
            }

            table.Partitions.Add(new MbrPartition
            {
                Number = i + 1,
                Type = e.Type,
                Bootable = e.Status == MbrEntry.BootableFlag,
                StartLba = e.StartLba,
                SectorCount = e.SectorCount,
            });
        }

        return table;
    }

    private static void ReadLogicals(Stream device, int ss, long totalSectors, MbrTable table, List<string> warnings)
    {
        var extendeds = table.Partitions.Where(p => p.IsExtended).ToList();
        if (extendeds.Count == 0)
        {
            return;
        }

        if (extendeds.Count > 1)
        {
            warnings.Add($"the MBR has {extendeds.Count} extended partitions; only the first (partition {extendeds[0].Number}) is followed for logical partitions");
        }

        var ext = extendeds[0];
        if (ext.LastLba >= totalSectors)
        {
            throw new InvalidDataException($"extended partition {ext.Number} ({ext.StartLba}..{ext.LastLba}) ends beyond the device's last LBA {totalSectors - 1}");
        }

        var visited = new HashSet<long>();
        long ebr = ext.StartLba;
        long? from = null;
        int number = 5;
        while (true)
        {
            if (!visited.Add(ebr))
            {
                throw new InvalidDataException($"the EBR chain loops: the EBR at LBA {from} links back to LBA {ebr}, which was already read");
            }

            if (visited.Count > MaxLogicalPartitions)
            {
                throw new InvalidDataException($"the EBR chain of extended partition {ext.Number} has more than {MaxLogicalPartitions} links (last at LBA {ebr})");
            }

            var sector = SectorIo.ReadSectors(device, ss, ebr, 1, "EBR");
            if (!MbrLayout.HasBootSignature(sector))
            {
                if (from is null && sector.AsSpan().IndexOfAnyExcept((byte)0) < 0)
                {
                    return; // an extended partition with a zeroed first sector: no logical partitions
                }

                throw new InvalidDataException(
                    from is null
                        ? $"the EBR at LBA {ebr} (start of extended partition {ext.Number}, byte offset {ebr * ss}) has no 0x55AA signature"
                        : $"the EBR at LBA {ebr} (byte offset {ebr * ss}, linked from the EBR at LBA {from}) has no 0x55AA signature");
            }

            var next = ReadEbrEntries(sector, ebr, ext, ref number, table, warnings);
            if (next is null)
            {
                return;
            }

            if (next <= ext.StartLba || next > ext.LastLba)
            {
                throw new InvalidDataException(
                    $"the EBR at LBA {ebr} links to LBA {next}, outside extended partition {ext.Number} ({ext.StartLba}..{ext.LastLba})");
            }

            from = ebr;
            ebr = next.Value;
        }
    }

    /// <summary>Adds an EBR's logical partition(s) to <paramref name="table"/>; returns the LBA of the next EBR, or null at the chain's end.</summary>
    private static long? ReadEbrEntries(byte[] sector, long ebr, MbrPartition ext, ref int number, MbrTable table, List<string> warnings)
    {
        long? next = null;
        for (int i = 0; i < MbrLayout.EntryCount; i++)
        {
            var e = MbrLayout.ReadEntry(sector, i);
            if (e.IsEmpty)
            {
                continue;
            }

            if (MbrLayout.IsExtendedType(e.Type))
            {
                if (next is null)
                {
                    next = ext.StartLba + e.StartLba;
                }
                else
                {
                    warnings.Add($"the EBR at LBA {ebr} has more than one link entry; entry {i + 1} ignored");
                }

                continue;
            }

            var logical = new MbrPartition
            {
                Number = number++,
                Type = e.Type,
                Bootable = e.Status == MbrEntry.BootableFlag,
                StartLba = ebr + e.StartLba,
                SectorCount = e.SectorCount,
                EbrLba = ebr,
            };
            if (logical.StartLba <= ebr || logical.LastLba > ext.LastLba)
            {
                warnings.Add($"logical partition {logical.Number} ({logical.StartLba}..{logical.LastLba}, EBR at LBA {ebr}) is not inside extended partition {ext.Number} ({ext.StartLba}..{ext.LastLba})");
            }

            table.Partitions.Add(logical);
        }

        return next;
    }

    private static GptTable ReadGpt(Stream device, int ss, long totalSectors, byte[] sector0, List<string> warnings)
    {
        long lastLba = totalSectors - 1;
        string? primaryProblem = TryReadGptCopy(device, ss, totalSectors, 1, out var primary, out var primaryEntries, out var primaryHeaderOnly);

        if (primary is not null)
        {
            // The primary is good: check the backup too, so a damaged backup is reported before it is needed.
            long backupLba = primary.AlternateLba is > 1 && primary.AlternateLba < totalSectors ? primary.AlternateLba : lastLba;
            if (primary.AlternateLba != lastLba)
            {
                warnings.Add(
                    primary.AlternateLba >= totalSectors
                        ? $"the primary GPT header says the backup is at LBA {primary.AlternateLba}, beyond the device's last LBA {lastLba} (the device shrank or the image is truncated) — rewrite the table to repair it"
                        : $"the backup GPT header is at LBA {primary.AlternateLba}, not at the device's last LBA {lastLba} (the device grew?) — rewrite the table (FitToDevice) to use the whole device");
            }

            string? backupProblem = TryReadGptCopy(device, ss, totalSectors, backupLba, out var backup, out var backupEntries, out _);
            if (backupProblem is not null)
            {
                warnings.Add($"backup GPT header at LBA {backupLba} is corrupt ({backupProblem}); the primary is good — rewrite the table to repair it");
            }
            else if (backup!.DiskGuid != primary.DiskGuid || backup.FirstUsableLba != primary.FirstUsableLba || backup.LastUsableLba != primary.LastUsableLba
                || backup.EntriesCrc32 != primary.EntriesCrc32 || backup.EntryCount != primary.EntryCount || backup.EntrySize != primary.EntrySize)
            {
                warnings.Add($"the primary GPT (LBA 1) and the backup GPT (LBA {backupLba}) differ; using the primary — rewrite the table to make them agree");
            }

            return BuildTable(primary, primaryEntries!, primaryLba: 1, primaryEntriesLba: primary.EntriesLba,
                backupLba: primary.AlternateLba, backupEntriesLba: backup?.EntriesLba ?? primary.AlternateLba - EntrySectors(primary, ss),
                sector0, ss, warnings);
        }

        // The primary is corrupt: try the backup where the primary says it is (if its header was intact), then at the last LBA.
        var candidates = new List<long>();
        if (primaryHeaderOnly is not null && primaryHeaderOnly.AlternateLba > 1 && primaryHeaderOnly.AlternateLba < totalSectors)
        {
            candidates.Add(primaryHeaderOnly.AlternateLba);
        }

        if (!candidates.Contains(lastLba) && lastLba > 1)
        {
            candidates.Add(lastLba);
        }

        var backupProblems = new List<string>();
        foreach (long lba in candidates)
        {
            string? problem = TryReadGptCopy(device, ss, totalSectors, lba, out var backup, out var backupEntries, out _);
            if (problem is null)
            {
                warnings.Add($"primary GPT header at LBA 1 is corrupt ({primaryProblem}); using the backup at LBA {lba} — rewrite the table to repair it");
                if (lba != lastLba)
                {
                    warnings.Add($"the backup GPT header is at LBA {lba}, not at the device's last LBA {lastLba} (the device grew?) — rewrite the table (FitToDevice) to use the whole device");
                }

                return BuildTable(backup!, backupEntries!, primaryLba: 1, primaryEntriesLba: 2, backupLba: lba, backupEntriesLba: backup!.EntriesLba, sector0, ss, warnings);
            }

            backupProblems.Add($"backup GPT header at LBA {lba} is corrupt ({problem})");
        }

        throw new InvalidDataException(
            $"no valid GPT: primary GPT header at LBA 1 is corrupt ({primaryProblem}); " +
            (backupProblems.Count == 0 ? "the device has no room for a backup header" : string.Join("; ", backupProblems)));
    }

    private static long EntrySectors(GptHeader h, int ss) => (h.EntryArrayBytes + ss - 1) / ss;

    /// <summary>Reads and verifies one copy (header + entry array). Returns the problem, or null with both outputs set.</summary>
    private static string? TryReadGptCopy(Stream device, int ss, long totalSectors, long lba, out GptHeader? header, out byte[]? entries, out GptHeader? headerOnly)
    {
        header = null;
        entries = null;
        headerOnly = null;
        byte[] sector;
        try
        {
            sector = SectorIo.ReadSectors(device, ss, lba, 1, "GPT header");
        }
        catch (InvalidDataException e)
        {
            return e.Message;
        }

        string? problem = GptHeader.TryRead(sector, lba, out var h);
        if (problem is not null)
        {
            return problem;
        }

        headerOnly = h!;
        if (h!.LastUsableLba >= totalSectors)
        {
            return $"last usable LBA {h.LastUsableLba} is beyond the device's last LBA {totalSectors - 1}";
        }

        long entrySectors = EntrySectors(h, ss);
        if (h.EntriesLba > totalSectors - entrySectors)
        {
            return $"partition entry array at LBA {h.EntriesLba} ({entrySectors} sectors) extends beyond the device's last LBA {totalSectors - 1}";
        }

        byte[] array;
        try
        {
            array = SectorIo.ReadSectors(device, ss, h.EntriesLba, (int)entrySectors, "GPT partition entry array");
        }
        catch (InvalidDataException e)
        {
            return e.Message;
        }

        uint computed = Crc32.HashToUInt32(array.AsSpan(0, (int)h.EntryArrayBytes));
        if (computed != h.EntriesCrc32)
        {
            return $"partition entry array CRC mismatch: LBA {h.EntriesLba}..{h.EntriesLba + entrySectors - 1}, stored 0x{h.EntriesCrc32:X8}, computed 0x{computed:X8}";
        }

        header = h;
        entries = array;
        return null;
    }

    private static GptTable BuildTable(GptHeader h, byte[] entries, long primaryLba, long primaryEntriesLba, long backupLba, long backupEntriesLba, byte[] sector0, int ss, List<string> warnings)
    {
        var table = new GptTable
        {
            DiskGuid = h.DiskGuid,
            FirstUsableLba = h.FirstUsableLba,
            LastUsableLba = h.LastUsableLba,
            PrimaryHeaderLba = primaryLba,
            EntriesLba = primaryEntriesLba,
            BackupHeaderLba = backupLba,
            BackupEntriesLba = backupEntriesLba,
            EntryCount = (int)h.EntryCount,
            EntrySize = (int)h.EntrySize,
            Revision = h.Revision,
            HeaderExtraBytes = h.ExtraBytes,
            ProtectiveMbrBootCode = sector0.AsSpan(0, MbrLayout.BootCodeSize).ToArray(),
            ProtectiveMbrDiskSignature = BinaryPrimitives.ReadUInt32LittleEndian(sector0.AsSpan(MbrLayout.DiskSignatureOffset)),
        };
        if (h.Revision != GptHeader.Revision1_0)
        {
            warnings.Add($"GPT header revision 0x{h.Revision:X8} (expected 0x00010000); read as revision 1.0");
        }

        int size = (int)h.EntrySize;
        for (int i = 0; i < h.EntryCount; i++)
        {
            var raw = entries.AsSpan(i * size, size);
            if (GptPartition.IsUnused(raw))
            {
                continue;
            }

            var p = GptPartition.Read(raw, i + 1);
            if (p.FirstLba > p.LastLba || p.FirstLba < h.FirstUsableLba || p.LastLba > h.LastUsableLba)
            {
                warnings.Add($"GPT partition {p.Number} ({p.FirstLba}..{p.LastLba}) is not inside the usable range {h.FirstUsableLba}..{h.LastUsableLba}");
            }

            table.Partitions.Add(p);
        }

        var sorted = table.Partitions.OrderBy(p => p.FirstLba).ToList();
        for (int i = 1; i < sorted.Count; i++)
        {
            if (sorted[i].FirstLba <= sorted[i - 1].LastLba)
            {
                warnings.Add($"GPT partitions {sorted[i - 1].Number} and {sorted[i].Number} overlap");
            }
        }

        return table;
    }
}
