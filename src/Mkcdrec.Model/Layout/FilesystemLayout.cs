namespace Mkcdrec.Model.Layout;

public static class FilesystemTypes
{
    public const string Ext2 = "ext2";
    public const string Ext3 = "ext3";
    public const string Ext4 = "ext4";
    public const string Xfs = "xfs";
    public const string Btrfs = "btrfs";
    public const string Vfat = "vfat";
    public const string Swap = "swap";
}

public sealed class Filesystem
{
    /// <summary>Stable id: "fs:" + type + ":" + UUID.</summary>
    public string Id { get; set; } = "";

    public string Type { get; set; } = "";

    public string? Uuid { get; set; }

    public string? Label { get; set; }

    /// <summary>Ids of the devices it lives on (several for multi-device btrfs).</summary>
    public List<string> DeviceIds { get; set; } = [];

    public long SizeBytes { get; set; }

    /// <summary>Bytes in use (from statfs when mounted, else from the superblock); null when unknown.</summary>
    public long? UsedBytes { get; set; }

    public ExtParameters? Ext { get; set; }

    public XfsParameters? Xfs { get; set; }

    public BtrfsParameters? Btrfs { get; set; }

    public VfatParameters? Vfat { get; set; }

    public SwapParameters? Swap { get; set; }
}

public sealed class ExtParameters
{
    public int BlockSize { get; set; }

    public int InodeSize { get; set; }

    public long InodeCount { get; set; }

    public long BlockCount { get; set; }

    public long ReservedBlockCount { get; set; }

    public List<string> Features { get; set; } = [];

    public string? HashSeed { get; set; }

    public string? DefaultMountOptions { get; set; }
}

public sealed class XfsParameters
{
    public int BlockSize { get; set; }

    public int InodeSize { get; set; }

    public int AgCount { get; set; }

    public int SectorSize { get; set; }

    public bool Crc { get; set; }

    public bool Reflink { get; set; }

    public bool Finobt { get; set; }

    public bool Rmapbt { get; set; }

    public bool Bigtime { get; set; }

    public long LogBlocks { get; set; }

    public bool InternalLog { get; set; } = true;

    public int? StripeUnitBlocks { get; set; }

    public int? StripeWidthBlocks { get; set; }
}

public sealed class BtrfsParameters
{
    public string? DataProfile { get; set; }

    public string? MetadataProfile { get; set; }

    public string? SystemProfile { get; set; }

    public int? NodeSize { get; set; }

    public int? SectorSize { get; set; }

    public long DefaultSubvolumeId { get; set; } = 5;

    public List<BtrfsSubvolume> Subvolumes { get; set; } = [];

    /// <summary>Per device: devid and the device id.</summary>
    public List<BtrfsDevice> Devices { get; set; } = [];
}

public sealed class BtrfsSubvolume
{
    public long Id { get; set; }

    public long ParentId { get; set; }

    /// <summary>Path relative to the top-level subvolume (id 5).</summary>
    public string Path { get; set; } = "";

    public bool ReadOnly { get; set; }
}

public sealed class BtrfsDevice
{
    public int DevId { get; set; }

    public string DeviceId { get; set; } = "";

    public string? SubUuid { get; set; }
}

public sealed class VfatParameters
{
    /// <summary>FAT12, FAT16 or FAT32.</summary>
    public string? FatSize { get; set; }

    public int? ClusterSize { get; set; }
}

public sealed class SwapParameters
{
    public bool Active { get; set; }

    public int? Priority { get; set; }

    public int? PageSize { get; set; }
}
