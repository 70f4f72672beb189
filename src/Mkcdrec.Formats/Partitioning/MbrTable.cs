namespace Mkcdrec.Formats.Partitioning;

/// <summary>One MBR partition: a primary (1-4), the extended container, or a logical partition (5.., Linux numbering).</summary>
public sealed class MbrPartition
{
    /// <summary>1-4: the primary slot; 5..: logical partitions in EBR-chain order (as Linux numbers them).</summary>
    public int Number { get; set; }

    /// <summary>The system id (0x83 Linux, 0x82 swap, 0x8E LVM, 0xFD RAID, 0xEF ESP, 0x05/0x0F/0x85 extended, ...).</summary>
    public byte Type { get; set; }

    public bool Bootable { get; set; }
    public long StartLba { get; set; }
    public long SectorCount { get; set; }

    /// <summary>For a logical partition, the LBA of the EBR that describes it (read from the chain; when null, the writer picks it).</summary>
    public long? EbrLba { get; set; }

    public bool IsExtended => MbrLayout.IsExtendedType(Type) && !IsLogical;
    public bool IsLogical => Number > 4;
    public long LastLba => StartLba + SectorCount - 1;

    public MbrPartition Clone() => (MbrPartition)MemberwiseClone();

    public override string ToString() => $"#{Number} {StartLba}+{SectorCount} type 0x{Type:X2}{(Bootable ? " boot" : "")}{(EbrLba is { } e ? $" ebr {e}" : "")}";
}

/// <summary>An MS-DOS partition table: boot code, disk signature, primaries, and logicals from the EBR chain.</summary>
public sealed class MbrTable
{
    /// <summary>The 32-bit disk identifier at byte 440 (blkid's PTUUID, sfdisk's label-id).</summary>
    public uint DiskSignature { get; set; }

    /// <summary>Bytes 444-445 (usually 0, 0x5A5A marks "copy protected"), kept.</summary>
    public ushort Reserved { get; set; }

    /// <summary>Primaries (including the extended container) and logicals, identified by <see cref="MbrPartition.Number"/>.</summary>
    public List<MbrPartition> Partitions { get; set; } = [];

    /// <summary>The first 440 bytes of sector 0 (bootloader stage 1), kept.</summary>
    public byte[] BootCode { get; set; } = new byte[MbrLayout.BootCodeSize];

    public MbrPartition? Find(int number) => Partitions.Find(p => p.Number == number);

    public MbrPartition? Extended => Partitions.Find(p => p.IsExtended);

    public MbrTable Clone()
    {
        var copy = (MbrTable)MemberwiseClone();
        copy.Partitions = Partitions.Select(p => p.Clone()).ToList();
        copy.BootCode = (byte[])BootCode.Clone();
        return copy;
    }
}

/// <summary>What <see cref="PartitionTableReader.Read"/> found on a device.</summary>
public sealed class PartitionTableReadResult
{
    public PartitionTableKind Kind { get; init; }

    /// <summary>Set when <see cref="Kind"/> is <see cref="PartitionTableKind.Gpt"/>.</summary>
    public GptTable? Gpt { get; init; }

    /// <summary>Set when <see cref="Kind"/> is <see cref="PartitionTableKind.Mbr"/>; for a hybrid MBR, the MBR's primary entries beside <see cref="Gpt"/>.</summary>
    public MbrTable? Mbr { get; init; }

    /// <summary>Problems that did not stop reading (backup GPT used, hybrid MBR, stale signatures...), each saying what to do.</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];
}
