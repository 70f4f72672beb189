using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Mkcdrec.Core.Drill;
using Mkcdrec.Core.Platform;
using Mkcdrec.Platform.Linux;

namespace Mkcdrec.TestVm;

/// <summary>
/// Runs a job in a system that carries the reference hooks (testvm/reference/autorun.sh): a reference system, or one a
/// drill recovered from it. Boots the given disks with a job disk (ext4, label MKJOB) holding bin/mkcdrec and the script
/// as job.sh; waits for <c>MKCDREC-JOB-RC=N</c> and the power-off; then copies <see cref="ReferenceJobOptions.CopyOut"/>
/// (paths on the job disk) to <see cref="ReferenceJobOptions.CopyOutTo"/>; console prompts are answered as
/// <see cref="ReferenceJobOptions.SerialAnswers"/> says. A failed job is a result
/// (<see cref="ReferenceJobRun.ExitCode"/>); a guest that never runs the job throws with the console's end.
/// </summary>
public static partial class JobRunner
{
    public static ReferenceJobRun Run(IReadOnlyList<VmDisk> systemDisks, bool uefi, string? uefiVars, string workDir, string jobScript, ReferenceJobOptions? options = null)
    {
        options ??= new ReferenceJobOptions();
        var binary = RepoPaths.MkcdrecBinaryFor(options.Architecture);
        var jobImg = options.ReuseJobDisk is { } reuse ? PutJobOn(reuse, workDir, jobScript, binary) : MakeJobDisk(workDir, jobScript, options.JobDiskBytes, binary);
        var sw = Stopwatch.StartNew();
        TimeSpan? booted = null;
        using var vm = new QemuHost(NullLog.Instance).Start(new VmSpec
        {
            Architecture = options.Architecture,
            Uefi = uefi,
            UefiVars = uefiVars,
            SecureBoot = options.SecureBoot,
            MemoryMiB = options.MemoryMiB,
            Disks = [.. systemDisks, new VmDisk(jobImg) { Serial = "mkjob" }],
            SerialLog = Path.Combine(workDir, options.ConsoleLogName),
            UserNetwork = options.ReachesHost,
            ReachesHost = options.ReachesHost,
        });
        var deadline = DateTime.UtcNow + options.Timeout;

        // Prompts before the job (a LUKS root's passphrase in the initramfs) are answered while it waits.
        var prompts = new ConsolePromptWatcher(vm, [.. options.SerialAnswers.Select(a => ConsolePrompt.Always(a.Pattern, a.Text))]);
        var at = prompts.WaitForLine(l => l.Contains("MKCDREC-BOOTED", StringComparison.Ordinal), 0, options.Timeout);
        if (at >= 0)
        {
            booted = sw.Elapsed;
        }

        var left = deadline - DateTime.UtcNow;
        var cut = options.PowerCutOn is { } pattern ? new Regex(pattern) : null;
        var rcLine = prompts.WaitForLine(l => l.Contains("MKCDREC-JOB-RC=", StringComparison.Ordinal) || cut?.IsMatch(l) == true, Math.Max(0, at), left > TimeSpan.Zero ? left : TimeSpan.Zero);
        if (rcLine >= 0 && cut?.IsMatch(vm.Lines[rcLine]) == true)
        {
            vm.Kill();
            var cutAfter = sw.Elapsed;
            vm.WaitForExit(TimeSpan.FromSeconds(30));
            var cutConsole = string.Join('\n', vm.Lines);
            vm.Dispose();
            KeepOrDelete(jobImg, workDir, options);
            return new ReferenceJobRun(-1, cutConsole, cutAfter, booted, cutAfter, false) { PowerCut = true };
        }

        if (rcLine < 0)
        {
            throw new TestVmException((booted is null ? "The system did not boot" : "The system's job did not finish")
                + $" within {options.Timeout.TotalMinutes:0} min (QEMU {(vm.HasExited ? "exited" : "still running")}). Last console lines:\n  "
                + string.Join("\n  ", vm.Lines.TakeLast(40)));
        }

        var done = sw.Elapsed;
        var exitCode = int.TryParse(JobRc().Match(vm.Lines[rcLine]).Groups[1].Value, CultureInfo.InvariantCulture, out var rc) ? rc : -1;

        // The hook syncs and unmounts the job disk before it prints the exit code, then powers off.
        var poweredOff = vm.WaitForExit(TimeSpan.FromMinutes(2));
        var console = string.Join('\n', vm.Lines);
        vm.Dispose(); // QEMU is gone; the job disk is copied from below
        var elapsed = sw.Elapsed;
        KeepOrDelete(jobImg, workDir, options);
        return new ReferenceJobRun(exitCode, console, elapsed, booted, done, poweredOff);
    }

    private static void KeepOrDelete(string jobImg, string workDir, ReferenceJobOptions options)
    {
        CopyOut(jobImg, workDir, options);
        if (options.ReuseJobDisk is not null)
        {
            return;
        }

        if (options.KeepJobDiskAs is { } keep)
        {
            File.Move(jobImg, keep, overwrite: true);
        }
        else
        {
            File.Delete(jobImg);
        }
    }

    /// <summary>Writes this job's script and binary onto a kept job disk (loop-mounted here), leaving the rest as it is.</summary>
    private static string PutJobOn(string jobImg, string workDir, string jobScript, string binary)
    {
        Directory.CreateDirectory(workDir);
        var mnt = Path.Combine(workDir, "job-mnt");
        Directory.CreateDirectory(mnt);
        HostProcess.Checked("mount", "-o", "loop", jobImg, mnt);
        try
        {
            Directory.CreateDirectory(Path.Combine(mnt, "bin"));
            InstallJob(mnt, jobScript, binary);
        }
        finally
        {
            HostProcess.Run("umount", [mnt]);
            Directory.Delete(mnt);
        }

        return jobImg;
    }

    private static string MakeJobDisk(string workDir, string jobScript, long bytes, string binary)
    {
        Directory.CreateDirectory(workDir);
        var job = Path.Combine(workDir, "job");
        Directory.CreateDirectory(Path.Combine(job, "bin"));
        if (!File.Exists(binary))
        {
            throw new TestVmException($"The mkcdrec binary {binary} is missing: run ./build.sh first (./build.sh --arm64 for an arm64 system).");
        }

        InstallJob(job, jobScript, binary);
        var jobImg = Path.Combine(workDir, "job.img");
        using (var fs = new FileStream(jobImg, FileMode.Create, FileAccess.Write))
        {
            fs.SetLength(bytes);
        }

        HostProcess.Checked("mkfs.ext4", "-q", "-L", "MKJOB", "-d", job, jobImg);
        Directory.Delete(job, recursive: true);
        return jobImg;
    }

    /// <summary>The script (job.sh) and the mkcdrec binary (bin/mkcdrec), executable, in the job disk's root <paramref name="root"/>.</summary>
    private static void InstallJob(string root, string jobScript, string binary)
    {
        File.Copy(binary, Path.Combine(root, "bin", "mkcdrec"), overwrite: true);
        File.WriteAllText(Path.Combine(root, "job.sh"), jobScript.Replace("\r", "", StringComparison.Ordinal));
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(Path.Combine(root, "job.sh"), (UnixFileMode)0b111_101_101);
            File.SetUnixFileMode(Path.Combine(root, "bin", "mkcdrec"), (UnixFileMode)0b111_101_101);
        }
    }

    private static void CopyOut(string jobImg, string workDir, ReferenceJobOptions options)
    {
        if (options.CopyOut.Count == 0)
        {
            return;
        }

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

    [GeneratedRegex(@"MKCDREC-JOB-RC=(\d+)")]
    private static partial Regex JobRc();
}
