namespace Mkcdrec.Model.Layout;

public sealed class Disk
{
    /// <summary>Stable id: "disk:" + WWN, serial, or (lacking both) the kernel name.</summary>
    public string Id { get; set; } = "";

    public string KernelName { get; set; } = "";

    public string Path { get; set; } = "";

    public List<string> ByIdLinks { get; set; } = [];

    public string? ByPath { get; set; }

    public string? Serial { get; set; }

    public string? Wwn { get; set; }

    public string? Model { get; set; }

    public string? Vendor { get; set; }

    public string? Transport { get; set; }

    public long SizeBytes { get; set; }

    public int LogicalSectorSize { get; set; } = 512;

    public int PhysicalSectorSize { get; set; } = 512;

    public bool Rotational { get; set; }

    public bool Removable { get; set; }

    public PartitionTable PartitionTable { get; set; } = new();

    public List<Partition> Partitions { get; set; } = [];

    /// <summary>Id of the filesystem/LUKS/PV/md member written straight on the whole disk, if any (set by the layer above).</summary>
    public string? UsedBy { get; set; }
}

public static class PartitionTableKinds
{
    public const string None = "none";
    public const string Gpt = "gpt";
    public const string Mbr = "mbr";
}

public sealed class PartitionTable
{
    /// <summary>"gpt", "mbr" or "none".</summary>
    public string Kind { get; set; } = PartitionTableKinds.None;

    /// <summary>GPT disk GUID.</summary>
    public Guid? DiskGuid { get; set; }

    /// <summary>MBR disk signature, as 8 hex digits (what blkid calls PTUUID).</summary>
    public string? MbrDiskId { get; set; }

    public long? FirstUsableLba { get; set; }

    public long? LastUsableLba { get; set; }

    public int? GptEntryCount { get; set; }

    /// <summary>Whether the disk's first sector holds boot code (e.g. GRUB's boot.img).</summary>
    public string? BootCode { get; set; }

    public List<string> Warnings { get; set; } = [];
}

public static class PartitionKinds
{
    public const string Gpt = "gpt";
    public const string Primary = "primary";
    public const string Extended = "extended";
    public const string Logical = "logical";
}

public sealed class Partition
{
    /// <summary>Stable id: the disk id + "/p" + number.</summary>
    public string Id { get; set; } = "";

    public int Number { get; set; }

    public string KernelName { get; set; } = "";

    public string Path { get; set; } = "";

    /// <summary>"gpt", "primary", "extended" or "logical".</summary>
    public string Kind { get; set; } = PartitionKinds.Gpt;

    /// <summary>Start, in logical sectors of the disk.</summary>
    public long StartSector { get; set; }

    /// <summary>Size, in logical sectors of the disk.</summary>
    public long SizeSectors { get; set; }

    public long SizeBytes { get; set; }

    public Guid? TypeGuid { get; set; }

    /// <summary>MBR partition type byte, as two hex digits.</summary>
    public string? MbrType { get; set; }

    /// <summary>A readable name for the type ("EFI System", "Linux LVM", …).</summary>
    public string? TypeName { get; set; }

    /// <summary>GPT unique partition GUID, or the MBR form "xxxxxxxx-NN" blkid reports.</summary>
    public string? PartUuid { get; set; }

    public string? Name { get; set; }

    public ulong? Attributes { get; set; }

    public bool Bootable { get; set; }

    /// <summary>What the layer above is on this partition ("fs:…", "md:…", "luks:…", "pv:…"), if anything.</summary>
    public string? UsedBy { get; set; }
}
