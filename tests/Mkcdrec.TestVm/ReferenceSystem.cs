using System.Diagnostics;
using System.Globalization;
using Mkcdrec.Core.Drill;
using Mkcdrec.Core.Platform;
using Mkcdrec.Platform.Linux;

namespace Mkcdrec.TestVm;

/// <summary>
/// A reference Debian server of the drill and matrix tiers (testvm/build-reference.sh, cached): raw disk images of one
/// storage case (testvm/reference/cases/) that boot through their own firmware and GRUB. Its autorun hook prints
/// <c>MKCDREC-BOOTED</c> on ttyS0 and, when a disk labelled MKJOB is attached, runs <c>job.sh</c> from it, prints
/// <c>MKCDREC-JOB-RC=N</c> and powers off; <c>mkcdrec-inventory</c> lists its files with the system's own tools.
/// </summary>
public sealed class ReferenceSystem
{
    public const string PlainBios = "plain-bios";
    public const string PlainUefi = "plain-uefi";

    private static readonly Lock Gate = new();
    private static readonly Dictionary<string, ReferenceSystem> Built = [];

    private ReferenceSystem(string caseName, string dir, IReadOnlyDictionary<string, string> facts, TimeSpan ready)
    {
        Case = caseName;
        Dir = dir;
        Facts = facts;
        ReadyAfter = ready;
    }

    /// <summary>The storage case (a file name in testvm/reference/cases without .sh).</summary>
    public string Case { get; }

    public bool Uefi => Facts["FIRMWARE"] == "uefi";

    /// <summary>The machine the system runs on (fact ARCH; a case built before the fact is amd64).</summary>
    public MachineArchitecture Architecture => MachineArchitecture.For(Facts.GetValueOrDefault("ARCH", "amd64"))
        ?? throw new TestVmException($"the reference {Case} is for an unknown machine ({Facts["ARCH"]})");

    /// <summary>The case boots through the signed chain with Secure Boot enforced (fact SECURE_BOOT=yes).</summary>
    public bool SecureBoot => Facts.GetValueOrDefault("SECURE_BOOT") == "yes";

    /// <summary>The cache directory: disk0.img…, facts.env, packages.txt, build.log.</summary>
    public string Dir { get; }

    /// <summary>The system's disks in order (disk0.img first: the BIOS boot disk).</summary>
    public IReadOnlyList<string> DiskImages => Facts["DISKS"].Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(d => Path.Combine(Dir, d)).ToList();

    /// <summary>facts.env: CASE, FIRMWARE, DISKS, DISK_BYTES, PAYLOAD_ENTRIES and the case's UUIDs (ROOT_UUID…).</summary>
    public IReadOnlyDictionary<string, string> Facts { get; }

    /// <summary>The size of each disk, in the order of <see cref="DiskImages"/>.</summary>
    public IReadOnlyList<long> DiskSizes => Facts["DISK_BYTES"].Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(b => long.Parse(b, CultureInfo.InvariantCulture)).ToList();

    /// <summary>The size of the first disk (the only one of the plain cases).</summary>
    public long DiskBytes => DiskSizes[0];

    public string RootUuid => Facts["ROOT_UUID"];

    public string HomeUuid => Facts["HOME_UUID"];

    /// <summary>How long <see cref="Ensure(string, Action{string}?)"/> took (seconds when cached; minutes when it built the case, more when it built
    /// the base system too).</summary>
    public TimeSpan ReadyAfter { get; }

    /// <summary>The plain reference system (one disk) for BIOS or UEFI.</summary>
    public static ReferenceSystem Ensure(bool uefi, Action<string>? log = null) => Ensure(uefi ? PlainUefi : PlainBios, log);

    /// <summary>Builds the reference system of <paramref name="caseName"/> when it is not cached (needs root and the Debian
    /// mirror), and reads its facts.</summary>
    public static ReferenceSystem Ensure(string caseName, Action<string>? log = null)
    {
        lock (Gate)
        {
            if (Built.TryGetValue(caseName, out var known))
            {
                return known;
            }

            log ??= Console.Error.WriteLine;
            var sw = Stopwatch.StartNew();
            // An arm64 case builds its base system under qemu-user the first time: far longer than a native one.
            var r = HostProcess.Run("bash", [Path.Combine(RepoPaths.TestVmDir, "build-reference.sh"), "--case", caseName], TimeSpan.FromMinutes(120));
            if (r.ExitCode != 0)
            {
                throw new TestVmException($"testvm/build-reference.sh --case {caseName} failed with exit code {r.ExitCode}:\n{HostProcess.Tail(r.Stderr, 3000)}\n" +
                    "It needs root, debootstrap, sgdisk, mtools, mdadm, lvm2, cryptsetup and the Debian mirror; build.log in its temporary directory says more.");
            }

            var dir = r.Stdout.TrimEnd().Split('\n')[^1].Trim();
            var facts = File.ReadAllLines(Path.Combine(dir, "facts.env"))
                .Select(l => l.Split('=', 2))
                .Where(kv => kv.Length == 2)
                .ToDictionary(kv => kv[0].Trim(), kv => kv[1].Trim(), StringComparer.Ordinal);
            var sys = new ReferenceSystem(caseName, dir, facts, sw.Elapsed);
            log($"reference system {caseName} {dir} ready after {sw.Elapsed.TotalSeconds:0} s");
            Built[caseName] = sys;
            return sys;
        }
    }

    /// <summary>
    /// Boots the reference system (its images attached with snapshot=on, so they never change) with a job disk and runs
    /// <paramref name="jobScript"/> in it (see <see cref="JobRunner.Run"/>).
    /// </summary>
    public ReferenceJobRun RunJob(string workDir, string jobScript, ReferenceJobOptions? options = null)
    {
        var disks = DiskImages.Select((d, i) => new VmDisk(d) { Snapshot = true, Boot = i == 0, Serial = i == 0 ? "refdisk" : $"refdisk{i}" }).ToList();
        string? vars = null;
        if (Uefi)
        {
            Directory.CreateDirectory(workDir);
            vars = Path.Combine(workDir, QemuCommandLine.UefiVarsFileName(Architecture));
            File.Copy(QemuCommandLine.UefiFirmware(Architecture, SecureBoot).VarsTemplate, vars, overwrite: true);
        }

        return JobRunner.Run(disks, Uefi, vars, workDir, jobScript, (options ?? new ReferenceJobOptions()) with { SecureBoot = SecureBoot, Architecture = Architecture });
    }
}

/// <summary>How <see cref="JobRunner.Run"/> runs a job.</summary>
public sealed record ReferenceJobOptions
{
    /// <summary>Size of the job disk (sparse); what the job writes to /job must fit.</summary>
    public long JobDiskBytes { get; init; } = Size.GiB(4);

    public int MemoryMiB { get; init; } = 2048;

    /// <summary>UEFI with Secure Boot enforced (the variables given must hold enrolled keys).</summary>
    public bool SecureBoot { get; init; }

    /// <summary>The machine emulated; the job disk gets the mkcdrec binary built for it (out/linux-x64 or out/linux-arm64).</summary>
    public MachineArchitecture Architecture { get; init; } = MachineArchitecture.X86_64;

    /// <summary>From QEMU's start to the job's exit code.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>Paths on the job disk (e.g. "out", "mkbackup.log") to copy to <see cref="CopyOutTo"/> after the power-off.</summary>
    public IReadOnlyList<string> CopyOut { get; init; } = [];

    /// <summary>Where <see cref="CopyOut"/> goes; default: the work directory.</summary>
    public string? CopyOutTo { get; init; }

    public string ConsoleLogName { get; init; } = "reference-console.log";

    /// <summary>Keeps the job disk's image at this path after the job (a USB disk the job wrote a backup to); default: deleted.</summary>
    public string? KeepJobDiskAs { get; init; }

    /// <summary>The job disk an earlier job kept (<see cref="KeepJobDiskAs"/>): this job's script and binary are put on
    /// it and it is used again, with what the earlier jobs left on it; it stays where it is afterwards.</summary>
    public string? ReuseJobDisk { get; init; }

    /// <summary>A console line matching this regex cuts the power: QEMU is killed at once (what the guest had not
    /// written to its disks is lost) and the run ends with <see cref="ReferenceJobRun.PowerCut"/> set.</summary>
    public string? PowerCutOn { get; init; }

    /// <summary>
    /// Serial console prompts to answer: each time <c>Pattern</c> (a regex) appears, in a complete line or a prompt
    /// waiting for input, <c>Text</c> is typed (add "\n" for Enter), e.g. ("Please unlock disk \S+:", "passphrase\n")
    /// to boot a reference system whose root is inside LUKS.
    /// </summary>
    public IReadOnlyList<(string Pattern, string Text)> SerialAnswers { get; init; } = [];

    /// <summary>A NIC on QEMU's user network that reaches this host's loopback at 10.0.2.2 (a backup server the test runs);
    /// the job configures it (10.0.2.15/24). Default: no network.</summary>
    public bool ReachesHost { get; init; }
}

/// <summary>What <see cref="JobRunner.Run"/> saw: the job's exit code (-1 unreadable), the whole console, and
/// the times from QEMU's start to the boot marker, to the job's end, and to the end of QEMU.</summary>
public sealed record ReferenceJobRun(int ExitCode, string Console, TimeSpan Elapsed, TimeSpan? BootedAfter, TimeSpan? JobDoneAfter, bool PoweredOff)
{
    /// <summary>The job's console asked for the power cut (<see cref="ReferenceJobOptions.PowerCutOn"/>) and QEMU was killed.</summary>
    public bool PowerCut { get; init; }

    /// <summary>From the boot marker to the job's end (the job itself, plus the hook's mount and sync).</summary>
    public TimeSpan? JobTime => BootedAfter is { } b && JobDoneAfter is { } d ? d - b : null;
}
