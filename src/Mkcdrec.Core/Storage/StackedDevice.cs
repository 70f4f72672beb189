namespace Mkcdrec.Core.Storage;

/// <summary>
/// One device a technology builds on other devices (an md array, a LUKS mapping, an LVM physical volume, group or
/// logical volume, a filesystem…), described the way the central storage graph needs it: what it stands on, its size,
/// what it asks of the devices below it. Disks and partitions are the graph's own; everything above them is described by
/// its technology (<see cref="IStorageTechnology.DescribeDevices"/>), so the centre never names a technology.
/// </summary>
public sealed class StackedDevice(string id)
{
    /// <summary>The layout id ("md:…", "vg:NAME", "fs:…").</summary>
    public string Id { get; } = id;

    /// <summary>For messages: the device path or a name an admin knows ("/dev/md0", "volume group vg0").</summary>
    public string Name { get; init; } = id;

    /// <summary>The devices it is built on: its size comes from theirs, it lives on their disks and moves when they do.</summary>
    public IReadOnlyList<string> Below { get; init; } = [];

    /// <summary>Devices it also occupies without its size depending on them (md spares): --disk keeps it with them.</summary>
    public IReadOnlyList<string> AlsoOn { get; init; } = [];

    /// <summary>How many of <see cref="Below"/> may be missing with it still usable (RAID redundancy).</summary>
    public int MayLack { get; init; }

    /// <summary>Whether it is a block device something else is written on (false for a PV, a VG or a filesystem).</summary>
    public bool IsBlockDevice { get; init; } = true;

    /// <summary>What capture recorded as written on it.</summary>
    public string? UsedBy { get; init; }

    /// <summary>Records, during capture, what is written on it.</summary>
    public Action<string>? MarkUsedBy { get; init; }

    /// <summary>Its size as captured; null when it follows from the devices below (<see cref="SizeFrom"/>).</summary>
    public long? RecordedSize { get; init; }

    /// <summary>
    /// Its size from the sizes of the devices below (given as a lookup, original or planned), for devices whose size
    /// follows from what they are built on (RAID, encryption, caching). Null: its size is its own (a logical volume).
    /// </summary>
    public Func<StorageGraph, Func<string, long>, long>? SizeFrom { get; init; }

    /// <summary>
    /// The least the device below (the second argument) must hold so that this one holds what it must (a RAID member's
    /// share plus its superblock, an encryption header, a physical volume's extents). Null: the device below stays whole.
    /// </summary>
    public Func<StorageGraph, string, long>? NeedOnBelow { get; init; }
}
