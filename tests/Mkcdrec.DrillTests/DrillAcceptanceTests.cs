using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using Mkcdrec.Core.Platform;
using Mkcdrec.Platform.Linux;
using Mkcdrec.TestVm;

namespace Mkcdrec.DrillTests;

/// <summary>
/// The acceptance drill of issue 6, as a sysadmin would run it: the reference Debian system (testvm/build-reference.sh)
/// boots in QEMU and runs `mkcdrec mkbackup` inside itself, writing the rescue ISO (with the backup on it) to a second
/// disk, and powers off. Then `mkcdrec drill` boots that ISO against blank disks (same size, then 1.5×), recovers
/// unattended, boots the recovered disk and compares every file. Phase times and sizes are printed.
/// </summary>
public abstract class ReferenceMediumFixture : IDisposable
{
    protected ReferenceMediumFixture(bool uefi)
    {
        if (!LongTests.Enabled)
        {
            Work = RefDir = Media = Iso = MkbackupSeconds = "";
            return;
        }

        Uefi = uefi;
        Work = Directory.CreateTempSubdirectory($"mkcdrec-drill-{(uefi ? "uefi" : "bios")}-").FullName;
        var sw = Stopwatch.StartNew();
        RefDir = Shell(Path.Combine(RepoPaths.TestVmDir, "build-reference.sh"), uefi ? "--uefi" : "--bios", TimeSpan.FromMinutes(25)).Trim().Split('\n')[^1];
        Log($"reference system {RefDir} ready after {sw.Elapsed.TotalSeconds:0} s");
        var facts = File.ReadAllLines(Path.Combine(RefDir, "facts.env")).Where(l => l.Contains('=', StringComparison.Ordinal))
            .ToDictionary(l => l[..l.IndexOf('=', StringComparison.Ordinal)], l => l[(l.IndexOf('=', StringComparison.Ordinal) + 1)..]);
        DiskBytes = long.Parse(facts["DISK_BYTES"], System.Globalization.CultureInfo.InvariantCulture);

        // The job disk: mkcdrec, and the script the reference system's autorun runs; the ISO lands on it.
        var job = Path.Combine(Work, "job");
        Directory.CreateDirectory(Path.Combine(job, "bin"));
        File.Copy(RepoPaths.MkcdrecBinary, Path.Combine(job, "bin", "mkcdrec"));
        File.WriteAllText(Path.Combine(job, "job.sh"), """
            #!/bin/sh
            s=$(date +%s.%N)
            mkcdrec mkbackup --output /job/out; rc=$?
            e=$(date +%s.%N)
            echo "MKBACKUP-SECONDS=$(echo "$e $s" | awk '{ printf "%.1f", $1 - $2 }')"
            ls -l /job/out
            exit $rc
            """.Replace("\r", "", StringComparison.Ordinal));
        Shell("chmod", $"755 {job}/job.sh {job}/bin/mkcdrec");
        var jobImg = Path.Combine(Work, "job.img");
        Shell("truncate", $"-s 4G {jobImg}");
        Shell("mkfs.ext4", $"-q -L MKJOB -d {job} {jobImg}");

        var vars = uefi ? Path.Combine(Work, "OVMF_VARS.fd") : null;
        if (vars is not null)
        {
            File.Copy("/usr/share/OVMF/OVMF_VARS_4M.fd", vars, overwrite: true);
        }

        var backupRun = Stopwatch.StartNew();
        using (var vm = new QemuHost(NullLog.Instance).Start(new VmSpec
        {
            Uefi = uefi,
            UefiVars = vars,
            MemoryMiB = 2048,
            Disks = [new VmDisk(Path.Combine(RefDir, "disk.img")) { Snapshot = true, Boot = true, Serial = "refdisk" }, new VmDisk(jobImg) { Serial = "mkjob" }],
            SerialLog = Path.Combine(Work, "backup-console.log"),
        }))
        {
            var rc = vm.WaitForLine(l => l.Contains("MKCDREC-JOB-RC=", StringComparison.Ordinal), 0, TimeSpan.FromMinutes(20));
            var console = string.Join('\n', vm.Lines);
            Assert.True(rc >= 0, "mkbackup in the reference system did not finish:\n" + Tail(console));
            Assert.True(vm.Lines[rc].Contains("MKCDREC-JOB-RC=0", StringComparison.Ordinal), "mkbackup failed in the reference system:\n" + Tail(console, 8000));
            vm.WaitForExit(TimeSpan.FromMinutes(2));
            MkbackupSeconds = Regex.Match(console, @"MKBACKUP-SECONDS=([0-9.]+)").Groups[1].Value;
        }

        BackupPhase = backupRun.Elapsed;

        // Take the ISO(s) off the job disk (ext4: the host mounts it read-only).
        Media = Path.Combine(Work, "media");
        Directory.CreateDirectory(Media);
        var mnt = Path.Combine(Work, "mnt");
        Directory.CreateDirectory(mnt);
        Shell("mount", $"-o loop,ro {jobImg} {mnt}");
        try
        {
            foreach (var f in Directory.GetFiles(Path.Combine(mnt, "out")))
            {
                File.Copy(f, Path.Combine(Media, Path.GetFileName(f)));
            }
        }
        finally
        {
            Shell("umount", mnt);
        }

        File.Delete(jobImg);
        Iso = Directory.GetFiles(Media, "*.iso").Single();
        IsoBytes = new FileInfo(Iso).Length;
        Log($"mkbackup inside the reference system: {MkbackupSeconds} s ({BackupPhase.TotalSeconds:0} s from QEMU start to power-off); ISO {IsoBytes / 1048576.0:0.0} MiB");
    }

    public bool Uefi { get; }

    public string Work { get; }

    public string RefDir { get; }

    public long DiskBytes { get; }

    public string Media { get; }

    public string Iso { get; }

    public long IsoBytes { get; }

    public TimeSpan BackupPhase { get; }

    public string MkbackupSeconds { get; }

    public static void Log(string s) => Console.Error.WriteLine("[drill] " + s);

    public static string Tail(string s, int n = 4000) => s.Length <= n ? s : s[^n..];

    public static string Shell(string program, string args, TimeSpan? timeout = null)
    {
        var psi = new ProcessStartInfo(program, args) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        var o = p.StandardOutput.ReadToEndAsync();
        if (!p.WaitForExit(timeout ?? TimeSpan.FromMinutes(5)))
        {
            p.Kill(true);
            throw new TimeoutException($"{program} {args} timed out");
        }

        p.WaitForExit();
        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {args} failed ({p.ExitCode}): {o.Result}\n{err.Result}");
        }

        return o.Result;
    }

    /// <summary>Runs `mkcdrec drill` (the product's own command) and returns its JSON report.</summary>
    public JsonElement Drill(string tag, params string[] extra)
    {
        Assert.SkipUnless(LongTests.Enabled, LongTests.Reason);
        var work = Path.Combine(Work, "drill-" + tag);
        var psi = new ProcessStartInfo(RepoPaths.MkcdrecBinary) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in (string[])["--json", "--log", Path.Combine(Work, $"drill-{tag}.log"), "drill", "--medium", Iso, "--work-dir", work, .. (Keep ? ["--keep"] : Array.Empty<string>()), .. extra])
        {
            psi.ArgumentList.Add(a);
        }

        var sw = Stopwatch.StartNew();
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        var o = p.StandardOutput.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromMinutes(45)))
        {
            p.Kill(true);
            Assert.Fail($"mkcdrec drill ({tag}) did not finish within 45 min");
        }

        p.WaitForExit();
        Log($"[{tag}] mkcdrec drill exit {p.ExitCode} after {sw.Elapsed.TotalSeconds:0} s");
        Assert.True(o.Result.TrimStart().StartsWith('{'), $"mkcdrec drill ({tag}) printed no report (exit {p.ExitCode}):\n{o.Result}\n{Tail(err.Result)}");
        var report = JsonDocument.Parse(o.Result).RootElement.Clone();
        var phases = string.Join(", ", report.GetProperty("phases").EnumerateArray().Select(ph => $"{ph.GetProperty("name").GetString()} {ph.GetProperty("seconds").GetDouble():0} s"));
        var inside = string.Join(", ", report.GetProperty("recoveryPhases").EnumerateArray().Select(ph => $"{ph.GetProperty("name").GetString()} {ph.GetProperty("seconds").GetDouble():0.0} s"));
        Log($"[{tag}] PHASES: backup (mkbackup) {MkbackupSeconds} s, ISO {IsoBytes / 1048576.0:0} MiB; drill: {phases}; " +
            $"QEMU start to recovered system up {report.GetProperty("recoveredUpSeconds").GetDouble():0.0} s; inside the recovery: {inside}");
        var failures = string.Join('\n', report.GetProperty("failures").EnumerateArray().Select(f => f.GetString()));
        var consoles = string.Join('\n', Directory.Exists(work) ? Directory.GetFiles(work, "*console.log").Select(f => $"--- {f}\n{Tail(File.ReadAllText(f), 3000)}") : []);
        Assert.True(report.GetProperty("passed").GetBoolean() && p.ExitCode == 0, $"drill ({tag}) failed:\n{failures}\n{consoles}");
        return report;
    }

    /// <summary>MKCDREC_DRILL_KEEP=1 keeps the work directory (consoles, logs, ISO, scratch disks) for a look afterwards.</summary>
    public static bool Keep => Environment.GetEnvironmentVariable("MKCDREC_DRILL_KEEP") == "1";

    public void Dispose()
    {
        if (Keep && Work.Length > 0)
        {
            Log($"kept {Work} (MKCDREC_DRILL_KEEP=1)");
        }
        else if (Work.Length > 0 && Directory.Exists(Work))
        {
            Directory.Delete(Work, recursive: true);
        }
    }
}

public sealed class BiosReferenceMedium() : ReferenceMediumFixture(uefi: false);

public sealed class BiosDrillTests(BiosReferenceMedium medium) : IClassFixture<BiosReferenceMedium>
{
    [Fact]
    public void The_reference_system_comes_back_on_a_blank_disk_of_the_same_size()
    {
        var r = medium.Drill("bios-same");
        Assert.Equal("bios", r.GetProperty("firmware").GetString());
        Assert.Equal(medium.DiskBytes, r.GetProperty("diskSizes")[0].GetInt64());
        Assert.True(r.GetProperty("restoreCompare").GetArrayLength() >= 2, "the root and /home filesystems were compared");
        Assert.All(r.GetProperty("restoreCompare").EnumerateArray(), s => Assert.True(s.GetProperty("files").GetInt64() > 0));
    }

    [Fact]
    public void The_reference_system_comes_back_on_a_blank_disk_one_and_a_half_times_larger()
    {
        var size = medium.DiskBytes / 2 * 3 / (1 << 20) * (1 << 20);
        var r = medium.Drill("bios-1.5x", "--disk-size", size.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(size, r.GetProperty("diskSizes")[0].GetInt64());
    }
}
