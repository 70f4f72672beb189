namespace Mkcdrec.Model.Layout;

public sealed class LvmInfo
{
    public List<PhysicalVolume> PhysicalVolumes { get; set; } = [];

    public List<VolumeGroup> VolumeGroups { get; set; } = [];

    public List<LogicalVolume> LogicalVolumes { get; set; } = [];
}

public sealed class PhysicalVolume
{
    /// <summary>Stable id: "pv:" + PV UUID.</summary>
    public string Id { get; set; } = "";

    public string DeviceId { get; set; } = "";

    public string Uuid { get; set; } = "";

    public string? VgName { get; set; }

    public long SizeBytes { get; set; }

    public long? PeStartBytes { get; set; }
}

public sealed class VolumeGroup
{
    /// <summary>Stable id: "vg:" + name.</summary>
    public string Id { get; set; } = "";

    public string Name { get; set; } = "";

    public string Uuid { get; set; } = "";

    public long ExtentSizeBytes { get; set; }

    public long SizeBytes { get; set; }

    public long FreeBytes { get; set; }

    public List<string> PhysicalVolumeIds { get; set; } = [];
}

public sealed class LogicalVolume
{
    /// <summary>Stable id: "lv:" + vg + "/" + name.</summary>
    public string Id { get; set; } = "";

    public string VgName { get; set; } = "";

    public string Name { get; set; } = "";

    public string Uuid { get; set; } = "";

    public long SizeBytes { get; set; }

    /// <summary>LVM segment type: linear, striped, thin-pool, thin, raid1, mirror, cache…</summary>
    public string SegmentType { get; set; } = "";

    public int? Stripes { get; set; }

    public long? StripeSizeBytes { get; set; }

    /// <summary>For a thin volume: the pool's name.</summary>
    public string? PoolLv { get; set; }

    /// <summary>For a thin pool: chunk size and metadata size.</summary>
    public long? ChunkSizeBytes { get; set; }

    public long? MetadataSizeBytes { get; set; }

    /// <summary>LVM's attribute string (lv_attr).</summary>
    public string? Attributes { get; set; }

    /// <summary>Hidden internal volumes ([pool_tdata], [lvol0_pmspare], raid images) are recorded but recreated by their parent.</summary>
    public bool Hidden { get; set; }

    /// <summary>The PV devices (ids) holding its extents.</summary>
    public List<string> PhysicalVolumeIds { get; set; } = [];

    public string? Path { get; set; }

    public string? DmName { get; set; }

    public string? UsedBy { get; set; }
}
