using Mkcdrec.Core.Platform;

namespace Mkcdrec.Core.Tests.Recovery;

/// <summary>
/// A machine's storage as mdadm, cryptsetup, LVM, blkid and mount see it, for `mkcdrec mount`/`umount` without root: a
/// device (and the UUIDs on it) exists once what it stands on is up. Every command is recorded in order.
/// </summary>
internal sealed class SimulatedStorage : IProcessRunner, ISystemFiles
{
    /// <summary>RAID UUID → (its path once assembled, the devices its members are on).</summary>
    public Dictionary<string, (string Path, string[] Members)> Arrays { get; } = [];

    /// <summary>LUKS mapping name → (LUKS UUID, the device it is on).</summary>
    public Dictionary<string, (string Uuid, string Device)> Containers { get; } = [];

    /// <summary>VG UUID → (its PV device, its LVs' device paths).</summary>
    public Dictionary<string, (string Pv, string[] Lvs)> Groups { get; } = [];

    /// <summary>Filesystem or LUKS UUID → the device holding it.</summary>
    public Dictionary<string, string> Uuids { get; } = [];

    /// <summary>Devices there from the start (the disks' partitions).</summary>
    public HashSet<string> Present { get; } = [];

    public HashSet<string> Assembled { get; } = [];

    public HashSet<string> Open { get; } = [];

    public HashSet<string> Active { get; } = [];

    /// <summary>Mount point → device, in mount order.</summary>
    public List<(string Dir, string Device, string Options)> Mounted { get; } = [];

    public List<string> Commands { get; } = [];

    /// <summary>Mounts of the running system itself, outside any target root: mount point → device.</summary>
    public List<(string Dir, string Device)> Running { get; } = [];

    private readonly List<string> _numbered = [];

    /// <summary>A device's major:minor, as /sys/class/block/NAME/dev and mountinfo give it.</summary>
    private string Number(string device)
    {
        if (!_numbered.Contains(device))
        {
            _numbered.Add(device);
        }

        return "253:" + _numbered.IndexOf(device);
    }

    /// <summary>Devices whose filesystem check finds problems.</summary>
    public HashSet<string> Damaged { get; } = [];

    /// <summary>A key file that opens no container.</summary>
    public const string WrongKey = "/run/wrong-key";

    private bool Exists(string device) =>
        Present.Contains(device)
        || Arrays.Any(a => Assembled.Contains(a.Key) && a.Value.Path == device)
        || Open.Any(n => "/dev/mapper/" + n == device)
        || Groups.Any(g => Active.Contains(g.Key) && g.Value.Lvs.Contains(device));

    public ProcessResult Run(ProcessRequest request)
    {
        var a = request.Arguments;
        Commands.Add(string.Join(' ', [request.FileName, .. a]));
        switch (request.FileName, a.Count > 0 ? a[0] : "")
        {
            case ("mdadm", "--detail"):
                return Ok(string.Concat(Arrays.Where(x => Assembled.Contains(x.Key)).Select(x => $"ARRAY {x.Value.Path} metadata=1.2 name=h:x UUID={x.Key}\n")));
            case ("mdadm", "--assemble"):
                var uuid = a[2]["--uuid=".Length..];
                if (!Arrays.TryGetValue(uuid, out var array) || !array.Members.All(Exists))
                {
                    return Fail(1, $"mdadm: {a[1]} assembled from 0 drives - not enough to start the array.");
                }

                Assembled.Add(uuid);
                return Ok("");
            case ("mdadm", "--stop"):
                Assembled.RemoveWhere(u => Arrays[u].Path == a[1]);
                return Ok("");
            case ("cryptsetup", "status"):
                return Open.Contains(a[1]) ? Ok("") : Fail(4, "");
            case ("cryptsetup", "open"):
                if (a[4] == WrongKey)
                {
                    return Fail(2, "No key available with this passphrase.");
                }

                Open.Add(a[2]);
                return Ok("");
            case ("cryptsetup", "close"):
                Open.Remove(a[1]);
                return Ok("");
            case ("vgs", _):
                return Ok(string.Concat(Groups.Where(g => Exists(g.Value.Pv)).Select(g => "  " + g.Key + "\n")));
            case ("lvs", _):
                var of = a[^1]["vg_uuid=".Length..];
                return Ok(string.Concat(Groups[of].Lvs.Select(_ => Active.Contains(of) ? "  active\n" : "  \n")));
            case ("vgchange", _):
                var vg = a[3]["vg_uuid=".Length..];
                if (a[1] == "y")
                {
                    Active.Add(vg);
                }
                else
                {
                    Active.Remove(vg);
                }

                return Ok("");
            case ("blkid", _):
                return Uuids.TryGetValue(a[1]["UUID=".Length..], out var dev) && Exists(dev) ? Ok(dev + "\n") : Fail(2, "");
            case ("mount", _):
                var options = a.Contains("-o") ? a[a.ToList().IndexOf("-o") + 1] : "";
                Mounted.Add((a[^1], a[^2], options));
                return Ok("");
            case ("umount", _):
                Mounted.RemoveAll(m => m.Dir == a[0]);
                return Ok("");
            case ("e2fsck", _) or ("xfs_repair", _):
                return Damaged.Contains(a[^1]) ? Fail(4, $"{a[^1]}: ********** WARNING: Filesystem still has errors **********") : Ok("");
            default:
                return Ok(""); // mkdir, sync, btrfs device scan
        }
    }

    private static ProcessResult Ok(string stdout) => new(0, stdout, "", TimeSpan.Zero);

    private static ProcessResult Fail(int code, string stderr) => new(code, "", stderr, TimeSpan.Zero);

    public bool CanRun(string program) => true;

    public string? ReadText(string path)
    {
        if (path == "/proc/self/mountinfo")
        {
            var all = (Running.Count == 0 ? [("/", "/dev/sr0")] : Running).Concat(Mounted.Select(m => (m.Dir, m.Device)));
            return string.Concat(all.Select((m, i) => $"{i + 1} 1 {Number(m.Item2)} / {m.Item1} rw - ext4 {m.Item2} rw\n"));
        }

        var name = path.StartsWith("/sys/class/block/", StringComparison.Ordinal) && path.EndsWith("/dev", StringComparison.Ordinal) ? path[17..^4] : null;
        return _numbered.FirstOrDefault(d => Path.GetFileName(d) == name) is { } device ? Number(device) + "\n" : null;
    }

    public bool FileExists(string path) => false;

    public bool DirectoryExists(string path) => false;

    public IReadOnlyList<string> ListDirectory(string path) => [];

    public string? ReadLink(string path) => null;

    public Stream OpenRead(string path) => throw new FileNotFoundException(path);
}
