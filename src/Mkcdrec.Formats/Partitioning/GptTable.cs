namespace Mkcdrec.Formats.Partitioning;

/// <summary>
/// A GUID partition table as a whole: header fields (the primary's view), the used entries, and the
/// protective MBR's boot code. <see cref="PartitionTableWriter"/> writes it; <see cref="PartitionTableReader"/> reads it.
/// </summary>
public sealed class GptTable
{
    public const int DefaultEntryCount = 128;
    public const int DefaultEntrySize = 128;

    public Guid DiskGuid { get; set; }
    public long FirstUsableLba { get; set; }

    /// <summary>Inclusive.</summary>
    public long LastUsableLba { get; set; }

    public long PrimaryHeaderLba { get; set; } = 1;
    public long BackupHeaderLba { get; set; }

    /// <summary>Where the primary entry array starts (2 by convention).</summary>
    public long EntriesLba { get; set; } = 2;

    /// <summary>Where the backup entry array starts (just before the backup header by convention).</summary>
    public long BackupEntriesLba { get; set; }

    public int EntryCount { get; set; } = DefaultEntryCount;
    public int EntrySize { get; set; } = DefaultEntrySize;
    public uint Revision { get; set; } = GptHeader.Revision1_0;

    /// <summary>Bytes of the header beyond offset 92 (kept for round trips; usually empty).</summary>
    public byte[] HeaderExtraBytes { get; set; } = [];

    /// <summary>Used entries; <see cref="GptPartition.Number"/> is the slot (1-based).</summary>
    public List<GptPartition> Partitions { get; set; } = [];

    /// <summary>The 440 bytes of boot code in the protective MBR (GRUB's boot.img on BIOS/GPT systems), kept.</summary>
    public byte[] ProtectiveMbrBootCode { get; set; } = new byte[MbrLayout.BootCodeSize];

    /// <summary>The disk signature field of the protective MBR (usually 0), kept.</summary>
    public uint ProtectiveMbrDiskSignature { get; set; }

    /// <summary>Number of sectors one entry array occupies.</summary>
    public long EntryArraySectors(int sectorSize) => (((long)EntryCount * EntrySize) + sectorSize - 1) / sectorSize;

    /// <summary>
    /// An empty table laid out the way sgdisk and sfdisk do it: header at LBA 1, entries from LBA 2,
    /// backup entries and header at the end, usable range in between (34..N-34 for 512-byte sectors,
    /// 6..N-6 for 4096-byte sectors with 128 entries).
    /// </summary>
    public static GptTable CreateEmpty(long deviceSizeBytes, int sectorSize, Guid diskGuid, int entryCount = DefaultEntryCount)
    {
        SectorIo.CheckSectorSize(sectorSize);
        ArgumentOutOfRangeException.ThrowIfLessThan(entryCount, 1);
        var table = new GptTable { DiskGuid = diskGuid, EntryCount = entryCount };
        long entrySectors = table.EntryArraySectors(sectorSize);
        table.FirstUsableLba = table.EntriesLba + entrySectors;
        table.FitToDevice(deviceSizeBytes, sectorSize);
        return table;
    }

    /// <summary>
    /// Puts the backup entries and header at the end of a device of this size and moves LastUsableLba to
    /// just before the backup entries (what <c>sgdisk -e</c> does), e.g. after copying a table to a larger disk.
    /// </summary>
    public void FitToDevice(long deviceSizeBytes, int sectorSize)
    {
        SectorIo.CheckSectorSize(sectorSize);
        long totalSectors = deviceSizeBytes / sectorSize;
        long entrySectors = EntryArraySectors(sectorSize);
        long lastLba = totalSectors - 1;
        BackupHeaderLba = lastLba;
        BackupEntriesLba = lastLba - entrySectors;
        LastUsableLba = BackupEntriesLba - 1;
        if (LastUsableLba < FirstUsableLba)
        {
            throw new ArgumentException(
                $"a device of {deviceSizeBytes} bytes ({totalSectors} sectors of {sectorSize} bytes) is too small for a GPT with {EntryCount} entries",
                nameof(deviceSizeBytes));
        }
    }

    public GptPartition? Find(int number) => Partitions.Find(p => p.Number == number);

    /// <summary>
    /// Checks that the table can be written to a device of this size: header and entry areas in the right places,
    /// partitions inside the usable range, no overlaps, unique slots and GUIDs, names that fit.
    /// </summary>
    /// <exception cref="ArgumentException">What is wrong, and with which partition.</exception>
    public void Validate(long deviceSizeBytes, int sectorSize)
    {
        SectorIo.CheckSectorSize(sectorSize);
        ValidateHeaderFields(sectorSize);
        ValidateAreas(deviceSizeBytes, sectorSize);
        ValidatePartitionEntries();
        ValidateNoOverlaps();
    }

    /// <summary>The name of the argument that <see cref="Validate"/>'s exceptions blame.</summary>
    private const string ValidatedParam = "table";

    private void ValidateHeaderFields(int sectorSize)
    {
        const string param = ValidatedParam;
        if (EntrySize < GptPartition.DefinedSize || EntrySize % 8 != 0)
        {
            throw new ArgumentException($"GPT entry size {EntrySize} is invalid (a multiple of 8, at least 128)", param);
        }

        if (EntryCount < 1 || (long)EntryCount * EntrySize > GptHeader.MaxEntryArrayBytes)
        {
            throw new ArgumentException($"GPT entry count {EntryCount} is invalid", param);
        }

        if (ProtectiveMbrBootCode.Length != MbrLayout.BootCodeSize)
        {
            throw new ArgumentException($"protective MBR boot code is {ProtectiveMbrBootCode.Length} bytes, {MbrLayout.BootCodeSize} expected", param);
        }

        if (HeaderExtraBytes.Length > sectorSize - GptHeader.DefinedSize)
        {
            throw new ArgumentException($"GPT header extra bytes ({HeaderExtraBytes.Length}) do not fit a {sectorSize}-byte sector", param);
        }

        if (PrimaryHeaderLba != 1)
        {
            throw new ArgumentException($"the primary GPT header must be at LBA 1, the table says {PrimaryHeaderLba}", param);
        }
    }

    /// <summary>Backup header on the last LBA; entry arrays between the headers and the usable range.</summary>
    private void ValidateAreas(long deviceSizeBytes, int sectorSize)
    {
        const string param = ValidatedParam;
        long totalSectors = deviceSizeBytes / sectorSize;
        long lastLba = totalSectors - 1;
        long entrySectors = EntryArraySectors(sectorSize);

        if (BackupHeaderLba != lastLba)
        {
            throw new ArgumentException(
                $"the backup GPT header must be at the device's last LBA {lastLba}, the table says {BackupHeaderLba}: call FitToDevice({deviceSizeBytes}, {sectorSize}) first",
                param);
        }

        if (EntriesLba < 2 || EntriesLba + entrySectors > FirstUsableLba)
        {
            throw new ArgumentException(
                $"the primary entry array (LBA {EntriesLba}, {entrySectors} sectors) must lie between the header at LBA 1 and the first usable LBA {FirstUsableLba}", param);
        }

        if (BackupEntriesLba <= LastUsableLba || BackupEntriesLba + entrySectors > BackupHeaderLba)
        {
            throw new ArgumentException(
                $"the backup entry array (LBA {BackupEntriesLba}, {entrySectors} sectors) must lie between the last usable LBA {LastUsableLba} and the backup header at LBA {BackupHeaderLba}", param);
        }

        if (FirstUsableLba > LastUsableLba)
        {
            throw new ArgumentException($"the usable range {FirstUsableLba}..{LastUsableLba} is empty", param);
        }
    }

    /// <summary>Each entry: slot, type and unique GUIDs, inside the usable range, name and extra bytes that fit.</summary>
    private void ValidatePartitionEntries()
    {
        const string param = ValidatedParam;
        var slots = new HashSet<int>();
        var guids = new HashSet<Guid>();
        foreach (var p in Partitions)
        {
            if (p.Number < 1 || p.Number > EntryCount)
            {
                throw new ArgumentException($"GPT partition number {p.Number} is outside the {EntryCount} slots (1..{EntryCount})", param);
            }

            if (!slots.Add(p.Number))
            {
                throw new ArgumentException($"GPT partition number {p.Number} is used twice", param);
            }

            if (p.TypeGuid == Guid.Empty)
            {
                throw new ArgumentException($"GPT partition {p.Number} has the empty type GUID (that marks an unused slot)", param);
            }

            if (p.UniqueGuid == Guid.Empty || !guids.Add(p.UniqueGuid))
            {
                throw new ArgumentException($"GPT partition {p.Number} has an empty or duplicate unique GUID {p.UniqueGuid}", param);
            }

            if (p.FirstLba > p.LastLba || p.FirstLba < FirstUsableLba || p.LastLba > LastUsableLba)
            {
                throw new ArgumentException(
                    $"GPT partition {p.Number} ({p.FirstLba}..{p.LastLba}) is not inside the usable range {FirstUsableLba}..{LastUsableLba}", param);
            }

            if (p.Name.Length > GptPartition.MaxNameLength || p.Name.Contains('\0', StringComparison.Ordinal))
            {
                throw new ArgumentException($"GPT partition {p.Number}: name \"{p.Name}\" must be at most {GptPartition.MaxNameLength} UTF-16 code units without NUL", param);
            }

            if (p.ExtraBytes.Length > EntrySize - GptPartition.DefinedSize)
            {
                throw new ArgumentException($"GPT partition {p.Number}: {p.ExtraBytes.Length} extra entry bytes do not fit entry size {EntrySize}", param);
            }
        }
    }

    private void ValidateNoOverlaps()
    {
        const string param = ValidatedParam;
        var sorted = Partitions.OrderBy(p => p.FirstLba).ToList();
        for (int i = 1; i < sorted.Count; i++)
        {
            if (sorted[i].FirstLba <= sorted[i - 1].LastLba)
            {
                throw new ArgumentException(
                    $"GPT partitions {sorted[i - 1].Number} ({sorted[i - 1].FirstLba}..{sorted[i - 1].LastLba}) and {sorted[i].Number} ({sorted[i].FirstLba}..{sorted[i].LastLba}) overlap", param);
            }
        }
    }

    public GptTable Clone()
    {
        var copy = (GptTable)MemberwiseClone();
        copy.Partitions = Partitions.Select(p => p.Clone()).ToList();
        copy.ProtectiveMbrBootCode = (byte[])ProtectiveMbrBootCode.Clone();
        copy.HeaderExtraBytes = (byte[])HeaderExtraBytes.Clone();
        return copy;
    }
}
