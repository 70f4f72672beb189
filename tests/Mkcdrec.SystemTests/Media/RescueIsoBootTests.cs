using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Mkcdrec.Core.Media;
using Mkcdrec.Core.Platform;
using Mkcdrec.Core.Rescue;
using Mkcdrec.Platform.Linux;
using Mkcdrec.SystemTests.Rescue;
using Mkcdrec.Tests.Shared;
using Mkcdrec.TestVm;

namespace Mkcdrec.SystemTests.Media;

/// <summary>
/// The media of issue 5 end to end with the real product: a small backup (<c>mkcdrec archive create</c>, several
/// volumes) and this host's layout; <c>mkcdrec mkbackup --use-backup</c> builds the REAL rescue system from this host
/// (Debian's kernel, its modules, the host's programs, out/linux-x64/mkcdrec) and writes one ISO carrying the backup;
/// the same initramfs (taken back from that ISO, so it is built once) goes with <c>--initrd</c> into a two-medium set
/// (<c>--medium SIZE</c>). Built lazily by the first test that needs it; every test boots a medium in QEMU.
/// </summary>
public sealed class RescueIsoFixture : IDisposable
{
    public const string OneLabel = "MKCDREC_RESCUEISO";
    public const string SetLabel = "MKCDREC_RESCUESET";

    private readonly Lazy<RescueMedia> _media;

    public RescueIsoFixture()
    {
        Kernel = new RescueSystemBuilder(new SystemFiles(), new ProcessRunner(NullLog.Instance)).InstalledKernels().LastOrDefault();
        var missing = new[] { "qemu-system-x86_64", "xorriso", "grub-mkimage", "mcopy", "mkfs.vfat" }.Where(t => !Tool.Exists(t)).ToList();
        SkipReason = Kernel is null ? "no /boot/vmlinuz-* with modules (CI installs linux-image-amd64)"
            : !File.Exists(RepoPaths.MkcdrecBinary) ? $"{RepoPaths.MkcdrecBinary} is missing: run ./build.sh"
            : missing.Count > 0 ? "not installed: " + string.Join(", ", missing)
            : null;
        Dir = Tool.TempDir("rescueiso");
        _media = new Lazy<RescueMedia>(Build, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    public string? Kernel { get; }

    public string? SkipReason { get; }

    public string Dir { get; }

    /// <summary>The backup, the ISO and the set; built on first use (a failure is rethrown to every test).</summary>
    public RescueMedia Media
    {
        get
        {
            Assert.SkipWhen(SkipReason is not null, SkipReason ?? "");
            return _media.Value;
        }
    }

    public sealed record RescueMedia(
        IReadOnlyList<string> Volumes,
        string Iso,
        string SetIso1,
        string SetIso2,
        IReadOnlyList<string> VolumesOnMedium2);

    private RescueMedia Build()
    {
        var bin = RepoPaths.MkcdrecBinary;

        // 1. A backup of ~4 MiB of incompressible data in 1 MiB volumes, and this host's layout.
        var backup = Path.Combine(Dir, "backup");
        var volumes = SmallBackup.Create(Dir, backup, files: 4, seed: 5, step: 1000, "carried on the rescue medium\n");
        Assert.True(volumes.Count >= 4, $"{volumes.Count} volumes: " + string.Join(' ', volumes));
        var layout = Path.Combine(Dir, "layout.json");
        Tool.Checked(bin, ["layout", "save", "-o", layout, "--log", Path.Combine(Dir, "layout.log")]);

        // 2. One ISO with the backup: mkbackup builds the rescue system from this host (the product's own path).
        var outOne = Path.Combine(Dir, "one");
        var sw = Stopwatch.StartNew();
        var mk = Tool.Run(bin, ["mkbackup", "--use-backup", backup, "--kernel", Kernel!, "--layout", layout, "--label", OneLabel, "--timeout", "1",
            "--output", outOne, "--log", Path.Combine(Dir, "mkbackup-one.log")]);
        var mkTime = sw.Elapsed;
        Assert.True(mk.ExitCode == 0, $"mkbackup failed ({mk.ExitCode}):\n{mk.StdOut}{mk.StdErr}\n{ReadLog("mkbackup-one.log")}");
        var iso = Directory.GetFiles(outOne, "*.iso").Single();
        var rescueLine = mk.StdOut.Split('\n').FirstOrDefault(l => l.StartsWith("Rescue system:", StringComparison.Ordinal))?.Trim() ?? "(no rescue system line)";
        Timings.Report($"mkbackup (rescue system built from this host + one ISO): {mkTime.TotalSeconds:0.0} s; {rescueLine}");

        // 3. The same initramfs, taken back from that ISO, for a two-medium set: room on medium 1 for two volumes.
        var initrd = Path.Combine(Dir, "initrd.img");
        Tool.Checked("xorriso", ["-osirrox", "on", "-indev", iso, "-extract", "/boot/initrd.img", initrd]);
        var common = MediumPlanner.IsoCost(new FileInfo(Path.Combine(backup, "manifest.json")).Length) + MediumPlanner.IsoCost(64 << 10);
        var first = MediumPlanner.IsoCost(new FileInfo(Kernel!).Length) + MediumPlanner.IsoCost(new FileInfo(initrd).Length) + MediaWriter.BootFilesReserve;
        var capacity = MediumPlanner.IsoOverhead + common + first + (2 * MediumPlanner.IsoCost(1 << 20)) + 8192;
        var outSet = Path.Combine(Dir, "set");
        sw.Restart();
        var set = Tool.Run(bin, ["mkbackup", "--use-backup", backup, "--medium", capacity.ToString(CultureInfo.InvariantCulture), "--kernel", Kernel!, "--initrd", initrd,
            "--layout", layout, "--label", SetLabel, "--timeout", "1", "--output", outSet, "--log", Path.Combine(Dir, "mkbackup-set.log")]);
        var setTime = sw.Elapsed;
        Assert.True(set.ExitCode == 0, $"mkbackup --medium failed ({set.ExitCode}):\n{set.StdOut}{set.StdErr}\n{ReadLog("mkbackup-set.log")}");
        var isos = Directory.GetFiles(outSet, "*.iso").Order(StringComparer.Ordinal).ToList();
        Assert.Equal(2, isos.Count);
        Assert.All(isos, i => Assert.True(new FileInfo(i).Length <= capacity, $"{i}: {new FileInfo(i).Length} > {capacity}"));
        var onMedium2 = Tool.Checked("xorriso", ["-indev", isos[1], "-find", "/backup", "-type", "f"]).StdOut.Split('\n')
            .Select(l => l.Trim().Trim('\'')).Where(l => l.StartsWith("/backup/", StringComparison.Ordinal)).Select(f => Path.GetFileName(f))
            .Where(f => f != "manifest.json").Order(StringComparer.Ordinal).ToList();
        Assert.NotEmpty(onMedium2);
        Assert.True(onMedium2.Count < volumes.Count, "medium 2 holds every volume");

        Timings.Report($"rescue initramfs {Mib(new FileInfo(initrd).Length)} MiB, kernel {Mib(new FileInfo(Kernel!).Length)} MiB; ISO with the backup {Mib(new FileInfo(iso).Length)} MiB " +
                       $"({volumes.Count} volumes); set of two (--medium {capacity}, --initrd): {Mib(new FileInfo(isos[0]).Length)} + {Mib(new FileInfo(isos[1]).Length)} MiB " +
                       $"({onMedium2.Count} volumes on medium 2), written in {setTime.TotalSeconds:0.0} s");
        return new RescueMedia(volumes, iso, isos[0], isos[1], onMedium2);
    }

    private string ReadLog(string name)
    {
        var p = Path.Combine(Dir, name);
        return File.Exists(p) ? SerialGuest.Tail(File.ReadAllText(p), 6000) : "";
    }

    internal static string Mib(long bytes) => (bytes / 1048576.0).ToString("0.0", CultureInfo.InvariantCulture);

    public void Dispose() => Tool.RemoveDir(Dir);
}

/// <summary>
/// Issue 5's evidence: the rescue ISO built on this host (<see cref="RescueIsoFixture"/>) boots in QEMU under SeaBIOS and
/// OVMF as a CD-ROM on a VM with two blank virtio disks and QEMU's user network; over the serial console the rescue menu
/// comes up listing both disks (size, serial) and the DHCP lease (10.0.2.15), and its "Verify backup" entry passes on the
/// backup carried on the ISO. A two-medium set boots from medium 1; Verify asks for medium 2 by its label, the test
/// inserts it into the empty second CD drive through the QEMU monitor and presses Enter, and the volumes of medium 2
/// are read from it.
/// </summary>
public sealed partial class RescueIsoBootTests(RescueIsoFixture fixture, ITestOutputHelper output) : IClassFixture<RescueIsoFixture>
{
    private static readonly TimeSpan BootTimeout = TimeSpan.FromMinutes(5);

    [Theory]
    [InlineData(Firmware.Bios)]
    [InlineData(Firmware.Uefi)]
    public void The_rescue_iso_boots_to_the_menu_with_both_disks_and_a_dhcp_lease_and_verifies_the_backup_it_carries(Firmware firmware)
    {
        if (firmware == Firmware.Uefi)
        {
            Assert.SkipUnless(File.Exists(SerialGuest.OvmfCode) && File.Exists(SerialGuest.OvmfVars), "OVMF is not installed");
        }

        var media = fixture.Media;
        var dir = Path.Combine(fixture.Dir, "boot-" + firmware.ToString().ToLowerInvariant());
        Directory.CreateDirectory(dir);
        try
        {
            var disks = new[] { ("disk1.img", 1L << 30), ("disk2.img", 2L << 30) };
            foreach (var (name, size) in disks)
            {
                using var f = File.Create(Path.Combine(dir, name));
                f.SetLength(size);
            }

            var args = SerialGuest.BaseArguments(firmware, ovmfVarsCopy: Path.Combine(dir, "OVMF_VARS.fd"));
            args.AddRange([
                "-monitor", "none",
                "-drive", $"file={media.Iso},if=none,id=cd,media=cdrom,readonly=on", "-device", "ide-cd,drive=cd,bootindex=0",
                "-netdev", "user,id=net0,restrict=on", "-device", "virtio-net-pci,netdev=net0,romfile=", // no iPXE ROM: nothing to PXE-boot
                "-drive", $"file={Path.Combine(dir, "disk1.img")},if=none,id=d1,format=raw", "-device", "virtio-blk-pci,drive=d1,serial=RESCUE-D1",
                "-drive", $"file={Path.Combine(dir, "disk2.img")},if=none,id=d2,format=raw", "-device", "virtio-blk-pci,drive=d2,serial=RESCUE-D2",
            ]);
            using var g = new SerialGuest(args);
            var menu = new RescueMenu(g);
            string screen;
            try
            {
                screen = menu.WaitForMenu(BootTimeout);
            }
            finally
            {
                output.WriteLine(SerialGuest.Tail(g.Text, 12000));
            }

            var boot = g.Started.Elapsed;
            Timings.Report($"rescue ISO, {firmware}: boot to menu {boot.TotalSeconds:0.0} s (QEMU TCG, -smp 1, CD-ROM)");

            // The boot menu's default entry ran the rescue system; /init found the medium by its label and mounted it.
            Assert.Matches(@"vda\s+1\.0 GiB.*RESCUE-D1", screen);
            Assert.Matches(@"vdb\s+2\.0 GiB.*RESCUE-D2", screen);
            Assert.Matches(@"sr0\s.*\(rescue medium\)", screen);
            Assert.Matches(@"Network: .*10\.0\.2\.15/24", screen);
            Assert.Contains("Backup:  /run/mkcdrec/medium/backup", screen, StringComparison.Ordinal);
            Assert.Contains("5) Verify backup", screen, StringComparison.Ordinal);

            // Verify backup (menu entry 5): mkcdrec verify /run/mkcdrec/medium/backup.
            var from = menu.At;
            var sw = Stopwatch.StartNew();
            menu.Choose("5"); // Verify backup
            var done = menu.Expect(@"verify: exit (\d+)", TimeSpan.FromMinutes(3));
            var verify = g.Text[from..done.Index];
            output.WriteLine(verify);
            Timings.Report($"rescue ISO, {firmware}: Verify backup {sw.Elapsed.TotalSeconds:0.0} s ({media.Volumes.Count} volumes)");
            Assert.Equal("0", done.Groups[1].Value);
            foreach (var v in media.Volumes)
            {
                Assert.Matches($@"ok +{Regex.Escape(v)}: \d+ bytes, SHA-256 and chunk hashes match", verify);
            }

            Assert.Contains("every content hash matches", verify, StringComparison.Ordinal);

            menu.Expect("Press Enter to return to the menu", TimeSpan.FromSeconds(30));
            menu.Choose("");
            menu.WaitForMenu(TimeSpan.FromSeconds(60));
            menu.PowerOff();
        }
        finally
        {
            Tool.RemoveDir(dir);
        }
    }

    /// <summary>
    /// The ISO's kernel and initramfs started by another boot loader (here QEMU's -kernel), without mkcdrec.medium=:
    /// /init finds the medium by what it holds. Medium 2 of a set of the same host sits in the first drive and is
    /// passed over for medium 1 (the ISO with the whole backup) in the second.
    /// </summary>
    [Fact]
    public void Booted_without_its_medium_label_the_rescue_system_finds_its_medium_by_what_it_holds()
    {
        var media = fixture.Media;
        var dir = Path.Combine(fixture.Dir, "boot-nolabel");
        Directory.CreateDirectory(dir);
        try
        {
            foreach (var f in new[] { "vmlinuz", "initrd.img" })
            {
                Tool.Checked("xorriso", ["-osirrox", "on", "-indev", media.Iso, "-extract", "/boot/" + f, Path.Combine(dir, f)]);
            }

            var args = SerialGuest.BaseArguments(Firmware.Bios);
            args.AddRange([
                "-monitor", "none", "-kernel", Path.Combine(dir, "vmlinuz"), "-initrd", Path.Combine(dir, "initrd.img"),
                "-append", "console=ttyS0,115200 mkcdrec.net=off",
                "-drive", $"file={media.SetIso2},media=cdrom,if=ide,index=2,readonly=on",
                "-drive", $"file={media.Iso},media=cdrom,if=ide,index=3,readonly=on",
            ]);
            using var g = new SerialGuest(args);
            var menu = new RescueMenu(g);
            var screen = BootToMenu(menu);

            Timings.Report($"no mkcdrec.medium=: boot to menu with the medium found by its contents {g.Started.Elapsed.TotalSeconds:0.0} s");
            Assert.Matches($@"medium {RescueIsoFixture.OneLabel}: /dev/sr1 found by its contents \(the backup of \S+\) and mounted at /run/mkcdrec/medium", g.Text);
            Assert.Contains("Backup:  /run/mkcdrec/medium/backup", screen, StringComparison.Ordinal);
            menu.PowerOff();
        }
        finally
        {
            Tool.RemoveDir(dir);
        }
    }

    [Fact]
    public void A_two_medium_set_boots_from_medium_1_and_verify_asks_for_medium_2_by_label_and_reads_it()
    {
        var media = fixture.Media;
        var dir = Path.Combine(fixture.Dir, "boot-set");
        Directory.CreateDirectory(dir);
        var label2 = RescueIsoFixture.SetLabel + "_2";
        try
        {
            var monitor = Path.Combine(dir, "monitor.sock");
            var args = SerialGuest.BaseArguments(Firmware.Bios);
            args.AddRange([
                "-monitor", $"unix:{monitor},server,nowait", "-boot", "d",
                "-drive", $"file={media.SetIso1},media=cdrom,if=ide,index=2,readonly=on",
                "-drive", "media=cdrom,if=ide,index=3,id=cd2", // empty: medium 2 goes in when asked
            ]);
            using var g = new SerialGuest(args, monitor);
            var menu = new RescueMenu(g);
            var screen = BootToMenu(menu);

            Timings.Report($"set medium 1, Bios: boot to menu {g.Started.Elapsed.TotalSeconds:0.0} s");
            Assert.Contains("Backup:  /run/mkcdrec/medium/backup", screen, StringComparison.Ordinal);

            // Verify backup: the volumes of medium 1 are read, then mkcdrec asks for medium 2 by its label.
            var from = menu.At;
            var sw = Stopwatch.StartNew();
            menu.Choose("5"); // Verify backup
            var ask = menu.Expect($@"The backup volume (\S+) is on medium 2 of 2\. Insert medium {label2} and press Enter \(q to give up\): ", TimeSpan.FromMinutes(3));
            Assert.Equal(media.VolumesOnMedium2[0], ask.Groups[1].Value);
            var asked = sw.Elapsed;
            var answer = g.Monitor($"change cd2 {media.SetIso2}");
            Assert.DoesNotMatch(@"(?i)not found|could not|error", answer.Replace($"change cd2 {media.SetIso2}", "", StringComparison.Ordinal));
            Thread.Sleep(3000); // the drive reports the new disc
            menu.Choose("");

            // A slow drive may not show the disc yet: mkcdrec then asks again, and Enter is pressed again.
            var prompts = 1;
            Match done;
            while (true)
            {
                var m = menu.Expect(@"verify: exit (\d+)|Insert medium \S+ and press Enter \(q to give up\): ", TimeSpan.FromMinutes(3));
                if (m.Value.StartsWith("verify", StringComparison.Ordinal))
                {
                    done = m;
                    break;
                }

                Assert.True(++prompts <= 4, "mkcdrec kept asking for medium 2:\n" + SerialGuest.Tail(g.Text, 3000));
                Thread.Sleep(3000);
                menu.Choose("");
            }

            var verify = g.Text[from..done.Index];
            output.WriteLine(verify);
            Timings.Report($"set: Verify backup {sw.Elapsed.TotalSeconds:0.0} s in all, medium 2 asked for after {asked.TotalSeconds:0.0} s, {prompts} prompt(s)");
            Assert.Equal("0", done.Groups[1].Value);
            foreach (var v in media.Volumes)
            {
                Assert.Matches($@"ok +{Regex.Escape(v)}: \d+ bytes, SHA-256 and chunk hashes match", verify);
            }

            Assert.Contains("every content hash matches", verify, StringComparison.Ordinal);

            // Medium 2 was found in the second drive, mounted, and the volumes it holds were read from it.
            menu.Expect("Press Enter to return to the menu", TimeSpan.FromSeconds(30));
            menu.Choose("");
            menu.WaitForMenu(TimeSpan.FromSeconds(60));
            menu.EnterShell();
            var (rc, log) = menu.Run("grep -h 'medium 2 of 2' /var/log/mkcdrec/mkcdrec-verify-*.log; grep ' /run/mkcdrec/media/' /proc/mounts");
            output.WriteLine(log);
            Assert.Equal(0, rc);
            Assert.Contains($"volume {media.VolumesOnMedium2[0]}: asking for medium 2 of 2 ({label2})", log, StringComparison.Ordinal);
            Assert.Contains($"volume {media.VolumesOnMedium2[0]}: on medium 2 of 2 ({label2}) at /dev/sr1", log, StringComparison.Ordinal);
            Assert.Matches($@"/dev/sr1 /run/mkcdrec/media/{label2} iso9660 ro", log);
            var (rc2, files) = menu.Run($"ls /run/mkcdrec/media/{label2}/backup; ls /run/mkcdrec/medium/backup");
            Assert.Equal(0, rc2);
            output.WriteLine(files);
            menu.LeaveShell();
            menu.PowerOff();
        }
        finally
        {
            Tool.RemoveDir(dir);
        }
    }

    /// <summary>Waits for the menu; the console's end goes to the test output either way.</summary>
    private string BootToMenu(RescueMenu menu)
    {
        try
        {
            return menu.WaitForMenu(BootTimeout);
        }
        finally
        {
            output.WriteLine(SerialGuest.Tail(menu.Guest.Text, 8000));
        }
    }
}
