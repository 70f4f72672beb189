namespace Mkcdrec.Model.Layout;

/// <summary>A bcache device (/dev/bcacheN): a backing device, and the cache set it is attached to (none: it runs uncached).</summary>
public sealed class BcacheDevice
{
    /// <summary>Stable id: "bcache:" + the backing device's id (the bcache UUID is not stable: make-bcache cannot be told it).</summary>
    public string Id { get; set; } = "";

    /// <summary>bcacheN, as numbered when captured (the kernel numbers them in registration order).</summary>
    public string KernelName { get; set; } = "";

    public string Path { get; set; } = "";

    /// <summary>Id of the disk, partition or md array that holds the data.</summary>
    public string BackingDeviceId { get; set; } = "";

    /// <summary>The backing device's UUID in its superblock (bcache-super-show's dev.uuid; /dev/bcache/by-uuid/ names the device by it).</summary>
    public string BackingUuid { get; set; } = "";

    /// <summary>The label in the backing superblock (/dev/bcache/by-label/); null when empty.</summary>
    public string? Label { get; set; }

    /// <summary>writethrough, writeback, writearound or none.</summary>
    public string CacheMode { get; set; } = "";

    /// <summary>The backing superblock's block size in bytes, when known.</summary>
    public int? BlockSizeBytes { get; set; }

    /// <summary>Where the data starts on the backing device, in 512-byte sectors; null for make-bcache's default (16).</summary>
    public long? DataOffsetSectors { get; set; }

    /// <summary>The cache set the device is attached to; null when it has none.</summary>
    public BcacheCacheSet? Cache { get; set; }

    public long SizeBytes { get; set; }

    public string? UsedBy { get; set; }
}

/// <summary>A cache set: its UUID (kept on recreation) and its cache devices; several bcache devices may share one.</summary>
public sealed class BcacheCacheSet
{
    /// <summary>The cache set UUID (cset.uuid; /sys/fs/bcache/UUID).</summary>
    public string Uuid { get; set; } = "";

    /// <summary>Ids of the cache devices (partitions or disks, usually on an SSD); one on current kernels.</summary>
    public List<string> DeviceIds { get; set; } = [];

    /// <summary>The cache superblock's block size in bytes, when known.</summary>
    public int? BlockSizeBytes { get; set; }

    /// <summary>The bucket size in bytes, when known.</summary>
    public long? BucketSizeBytes { get; set; }

    /// <summary>lru, fifo or random, when known.</summary>
    public string? Replacement { get; set; }

    /// <summary>Whether the cache device sends discards, when known.</summary>
    public bool? Discard { get; set; }
}
