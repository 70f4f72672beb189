namespace Mkcdrec.Model.Layout;

public sealed class MdArray
{
    /// <summary>Stable id: "md:" + array UUID.</summary>
    public string Id { get; set; } = "";

    public string KernelName { get; set; } = "";

    public string Path { get; set; } = "";

    /// <summary>The array's name in its superblock (e.g. "host:root").</summary>
    public string? Name { get; set; }

    /// <summary>/dev/md/NAME if that link exists.</summary>
    public string? NamedPath { get; set; }

    public string Level { get; set; } = "";

    public string Metadata { get; set; } = "";

    public string Uuid { get; set; } = "";

    public int RaidDevices { get; set; }

    public long? ChunkBytes { get; set; }

    public string? Layout { get; set; }

    public long SizeBytes { get; set; }

    public string? Bitmap { get; set; }

    public List<MdMember> Members { get; set; } = [];

    public string? UsedBy { get; set; }
}

public sealed class MdMember
{
    /// <summary>Id of the disk or partition.</summary>
    public string DeviceId { get; set; } = "";

    /// <summary>Slot (role) number; null for a spare.</summary>
    public int? Slot { get; set; }

    public bool Spare { get; set; }

    /// <summary>Kernel state, e.g. "in_sync", "faulty", "spare".</summary>
    public string? State { get; set; }
}
