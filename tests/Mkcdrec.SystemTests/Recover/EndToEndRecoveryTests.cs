using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using Mkcdrec.TestVm;
using Xunit;

namespace Mkcdrec.SystemTests.Recover;

/// <summary>
/// The reference Debian system (testvm/build-reference.sh), booted in QEMU from its own disk with GRUB, backs itself
/// up with `mkcdrec mkbackuponly` onto a second disk; shut down. The backup is shared once by the cases.
/// </summary>
public class ReferenceBackupFixture : IDisposable
{
    public ReferenceBackupFixture()
        : this(uefi: false)
    {
    }

    protected ReferenceBackupFixture(bool uefi)
    {
        if (!LongTests.Enabled)
        {
            Work = RefDir = Backup = BackupSerial = BackupSeconds = "";
            Facts = [];
            Manifest = JsonDocument.Parse("{}");
            return;
        }

        Uefi = uefi;
        Work = Directory.CreateTempSubdirectory("mkcdrec-e2e-").FullName;
        var sw = Stopwatch.StartNew();
        RefDir = Shell(Path.Combine(RepoPaths.TestVmDir, "build-reference.sh"), uefi ? "--uefi" : "--bios", TimeSpan.FromMinutes(20)).Trim().Split('\n')[^1];
        Log($"reference system {RefDir} ready after {sw.Elapsed.TotalSeconds:0} s");
        Facts = File.ReadAllLines(Path.Combine(RefDir, "facts.env")).Where(l => l.Contains('=', StringComparison.Ordinal))
            .ToDictionary(l => l[..l.IndexOf('=', StringComparison.Ordinal)], l => l[(l.IndexOf('=', StringComparison.Ordinal) + 1)..]);
        DiskBytes = long.Parse(Facts["DISK_BYTES"], System.Globalization.CultureInfo.InvariantCulture);

        // The job disk: mkcdrec and the script the reference system's autorun hook runs; the backup lands on it.
        var job = Path.Combine(Work, "job");
        Directory.CreateDirectory(Path.Combine(job, "bin"));
        File.Copy(RepoPaths.MkcdrecBinary, Path.Combine(job, "bin", "mkcdrec"));
        File.WriteAllText(Path.Combine(job, "job.sh"), """
            #!/bin/sh
            s=$(date +%s.%N)
            mkcdrec mkbackuponly --dest /job/backup; rc=$?
            e=$(date +%s.%N)
            echo "BACKUP-SECONDS=$(echo "$e $s" | awk '{ printf "%.1f", $1 - $2 }')"
            exit $rc
            """.Replace("\r", "", StringComparison.Ordinal));
        Shell("chmod", $"755 {job}/job.sh {job}/bin/mkcdrec");
        Backup = Path.Combine(Work, "backup-dir");
        if (Environment.GetEnvironmentVariable("MKCDREC_E2E_BACKUP") is { Length: > 0 } reuse && File.Exists(Path.Combine(reuse, "manifest.json")))
        {
            // Developer shortcut: recover a backup an earlier run kept (MKCDREC_TESTVM_KEEP=1) instead of making one.
            Log($"reusing the backup in {reuse} (MKCDREC_E2E_BACKUP); no backup phase");
            Shell("cp", $"-a {reuse} {Backup}");
            BackupSerial = "";
            BackupSeconds = "reused";
            Manifest = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(Backup, "manifest.json")));
            BackupBytes = Directory.GetFiles(Backup).Sum(f => new FileInfo(f).Length);
            return;
        }

        var jobImg = Path.Combine(Work, "job.img");
        Shell("truncate", $"-s 1536M {jobImg}");
        Shell("mkfs.ext4", $"-q -L MKJOB -d {job} {jobImg}");

        var run = Qemu.Boot(Path.Combine(Work, "backup"), Path.Combine(RefDir, "disk.img"), snapshot: true, jobImg, uefi: uefi, TimeSpan.FromMinutes(12));
        BackupSerial = run.Serial;
        Assert.True(run.Exited, "the reference system did not power off after the backup:\n" + Tail(run.Serial));
        Assert.Contains("MKCDREC-JOB-RC=0", run.Serial, StringComparison.Ordinal);
        BackupPhase = run.Elapsed;
        BackupSeconds = Regex.Match(run.Serial, @"BACKUP-SECONDS=([0-9.]+)").Groups[1].Value;
        Log($"backup phase: QEMU start to power-off {run.Elapsed.TotalSeconds:0} s (boot {run.BootedAfter?.TotalSeconds:0} s, mkbackuponly {BackupSeconds} s)");

        // Take the backup off the job disk (ext4: the host mounts it read-only).
        var mnt = Path.Combine(Work, "mnt");
        Directory.CreateDirectory(mnt);
        Shell("mount", $"-o loop,ro {jobImg} {mnt}");
        try
        {
            Shell("cp", $"-a {mnt}/backup {Backup}");
        }
        finally
        {
            Shell("umount", mnt);
        }

        File.Delete(jobImg);
        Manifest = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(Backup, "manifest.json")));
        BackupBytes = Directory.GetFiles(Backup).Sum(f => new FileInfo(f).Length);
        Log($"backup: {BackupBytes / 1048576.0:0.0} MiB in {Directory.GetFiles(Backup).Length} files");
    }

    public bool Uefi { get; }

    public string Work { get; }

    public string RefDir { get; }

    public Dictionary<string, string> Facts { get; }

    public long DiskBytes { get; }

    public string Backup { get; }

    public long BackupBytes { get; }

    public JsonDocument Manifest { get; }

    public string BackupSerial { get; }

    public TimeSpan BackupPhase { get; }

    public string BackupSeconds { get; }

    public IEnumerable<string> ArchiveIds => Manifest.RootElement.GetProperty("archives").EnumerateArray().Select(a => a.GetProperty("filesystemId").GetString()!);

    public static void Log(string s) => Console.Error.WriteLine("[e2e] " + s);

    public static string Tail(string s, int n = 3000) => s.Length <= n ? s : s[^n..];

    public static string Shell(string program, string args, TimeSpan? timeout = null)
    {
        var psi = new ProcessStartInfo(program, args) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        var o = p.StandardOutput.ReadToEnd();
        if (!p.WaitForExit(timeout ?? TimeSpan.FromMinutes(5)))
        {
            p.Kill(true);
            throw new TimeoutException($"{program} {args} timed out");
        }

        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {args} failed ({p.ExitCode}): {o}\n{err.Result}");
        }

        return o;
    }

    public void Dispose()
    {
        GC.SuppressFinalize(this);
        Manifest?.Dispose();
        if (Environment.GetEnvironmentVariable("MKCDREC_TESTVM_KEEP") != "1" && Work.Length > 0)
        {
            Directory.Delete(Work, recursive: true);
        }
    }
}

/// <summary>Boots a disk image in QEMU (TCG) through its own firmware and bootloader, with an optional job disk, until it powers off.</summary>
public static class Qemu
{
    public sealed record BootRun(bool Exited, TimeSpan Elapsed, TimeSpan? BootedAfter, string Serial);

    public static BootRun Boot(string dir, string systemDisk, bool snapshot, string? jobDisk, bool uefi, TimeSpan timeout)
    {
        Directory.CreateDirectory(dir);
        var serial = Path.Combine(dir, "serial.log");
        var args = new List<string>
        {
            "-nodefaults", "-no-user-config", "-accel", "tcg", "-cpu", "max", "-smp", "2", "-m", "1024", "-display", "none", "-no-reboot",
            "-serial", "file:" + serial,
            "-drive", $"file={systemDisk},format=raw,if=none,id=sys,cache=unsafe" + (snapshot ? ",snapshot=on" : ""),
            "-device", "virtio-blk-pci,drive=sys,serial=refdisk,bootindex=0",
        };
        if (uefi)
        {
            var vars = Path.Combine(dir, "OVMF_VARS.fd");
            File.Copy("/usr/share/OVMF/OVMF_VARS_4M.fd", vars, overwrite: true);
            args.AddRange(["-machine", "q35", "-drive", "if=pflash,format=raw,unit=0,readonly=on,file=/usr/share/OVMF/OVMF_CODE_4M.fd", "-drive", $"if=pflash,format=raw,unit=1,file={vars}"]);
        }
        else
        {
            args.AddRange(["-machine", "pc"]);
        }

        if (jobDisk is not null)
        {
            args.AddRange(["-drive", $"file={jobDisk},format=raw,if=none,id=job,cache=unsafe", "-device", "virtio-blk-pci,drive=job,serial=mkjob"]);
        }

        var psi = new ProcessStartInfo("qemu-system-x86_64") { RedirectStandardOutput = true, RedirectStandardError = true };
        args.ForEach(psi.ArgumentList.Add);
        var sw = Stopwatch.StartNew();
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        _ = p.StandardOutput.ReadToEndAsync();
        TimeSpan? booted = null;
        TimeSpan? jobDoneAt = null;
        try
        {
            while (!p.WaitForExit(500))
            {
                if (booted is null && File.Exists(serial) && ReadShared(serial).Contains("MKCDREC-BOOTED", StringComparison.Ordinal))
                {
                    booted = sw.Elapsed;
                }

                // The job finished and synced: give the guest a minute to power off by itself, then end QEMU (SIGTERM: a clean exit).
                if (jobDoneAt is null && File.Exists(serial) && ReadShared(serial).Contains("MKCDREC-JOB-RC=", StringComparison.Ordinal))
                {
                    jobDoneAt = sw.Elapsed;
                }

                if (jobDoneAt is { } done && sw.Elapsed - done > TimeSpan.FromSeconds(60))
                {
                    using (var term = Process.Start("kill", ["-TERM", p.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
                    {
                        term.WaitForExit();
                    }

                    if (!p.WaitForExit(30_000))
                    {
                        p.Kill(true);
                    }

                    return new BootRun(true, sw.Elapsed, booted, ReadShared(serial) + "\n[the guest did not power off within 60 s of its job's end; QEMU was stopped]");
                }

                if (sw.Elapsed > timeout)
                {
                    p.Kill(true);
                    p.WaitForExit();
                    return new BootRun(false, sw.Elapsed, booted, ReadShared(serial) + "\n[qemu stderr] " + stderr.Result);
                }
            }
        }
        finally
        {
            if (!p.HasExited)
            {
                p.Kill(true);
            }
        }

        var text = ReadShared(serial);
        if (booted is null && text.Contains("MKCDREC-BOOTED", StringComparison.Ordinal))
        {
            booted = sw.Elapsed; // booted and finished between two polls
        }

        return new BootRun(p.ExitCode == 0, sw.Elapsed, booted, text + (p.ExitCode == 0 ? "" : "\n[qemu stderr] " + stderr.Result));
    }

    private static string ReadShared(string path)
    {
        using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var r = new StreamReader(fs);
        return r.ReadToEnd();
    }
}

/// <summary>
/// Issue 6 without the ISO: the reference system's own backup (made inside it by mkbackuponly) is recovered with
/// `mkcdrec recover --backup DIR --unattended` in the test guest onto a blank disk (same size, then 1.5×); every file
/// is compared with the manifest before the first boot; the recovered disk boots alone through GRUB, and inside it
/// `mkcdrec verify --compare` checks the live files again. Phase times are printed.
/// </summary>
public sealed class EndToEndRecoveryTests(ReferenceBackupFixture backup) : EndToEndRecovery(backup), IClassFixture<ReferenceBackupFixture>
{
}

/// <summary>The reference system's UEFI variant (ESP, GRUB for x86_64-efi, OVMF): recovered in a UEFI test guest, booted with OVMF from the removable path.</summary>
public sealed class UefiReferenceBackupFixture : ReferenceBackupFixture
{
    public UefiReferenceBackupFixture()
        : base(uefi: true)
    {
    }
}

public sealed class UefiEndToEndRecoveryTests(UefiReferenceBackupFixture backup) : EndToEndRecovery(backup), IClassFixture<UefiReferenceBackupFixture>
{
}

/// <summary>The cases, for both firmware variants.</summary>
public abstract class EndToEndRecovery(ReferenceBackupFixture backup)
{
    // What a boot writes: logs and systemd state; and the mount points of the pseudo filesystems (and the job disk),
    // whose directory entries the backup recorded as the mounted filesystems' roots.
    private static readonly string[] BootNoise = ["var/log/", "var/lib/systemd/", "var/cache/", "var/lib/dhcp/", "etc/ld.so.cache", "var/lib/apt/", "var/lib/dpkg/"];
    // (var/tmp: systemd-tmpfiles cleans it at boot, which changes the directory's mtime.)
    private static readonly string[] MountPoints = ["proc", "sys", "dev", "run", "tmp", "var/tmp", "job", "boot/efi"];

    private static List<(string Kind, string Path, string Detail)> Differences(string output) =>
        Regex.Matches(output, @"^(changed|missing|new) +(.*?)(?: \(([^()]*)\))?\r?$", RegexOptions.Multiline)
            .Select(m => (m.Groups[1].Value, m.Groups[2].Value, m.Groups[3].Value)).ToList();

    /// <summary>grub-install copies GRUB's modules, fonts and locales again: same content, only the mtime differs.</summary>
    private static bool IsGrubRewrite((string Kind, string Path, string Detail) d) =>
        d.Kind == "changed" && d.Path.StartsWith("boot/grub/", StringComparison.Ordinal) && Regex.IsMatch(d.Detail, @"^mtime [0-9.]+→[0-9.]+$");

    [Fact]
    public void Recovers_onto_a_blank_disk_of_the_same_size_and_boots() => RecoverAndBoot(backup.DiskBytes, "same");

    [Fact]
    public void Recovers_onto_a_blank_disk_one_and_a_half_times_larger_and_boots() => RecoverAndBoot(backup.DiskBytes / 2 * 3 / (1 << 20) * (1 << 20), "1.5x");

    private void RecoverAndBoot(long diskBytes, string tag)
    {
        Assert.SkipUnless(LongTests.Enabled, LongTests.Reason);
        var root = backup.Facts["ROOT_UUID"];
        var home = backup.Facts["HOME_UUID"];
        var ids = backup.ArchiveIds.ToList();
        Assert.Contains($"fs:ext4:{root}", ids);
        Assert.Contains($"fs:ext4:{home}", ids);
        var work = Path.Combine(backup.Work, "run-" + tag);
        Directory.CreateDirectory(work);
        var recovered = Path.Combine(work, "recovered.img");
        string recoverOut;
        TimeSpan recoverTime;
        TimeSpan guestUp;
        var vmStart = Stopwatch.StartNew();
        using (var vm = Mkcdrec.TestVm.TestVm.Start(new TestVmOptions
        {
            Disks = [diskBytes],
            MemoryMiB = 1536,
            Firmware = backup.Uefi ? Firmware.Uefi : Firmware.Bios,
            ExtraFiles = new Dictionary<string, string> { ["files/backup"] = backup.Backup },
        }))
        {
            guestUp = vmStart.Elapsed;
            var r = vm.Run("mkcdrec recover --backup /job/files/backup --unattended --map /dev/vda=$SCRATCH0 --journal /tmp/journal.json 2>&1", TimeSpan.FromMinutes(15));
            recoverOut = r.Stdout;
            recoverTime = r.Duration;
            Assert.True(r.ExitCode == 0, $"recover failed ({tag}):\n{ReferenceBackupFixture.Tail(r.Stdout, 6000)}\n{r.Stderr}");
            ReferenceBackupFixture.Log($"[{tag}] test guest up in {guestUp.TotalSeconds:0} s; mkcdrec recover took {r.Duration.TotalSeconds:0.0} s");

            // Every file against the manifest before anything boots: content hash and metadata, both filesystems.
            var cmp = vm.Run($$"""
                mkdir -p /mnt/chk
                mount -o ro ${SCRATCH0}2 /mnt/chk && mount -o ro ${SCRATCH0}3 /mnt/chk/home || exit 1
                mkcdrec verify --compare /job/files/backup --id fs:ext4:{{root}} --root /mnt/chk; echo "CMP-ROOT=$?"
                mkcdrec verify --compare /job/files/backup --id fs:ext4:{{home}} --root /mnt/chk/home; echo "CMP-HOME=$?"
                umount /mnt/chk/home /mnt/chk
                sgdisk -v $SCRATCH0
                e2fsck -fn ${SCRATCH0}2 >/dev/null && e2fsck -fn ${SCRATCH0}3 >/dev/null && echo FSCK-OK
                blkid -o value -s UUID ${SCRATCH0}2
                sync
                """, TimeSpan.FromMinutes(10));
            Assert.True(cmp.ExitCode == 0, $"compare after recovery failed ({tag}):\n{cmp.Stdout}\n{cmp.Stderr}");
            Assert.Contains("CMP-HOME=0", cmp.Stdout, StringComparison.Ordinal);
            Assert.Contains($"No differences between archive 'fs:ext4:{home}'", cmp.Stdout, StringComparison.Ordinal);

            // The root filesystem is identical but for what recovery itself writes: grub-install rewrites GRUB's
            // modules in /boot/grub (same content, new mtime), and the recovery log goes to /var/log/mkcdrec.
            var before = Differences(cmp.Stdout);
            var unexpectedBefore = before.Where(d => !(IsGrubRewrite(d) || d.Path.StartsWith("var/log/mkcdrec", StringComparison.Ordinal))).ToList();
            Assert.True(unexpectedBefore.Count == 0, $"differences after recovery ({tag}):\n" + string.Join('\n', unexpectedBefore.Select(d => $"{d.Kind} {d.Path} ({d.Detail})")));
            Assert.Contains(before, d => d.Kind == "new" && d.Path.StartsWith("var/log/mkcdrec/recover-", StringComparison.Ordinal));
            Assert.Contains("No problems found", cmp.Stdout, StringComparison.Ordinal);
            Assert.Contains("FSCK-OK", cmp.Stdout, StringComparison.Ordinal);
            Assert.Contains(root, cmp.Stdout, StringComparison.Ordinal);
            ReferenceBackupFixture.Log($"[{tag}] compare with the manifest before the first boot: /home identical; / identical but for {before.Count(IsGrubRewrite)} GRUB files grub-install rewrote and the recovery log");
            ReferenceBackupFixture.Shell("cp", $"--sparse=always {vm.DiskImages[0]} {recovered}");
        }

        // Same UUIDs everywhere: finalization must leave the configuration alone and not rebuild the initramfs.
        Assert.Contains("Every UUID is the same as in the layout", recoverOut, StringComparison.Ordinal);
        Assert.Contains("The initramfs is kept as restored", recoverOut, StringComparison.Ordinal);
        Assert.Contains(backup.Uefi ? "Installing GRUB for UEFI into /boot/efi" : "Installing GRUB for BIOS on /dev/vdb", recoverOut, StringComparison.Ordinal);
        Assert.Contains("Backup verified", recoverOut, StringComparison.Ordinal);

        // First boot of the recovered disk, alone but for the job disk with the check.
        var job = Path.Combine(work, "job");
        Directory.CreateDirectory(Path.Combine(job, "bin"));
        Directory.CreateDirectory(Path.Combine(job, "backup"));
        File.Copy(RepoPaths.MkcdrecBinary, Path.Combine(job, "bin", "mkcdrec"));
        File.Copy(Path.Combine(backup.Backup, "manifest.json"), Path.Combine(job, "backup", "manifest.json"));
        File.WriteAllText(Path.Combine(job, "job.sh"), $"""
            #!/bin/sh
            echo "ROOT-SOURCE=$(findmnt -n -o SOURCE /) HOME-SOURCE=$(findmnt -n -o SOURCE /home)"
            echo "SWAPS=$(tail -n +2 /proc/swaps | wc -l)"
            systemctl is-system-running
            mkcdrec verify --compare /job/backup --id fs:ext4:{root} --root /; echo "CMP-ROOT=$?"
            mkcdrec verify --compare /job/backup --id fs:ext4:{home} --root /home; echo "CMP-HOME=$?"
            exit 0
            """.Replace("\r", "", StringComparison.Ordinal));
        ReferenceBackupFixture.Shell("chmod", $"755 {job}/job.sh {job}/bin/mkcdrec");
        var jobImg = Path.Combine(work, "job.img");
        ReferenceBackupFixture.Shell("truncate", $"-s 256M {jobImg}");
        ReferenceBackupFixture.Shell("mkfs.ext4", $"-q -L MKJOB -d {job} {jobImg}");
        var boot = Qemu.Boot(Path.Combine(work, "boot"), recovered, snapshot: false, jobImg, uefi: backup.Uefi, TimeSpan.FromMinutes(8));
        var serial = boot.Serial;
        Assert.True(boot.BootedAfter is not null, $"the recovered system did not boot ({tag}):\n{ReferenceBackupFixture.Tail(serial)}");
        Assert.True(boot.Exited, $"the recovered system did not finish its check ({tag}):\n{ReferenceBackupFixture.Tail(serial)}");
        Assert.Contains("MKCDREC-JOB-RC=0", serial, StringComparison.Ordinal);
        Assert.Matches(@"SWAPS=1\b", serial);

        // After a boot, logs and systemd state differ from the backup; nothing else may, and nothing may be missing.
        var diffs = Differences(serial);
        var unexpected = diffs.Where(d => d.Kind == "missing"
            || !(IsGrubRewrite(d) || BootNoise.Any(n => d.Path.StartsWith(n, StringComparison.Ordinal)) || (d.Kind == "changed" && MountPoints.Contains(d.Path)))).ToList();
        Assert.True(unexpected.Count == 0, $"differences after the first boot ({tag}):\n" + string.Join('\n', unexpected.Select(d => $"{d.Kind} {d.Path} ({d.Detail})")));
        Assert.Contains("CMP-HOME=0", serial, StringComparison.Ordinal);

        ReferenceBackupFixture.Log($"[{tag}] PHASES: backup {backup.BackupPhase.TotalSeconds:0} s (mkbackuponly {backup.BackupSeconds} s, {backup.BackupBytes / 1048576.0:0} MiB), " +
            $"recovery {recoverTime.TotalSeconds:0} s (+ test guest start {guestUp.TotalSeconds:0} s), " +
            $"first boot to multi-user {boot.BootedAfter!.Value.TotalSeconds:0} s; {diffs.Count} boot-time differences (logs, systemd state)");
        File.Delete(recovered);
    }
}
