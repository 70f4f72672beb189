namespace Mkcdrec.Core.Storage;

/// <summary>What sysfs says about one block device (/sys/class/block/NAME), gathered once at the start of capture.</summary>
public sealed class BlockDevice
{
    /// <summary>The kernel name (vdb, vdb1, md0, dm-2).</summary>
    public string Name { get; init; } = "";

    /// <summary>The disk a partition belongs to; null for anything that is not a partition.</summary>
    public string? Parent { get; init; }

    public int? PartitionNumber { get; init; }

    /// <summary>"MAJOR:MINOR", as /sys/class/block/NAME/dev gives it.</summary>
    public string DeviceNumber { get; init; } = "";

    public long SizeBytes { get; init; }

    /// <summary>The kernel names of the devices it is built on (md members, dm tables).</summary>
    public List<string> Slaves { get; init; } = [];
}
