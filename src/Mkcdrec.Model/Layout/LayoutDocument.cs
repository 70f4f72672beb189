namespace Mkcdrec.Model.Layout;

/// <summary>
/// The captured storage and system layout of one machine (docs/layout-format.md).
/// Devices form a graph; every device has a stable <c>id</c> and references are by id, never by /dev name.
/// </summary>
public sealed class LayoutDocument
{
    /// <summary>The version of this document's schema. Readers refuse versions they do not know.</summary>
    public const int CurrentFormatVersion = 1;

    public int FormatVersion { get; set; } = CurrentFormatVersion;

    public string MkcdrecVersion { get; set; } = "";

    public DateTimeOffset CapturedAt { get; set; }

    public HostInfo Host { get; set; } = new();

    /// <summary>Set when capture was restricted with --disk: the disks asked for (stable by-id paths where they exist).</summary>
    public List<string>? SelectedDisks { get; set; }

    public List<Disk> Disks { get; set; } = [];

    public List<MdArray> MdArrays { get; set; } = [];

    public List<BcacheDevice> Bcache { get; set; } = [];

    public List<LuksDevice> Luks { get; set; } = [];

    public LvmInfo Lvm { get; set; } = new();

    public List<Filesystem> Filesystems { get; set; } = [];

    public List<Mount> Mounts { get; set; } = [];

    public ConfigFiles Config { get; set; } = new();

    public BootInfo Boot { get; set; } = new();

    public NetworkInfo Network { get; set; } = new();

    /// <summary>Devices mkcdrec saw but cannot recreate (multipath, unknown device-mapper targets…).</summary>
    public List<UnsupportedDevice> Unsupported { get; set; } = [];

    /// <summary>Everything capture noticed that a human should read.</summary>
    public List<string> Warnings { get; set; } = [];

    /// <summary>The id of every device (disk, partition, md, bcache, luks, lv): each must be unique (LayoutChecks).</summary>
    public IEnumerable<string> DeviceIds() =>
        Disks.Select(d => d.Id).Concat(Disks.SelectMany(d => d.Partitions).Select(p => p.Id)).Concat(MdArrays.Select(m => m.Id))
            .Concat(Bcache.Select(b => b.Id)).Concat(Luks.Select(l => l.Id)).Concat(Lvm.LogicalVolumes.Select(l => l.Id));

    /// <summary>Finds any device (disk, partition, md, bcache, luks, lv) by id.</summary>
    public string? DescribeDevice(string id)
    {
        foreach (var d in Disks)
        {
            if (d.Id == id)
            {
                return d.Path;
            }

            foreach (var p in d.Partitions)
            {
                if (p.Id == id)
                {
                    return p.Path;
                }
            }
        }

        return MdArrays.FirstOrDefault(m => m.Id == id)?.Path
            ?? Bcache.FirstOrDefault(b => b.Id == id)?.Path
            ?? Luks.FirstOrDefault(l => l.Id == id)?.MappedPath
            ?? Lvm.LogicalVolumes.FirstOrDefault(l => l.Id == id)?.Path;
    }
}
