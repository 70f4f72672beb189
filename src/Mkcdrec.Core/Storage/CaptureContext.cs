using System.Globalization;
using Mkcdrec.Core.Platform;
using Mkcdrec.Model.Layout;

namespace Mkcdrec.Core.Storage;

/// <summary>
/// What capture shares between the technologies: the machine (processes, files, log), the layout being built, the
/// block devices sysfs lists, the layout id of each kernel device and blkid's probe of it. The orchestrator
/// (Mkcdrec.Core.Capture.LayoutCapture) fills the central parts, then each technology adds its own devices.
/// </summary>
public sealed partial class CaptureContext
{
    private List<MountInfoEntry>? _mountInfo;

    public CaptureContext(IProcessRunner run, ISystemFiles files, ILog log, LayoutDocument document, bool explicitDisks)
    {
        Run = run;
        Files = files;
        Log = log;
        Document = document;
        ExplicitDisks = explicitDisks;
    }

    public IProcessRunner Run { get; }

    public ISystemFiles Files { get; }

    public ILog Log { get; }

    /// <summary>The layout being built.</summary>
    public LayoutDocument Document { get; }

    /// <summary>The user named the disks (--disk): an unreadable disk is an error, and what lies outside them is not missed.</summary>
    public bool ExplicitDisks { get; }

    /// <summary>Kernel name → block device facts gathered from sysfs.</summary>
    public Dictionary<string, BlockDevice> Devices { get; } = new(StringComparer.Ordinal);

    /// <summary>Kernel name → layout id of the device (disk, partition, md, luks mapping, lv).</summary>
    public Dictionary<string, string> IdOf { get; } = new(StringComparer.Ordinal);

    /// <summary>Kernel name → blkid probe of that device (empty when blkid found nothing).</summary>
    public Dictionary<string, Dictionary<string, string>> Probes { get; } = new(StringComparer.Ordinal);

    /// <summary>The kernel names of the disks to capture, in order.</summary>
    public IReadOnlyList<string> SelectedDisks { get; set; } = [];

    /// <summary>The filesystem families of the registry, each reading the parameters of its filesystem types.</summary>
    public IReadOnlyList<IFilesystemFamily> FilesystemFamilies { get; set; } = [];

    /// <summary>The registry's technologies: they describe the devices they made (<see cref="SetUsedBy"/>).</summary>
    public IReadOnlyList<IStorageTechnology> Technologies { get; set; } = [];

    /// <summary>The blkid types of devices some technology builds on (md members, LUKS, PVs): not filesystems.</summary>
    public IReadOnlySet<string> MemberSignatures { get; set; } = new HashSet<string>();

    /// <summary>/proc/self/mountinfo, read when first asked.</summary>
    public IReadOnlyList<MountInfoEntry> MountInfo => _mountInfo ??= MountInfoParser.Parse(Files.ReadText("/proc/self/mountinfo") ?? "");

    /// <summary>Records something the layout cannot show or mkcdrec cannot recreate: a warning in the layout and the log.</summary>
    public void Note(string where, string what)
    {
        var msg = $"{where}: {what}";
        Document.Warnings.Add(msg);
        Log.Info("warning: " + msg);
    }

    public int ReadInt(string path) => (int)ReadLong(path);

    /// <summary>A number file of sysfs or procfs; 0 when it is missing or not a number.</summary>
    public long ReadLong(string path) =>
        long.TryParse((Files.ReadText(path) ?? "").Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : 0;

    /// <summary>A text file of sysfs or procfs, trimmed; null when it is missing or empty.</summary>
    public string? ReadTrim(string path)
    {
        var t = Files.ReadText(path)?.Trim();
        return string.IsNullOrEmpty(t) ? null : t;
    }
}
