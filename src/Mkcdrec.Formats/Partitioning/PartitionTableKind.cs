namespace Mkcdrec.Formats.Partitioning;

/// <summary>What kind of partition table a device carries.</summary>
public enum PartitionTableKind
{
    /// <summary>No partition table (blank device, or a filesystem on the whole device).</summary>
    None,

    /// <summary>A classic MS-DOS/MBR table, possibly with an extended partition and logical partitions.</summary>
    Mbr,

    /// <summary>A GUID partition table (behind a protective or hybrid MBR).</summary>
    Gpt,
}
