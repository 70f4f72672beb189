using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Mkcdrec.Core.Drill;
using Mkcdrec.Core.Platform;
using Mkcdrec.Platform.Linux;

namespace Mkcdrec.TestVm;

/// <summary>
/// The reference Debian system of the drill tier (testvm/build-reference.sh, cached): a raw disk image that boots through
/// its own firmware and GRUB (BIOS, or UEFI with an ESP). Its autorun hook prints <c>MKCDREC-BOOTED</c> on ttyS0 and,
/// when a disk labelled MKJOB is attached, runs <c>job.sh</c> from it, prints <c>MKCDREC-JOB-RC=N</c> and powers off.
/// <see cref="RunJob"/> does that with QEMU through the product's own <see cref="QemuHost"/>.
/// </summary>
public sealed partial class ReferenceSystem
{
    private static readonly Lock Gate = new();
    private static readonly Dictionary<bool, ReferenceSystem> Built = [];

    private ReferenceSystem(bool uefi, string dir, IReadOnlyDictionary<string, string> facts, TimeSpan ready)
    {
        Uefi = uefi;
        Dir = dir;
        Facts = facts;
        ReadyAfter = ready;
    }

    public bool Uefi { get; }

    /// <summary>The cache directory: disk.img, facts.env, packages.txt, build.log.</summary>
    public string Dir { get; }

    public string DiskImage => Path.Combine(Dir, "disk.img");

    /// <summary>facts.env: VARIANT, DISK_BYTES, ROOT_UUID, HOME_UUID, SWAP_UUID, ESP_UUID, PAYLOAD_ENTRIES.</summary>
    public IReadOnlyDictionary<string, string> Facts { get; }

    public long DiskBytes => long.Parse(Facts["DISK_BYTES"], CultureInfo.InvariantCulture);

    public string RootUuid => Facts["ROOT_UUID"];

    public string HomeUuid => Facts["HOME_UUID"];

    /// <summary>How long <see cref="Ensure"/> took (seconds when cached, 15–35 min when it built the image).</summary>
    public TimeSpan ReadyAfter { get; }

    /// <summary>Builds the reference system when it is not cached (needs root and the Debian mirror), and reads its facts.</summary>
    public static ReferenceSystem Ensure(bool uefi, Action<string>? log = null)
    {
        lock (Gate)
        {
            if (Built.TryGetValue(uefi, out var known))
            {
                return known;
            }

            log ??= Console.Error.WriteLine;
            var sw = Stopwatch.StartNew();
            var r = HostProcess.Run("bash", [Path.Combine(RepoPaths.TestVmDir, "build-reference.sh"), uefi ? "--uefi" : "--bios"], TimeSpan.FromMinutes(45));
            if (r.ExitCode != 0)
            {
                throw new TestVmException($"testvm/build-reference.sh {(uefi ? "--uefi" : "--bios")} failed with exit code {r.ExitCode}:\n{HostProcess.Tail(r.Stderr, 3000)}\n" +
                    "It needs root, debootstrap, sgdisk, mtools and the Debian mirror; build.log in its temporary directory says more.");
            }

            var dir = r.Stdout.TrimEnd().Split('\n')[^1].Trim();
            var facts = File.ReadAllLines(Path.Combine(dir, "facts.env"))
                .Select(l => l.Split('=', 2))
                .Where(kv => kv.Length == 2)
                .ToDictionary(kv => kv[0].Trim(), kv => kv[1].Trim(), StringComparer.Ordinal);
            var sys = new ReferenceSystem(uefi, dir, facts, sw.Elapsed);
            log($"reference system ({(uefi ? "UEFI" : "BIOS")}) {dir} ready after {sw.Elapsed.TotalSeconds:0} s");
            Built[uefi] = sys;
            return sys;
        }
    }

    /// <summary>
    /// Boots the reference system (its image attached with snapshot=on, so it never changes) with a job disk (ext4,
    /// label MKJOB) holding bin/mkcdrec and <paramref name="jobScript"/> as job.sh; waits for the job's exit code and the
    /// power-off; then copies <see cref="ReferenceJobOptions.CopyOut"/> (paths on the job disk) to
    /// <see cref="ReferenceJobOptions.CopyOutTo"/>. A failed job is a result (<see cref="ReferenceJobRun.ExitCode"/>);
    /// a guest that never runs the job throws with the console's end.
    /// </summary>
    public ReferenceJobRun RunJob(string workDir, string jobScript, ReferenceJobOptions? options = null)
    {
        options ??= new ReferenceJobOptions();
        Directory.CreateDirectory(workDir);
        var job = Path.Combine(workDir, "job");
        Directory.CreateDirectory(Path.Combine(job, "bin"));
        var binary = RepoPaths.MkcdrecBinary;
        if (!File.Exists(binary))
        {
            throw new TestVmException($"The mkcdrec binary {binary} is missing: run ./build.sh first.");
        }

        File.Copy(binary, Path.Combine(job, "bin", "mkcdrec"), overwrite: true);
        File.WriteAllText(Path.Combine(job, "job.sh"), jobScript.Replace("\r", "", StringComparison.Ordinal));
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(Path.Combine(job, "job.sh"), (UnixFileMode)0b111_101_101);
            File.SetUnixFileMode(Path.Combine(job, "bin", "mkcdrec"), (UnixFileMode)0b111_101_101);
        }
        var jobImg = Path.Combine(workDir, "job.img");
        using (var fs = new FileStream(jobImg, FileMode.Create, FileAccess.Write))
        {
            fs.SetLength(options.JobDiskBytes);
        }

        HostProcess.Checked("mkfs.ext4", "-q", "-L", "MKJOB", "-d", job, jobImg);
        Directory.Delete(job, recursive: true);

        string? vars = null;
        if (Uefi)
        {
            vars = Path.Combine(workDir, "OVMF_VARS.fd");
            File.Copy(QemuCommandLine.OvmfVarsTemplate, vars, overwrite: true);
        }

        var sw = Stopwatch.StartNew();
        TimeSpan? booted = null, done = null;
        int exitCode;
        bool poweredOff;
        string console;
        using (var vm = new QemuHost(NullLog.Instance).Start(new VmSpec
        {
            Uefi = Uefi,
            UefiVars = vars,
            MemoryMiB = options.MemoryMiB,
            Disks = [new VmDisk(DiskImage) { Snapshot = true, Boot = true, Serial = "refdisk" }, new VmDisk(jobImg) { Serial = "mkjob" }],
            SerialLog = Path.Combine(workDir, options.ConsoleLogName),
        }))
        {
            var deadline = DateTime.UtcNow + options.Timeout;
            var at = vm.WaitForLine(l => l.Contains("MKCDREC-BOOTED", StringComparison.Ordinal), 0, options.Timeout);
            if (at >= 0)
            {
                booted = sw.Elapsed;
            }

            var left = deadline - DateTime.UtcNow;
            var rcLine = vm.WaitForLine(l => l.Contains("MKCDREC-JOB-RC=", StringComparison.Ordinal), Math.Max(0, at), left > TimeSpan.Zero ? left : TimeSpan.Zero);
            if (rcLine < 0)
            {
                var lines = vm.Lines;
                throw new TestVmException((booted is null ? "The reference system did not boot" : "The reference system's job did not finish")
                    + $" within {options.Timeout.TotalMinutes:0} min (QEMU {(vm.HasExited ? "exited" : "still running")}). Last console lines:\n  "
                    + string.Join("\n  ", lines.TakeLast(40)));
            }

            done = sw.Elapsed;
            exitCode = int.TryParse(JobRc().Match(vm.Lines[rcLine]).Groups[1].Value, CultureInfo.InvariantCulture, out var rc) ? rc : -1;

            // The hook syncs and unmounts the job disk before it prints the exit code, then powers off.
            poweredOff = vm.WaitForExit(TimeSpan.FromMinutes(2));
            console = string.Join('\n', vm.Lines);
        }

        var elapsed = sw.Elapsed;
        if (options.CopyOut.Count > 0)
        {
            var dest = options.CopyOutTo ?? workDir;
            Directory.CreateDirectory(dest);
            var mnt = Path.Combine(workDir, "job-mnt");
            Directory.CreateDirectory(mnt);
            HostProcess.Checked("mount", "-o", "loop,ro", jobImg, mnt);
            try
            {
                foreach (var rel in options.CopyOut)
                {
                    var src = Path.Combine(mnt, rel.TrimStart('/'));
                    if (File.Exists(src) || Directory.Exists(src))
                    {
                        HostProcess.Checked("cp", ["-a", "--sparse=always", src, dest + "/"], TimeSpan.FromMinutes(10));
                    }
                }
            }
            finally
            {
                HostProcess.Run("umount", [mnt]);
                Directory.Delete(mnt);
            }
        }

        File.Delete(jobImg);
        return new ReferenceJobRun(exitCode, console, elapsed, booted, done, poweredOff);
    }

    [GeneratedRegex(@"MKCDREC-JOB-RC=(\d+)")]
    private static partial Regex JobRc();
}

/// <summary>How <see cref="ReferenceSystem.RunJob"/> runs a job.</summary>
public sealed record ReferenceJobOptions
{
    /// <summary>Size of the job disk (sparse); what the job writes to /job must fit.</summary>
    public long JobDiskBytes { get; init; } = Size.GiB(4);

    public int MemoryMiB { get; init; } = 2048;

    /// <summary>From QEMU's start to the job's exit code.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>Paths on the job disk (e.g. "out", "mkbackup.log") to copy to <see cref="CopyOutTo"/> after the power-off.</summary>
    public IReadOnlyList<string> CopyOut { get; init; } = [];

    /// <summary>Where <see cref="CopyOut"/> goes; default: the work directory.</summary>
    public string? CopyOutTo { get; init; }

    public string ConsoleLogName { get; init; } = "reference-console.log";
}

/// <summary>What <see cref="ReferenceSystem.RunJob"/> saw: the job's exit code (-1 unreadable), the whole console, and
/// the times from QEMU's start to the boot marker, to the job's end, and to the end of QEMU.</summary>
public sealed record ReferenceJobRun(int ExitCode, string Console, TimeSpan Elapsed, TimeSpan? BootedAfter, TimeSpan? JobDoneAfter, bool PoweredOff)
{
    /// <summary>From the boot marker to the job's end (the job itself, plus the hook's mount and sync).</summary>
    public TimeSpan? JobTime => BootedAfter is { } b && JobDoneAfter is { } d ? d - b : null;
}
