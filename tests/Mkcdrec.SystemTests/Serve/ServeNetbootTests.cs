using System.Diagnostics;
using System.Text.RegularExpressions;
using Mkcdrec.Core.Platform;
using Mkcdrec.Core.Rescue;
using Mkcdrec.Platform.Linux;
using Mkcdrec.SystemTests.Media;
using Mkcdrec.SystemTests.Rescue;
using Mkcdrec.Tests.Shared;
using Mkcdrec.TestVm;
using Mkcdrec.TestVm.Serve;

namespace Mkcdrec.SystemTests.Serve;

/// <summary>
/// <c>mkcdrec serve</c> for real on a segment of the test's own (a network namespace with a bridge and tap devices):
/// the REAL netboot rescue system built from this host and a small backup; serve's dnsmasq gives leases and GRUB by
/// TFTP, serve's HTTP the kernel, initramfs and backup. Three QEMU clients boot by PXE at once: a SeaBIOS one whose MAC
/// the hosts file lists as a clone boots the automatic recovery of the backup with its own hostname, a new machine-id
/// and new SSH host keys; an OVMF one not in the file gets the rescue menu; an OVMF one listed as local starts the
/// loader on its own disk's ESP. Bad input is refused before anything is served. docs/serve.md.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class ServeNetbootTests(ITestOutputHelper output)
{
    private const string ListedMac = "52:54:00:77:00:01";
    private const string OtherMac = "52:54:00:77:00:02";
    private const string LocalMac = "52:54:00:77:00:03";
    private const string LocalDiskMarker = "MKCDREC-TEST: the loader on the local disk runs";

    [Fact]
    public void Pxe_clients_boot_from_serve_a_listed_clone_recovers_unattended_with_its_identity_an_unlisted_one_gets_the_menu()
    {
        Tool.SkipUnlessTool("qemu-system-x86_64");
        Tool.SkipUnlessTool("dnsmasq");
        var kernel = new RescueSystemBuilder(new SystemFiles(), new ProcessRunner(NullLog.Instance)).InstalledKernels().LastOrDefault();
        Assert.SkipWhen(kernel is null, "no /boot/vmlinuz-* with modules (CI installs linux-image-amd64)");
        Assert.SkipUnless(File.Exists(RepoPaths.MkcdrecBinary), $"{RepoPaths.MkcdrecBinary} is missing: run ./build.sh");
        var bin = RepoPaths.MkcdrecBinary;
        var dir = Tool.TempDir("serve");
        try
        {
            var backup = Path.Combine(dir, "backup");
            var volumes = SmallBackup.Create(dir, backup, files: 3, seed: 21, step: 997, "served to the segment\n");
            var layout = Path.Combine(dir, "layout.json");
            Tool.Checked(bin, ["layout", "save", "-o", layout, "--log", Path.Combine(dir, "layout.log")]);
            var netboot = Path.Combine(dir, "netboot");
            Tool.Checked(bin, ["mkrescue", "--format", "netboot", "--output", netboot, "--kernel", kernel!, "--layout", layout, "--log", Path.Combine(dir, "mkrescue.log")]);
            var hosts = Path.Combine(dir, "hosts");
            File.WriteAllText(hosts, $"# test clients\n{ListedMac} web7 clone\n{LocalMac} db2 local\n");
            using var segment = new ServeSegment(taps: 3);
            var runDir = Path.Combine(dir, "run");
            string[] common = ["--backup", backup, "--netboot", netboot, "--interface", ServeSegment.Bridge, "--timeout", "1", "--run-dir", runDir];

            RefusesBadInput(segment, dir, common, backup, runDir);

            var sw = Stopwatch.StartNew();
            using var serve = new ServeProcess(segment.Namespace, [.. common, "--hosts", hosts, "--log", Path.Combine(dir, "serve.log")]);
            Assert.True(serve.WaitFor("Stop with Ctrl-C.", TimeSpan.FromSeconds(60)), "serve did not start:\n" + serve.Output);
            Timings.Report($"serve: verified the backup and ready in {sw.Elapsed.TotalSeconds:0.0} s");
            Assert.Contains("Serving on br0 (10.77.0.1): DHCP 10.77.0.100-10.77.0.199, TFTP, HTTP on port 8080; 1 backup(s), 2 client(s) in the hosts file.", serve.Output, StringComparison.Ordinal);
            Assert.Contains($"  {ListedMac} web7: unattended clone (new machine-id and SSH host keys) of http://10.77.0.1:8080/backup", serve.Output, StringComparison.Ordinal);
            Assert.Contains($"  {LocalMac} db2: its own disk (the rescue menu second) of http://10.77.0.1:8080/backup", serve.Output, StringComparison.Ordinal);

            using var local = Client(segment, dir, 2, LocalMac, Firmware.Uefi, EspDisk(dir));
            using var bios = Client(segment, dir, 0, ListedMac, Firmware.Bios);
            using var uefi = Client(segment, dir, 1, OtherMac, Firmware.Uefi);
            var listed = new RescueMenu(bios);
            var other = new RescueMenu(uefi);
            try
            {
                // The local client: serve's GRUB chain-loads the removable-path loader of its disk's ESP (not the
                // firmware's next boot option, which with the network first is the network again). Stopped once there.
                var chosen = local.WaitFor(@"Booting `Boot from the local disk \(db2\)'", 0, TimeSpan.FromMinutes(4));
                local.WaitFor(Regex.Escape(LocalDiskMarker), chosen.Index, TimeSpan.FromMinutes(2));
                Timings.Report($"serve: the local UEFI client ran its own disk's loader after {local.Started.Elapsed.TotalSeconds:0.0} s");
                local.Dispose();

                // The listed client, a clone: GRUB chose its automatic recovery; the rescue system fetched the backup from serve
                // and started the unattended recovery with the client's own identity, which stops (this backup is no
                // system's) before touching a disk.
                listed.Expect(@"Booting `mkcdrec automatic recovery \(web7\)'", TimeSpan.FromMinutes(4));
                listed.Expect("mkcdrec: fetching the backup from http://10.77.0.1:8080/backup", TimeSpan.FromMinutes(4));
                listed.Expect("mkcdrec recover --backup /run/mkcdrec/backup --hostname web7 --new-machine-id --new-ssh-host-keys --report-url http://10.77.0.1:8080/report --unattended --yes", TimeSpan.FromMinutes(2));
                listed.Expect("UNATTENDED RECOVERY FAILED", TimeSpan.FromMinutes(3));
                Assert.Contains(" Becomes: web7, with a new machine-id and new SSH host keys", listed.WaitForMenu(TimeSpan.FromMinutes(1)), StringComparison.Ordinal);
                var listedUp = bios.Started.Elapsed;

                // The other client: the rescue entry, the backup fetched for the menu, no recovery.
                other.Expect(@"Booting `mkcdrec rescue'", TimeSpan.FromMinutes(4));
                var screen = other.WaitForMenu(TimeSpan.FromMinutes(4));
                Assert.Contains("Backup:  /run/mkcdrec/backup", screen, StringComparison.Ordinal);
                Assert.Contains("UEFI", screen, StringComparison.Ordinal);
                Assert.DoesNotContain("UNATTENDED", uefi.Text, StringComparison.Ordinal);
                other.EnterShell();
                var (rc, cmdline) = other.Run("cat /proc/cmdline");
                Assert.Equal(0, rc);
                Assert.Contains("mkcdrec.backup=http://10.77.0.1:8080/backup", cmdline, StringComparison.Ordinal);
                Assert.DoesNotContain("mkcdrec.auto", cmdline, StringComparison.Ordinal);
                Timings.Report($"serve: two PXE clients at once (TCG, -smp 1): the listed BIOS one at its failed-as-expected recovery's menu {listedUp.TotalSeconds:0.0} s, the UEFI one at the menu {uefi.Started.Elapsed.TotalSeconds:0.0} s");
            }
            finally
            {
                output.WriteLine("=== BIOS client\n" + SerialGuest.Tail(bios.Text, 6000));
                output.WriteLine("=== UEFI client\n" + SerialGuest.Tail(uefi.Text, 6000));
                output.WriteLine("=== local UEFI client\n" + SerialGuest.Tail(local.Text, 3000));
                output.WriteLine("=== serve\n" + serve.Output);
            }

            Assert.Equal(0, serve.Stop());
            var said = serve.Output;
            foreach (var phase in new[] { "leased 10.77.0.", "boot loader (TFTP)", "kernel (HTTP)", "initramfs (HTTP)", "fetching the backup (HTTP)" })
            {
                Assert.Matches($@"web7 {ListedMac} 10\.77\.0\.\d+: {Regex.Escape(phase)}", said);
                Assert.Matches($@"\(not in the hosts file\) {OtherMac} 10\.77\.0\.\d+: {Regex.Escape(phase)}", said);
            }

            // What the rescue systems reported back (mkcdrec.report=): the clone's recovery and its failure, the other at its menu.
            Assert.Matches($@"web7 {ListedMac} 10\.77\.0\.\d+: rescue system: recovering unattended", said);
            Assert.Matches($@"web7 {ListedMac} 10\.77\.0\.\d+: rescue system: recovery FAILED \(exit \d+\), [\d.]+ MiB over HTTP; ERROR recovery FAILED", said);
            Assert.Matches($@"\(not in the hosts file\) {OtherMac} 10\.77\.0\.\d+: rescue system: at the rescue menu", said);

            // The summary at the end: each client got the kernel, the initramfs and the whole backup from serve.
            Assert.Contains("serve stopped; 3 client(s) served:", said, StringComparison.Ordinal);
            Assert.Matches($@"db2 {LocalMac} 10\.77\.0\.\d+: boot menu \(TFTP\)", said);
            Assert.DoesNotMatch($@"db2 {LocalMac} [\d.]+: kernel", said);
            var backupBytes = Directory.GetFiles(backup).Sum(f => new FileInfo(f).Length);
            var kernelAndInitrd = new FileInfo(Path.Combine(netboot, "vmlinuz")).Length + new FileInfo(Path.Combine(netboot, "initrd.img")).Length;
            foreach (var mac in new[] { ListedMac, OtherMac })
            {
                var last = Regex.Matches(said, $@"{mac} [\d.]+: [^,]+, ([\d.]+) MiB over HTTP").Last();
                var mib = double.Parse(last.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
                Assert.InRange(mib, (kernelAndInitrd + backupBytes) / 1048576.0 - 0.1, (kernelAndInitrd + backupBytes) / 1048576.0 + 0.1);
            }

            Assert.False(Directory.Exists(runDir), "serve left its run directory");
            Assert.Empty(HostProcess.Run("pgrep", ["-f", "conf-file=" + runDir]).Stdout.Trim());
            Assert.Contains("dnsmasq: ", File.ReadAllText(Path.Combine(dir, "serve.log")), StringComparison.Ordinal);
        }
        finally
        {
            Tool.RemoveDir(dir);
        }
    }

    /// <param name="disk">A disk of the test's own, in the boot order after the network (OVMF connects no other disk
    /// before it boots, so GRUB would not see it); null: a blank 1 GiB one outside the boot order.</param>
    private static SerialGuest Client(ServeSegment segment, string dir, int i, string mac, Firmware firmware, string? disk = null)
    {
        var bootIndex = disk is null ? "" : ",bootindex=2";
        if (disk is null)
        {
            disk = Path.Combine(dir, $"client{i}.img");
            using var f = File.Create(disk);
            f.SetLength(1L << 30);
        }

        var args = SerialGuest.BaseArguments(firmware, memoryMiB: 1536, ovmfVarsCopy: firmware == Firmware.Uefi ? Path.Combine(dir, $"vars{i}.fd") : null);
        args.AddRange(["-monitor", "none", "-drive", $"file={disk},if=none,id=d{i},format=raw", "-device", $"virtio-blk-pci,drive=d{i},serial=SERVE-C{i}{bootIndex}"]);
        args.AddRange(ServeSegment.Nic(i, mac));
        return new SerialGuest(args, networkNamespace: segment.Namespace);
    }

    /// <summary>A GPT disk whose ESP has only \EFI\BOOT\BOOTX64.EFI: a standalone GRUB that says it runs (made with
    /// grub-mkstandalone, mkfs.vfat and mtools: no loop device, no mount).</summary>
    private static string EspDisk(string dir)
    {
        var cfg = Path.Combine(dir, "local.cfg");
        File.WriteAllText(cfg, $"serial --unit=0 --speed=115200\nterminal_output serial console\necho \"{LocalDiskMarker}\"\nsleep 600\n");
        var loader = Path.Combine(dir, "BOOTX64.EFI");
        Tool.Checked("grub-mkstandalone", ["-O", "x86_64-efi", "-o", loader, "--install-modules=normal echo serial terminal sleep", "--locales=", "--fonts=", "--themes=",
            "boot/grub/grub.cfg=" + cfg]);
        var fat = Path.Combine(dir, "esp.fat");
        Tool.Checked("mkfs.vfat", ["-C", fat, "32768"]);
        Tool.Checked("mmd", ["-i", fat, "::/EFI", "::/EFI/BOOT"]);
        Tool.Checked("mcopy", ["-i", fat, loader, "::/EFI/BOOT/BOOTX64.EFI"]);
        var disk = Path.Combine(dir, "local.img");
        using (var f = File.Create(disk))
        {
            f.SetLength(64L << 20);
        }

        Tool.Checked("sgdisk", ["-n", "1:2048:+32M", "-t", "1:ef00", disk]);
        Tool.Checked("dd", ["if=" + fat, "of=" + disk, "bs=512", "seek=2048", "conv=notrunc", "status=none"]);
        return disk;
    }

    /// <summary>Refused before anything is served: a missing interface, a --dhcp-range outside the subnet, no root, a MAC twice in the hosts file, a damaged backup.</summary>
    private void RefusesBadInput(ServeSegment segment, string dir, string[] common, string backup, string runDir)
    {
        Tool.Result Serve(params string[] args) => Tool.Run("ip", ["netns", "exec", segment.Namespace, RepoPaths.MkcdrecBinary, "serve", .. args, "--log", Path.Combine(dir, "refused.log")]);

        var noIf = Serve([.. common.Select(a => a == ServeSegment.Bridge ? "eth9" : a)]);
        Assert.Equal(2, noIf.ExitCode);
        Assert.Contains("There is no network interface 'eth9' on this machine.", noIf.StdErr, StringComparison.Ordinal);
        Assert.Contains("br0, tap0, tap1", noIf.StdErr, StringComparison.Ordinal);

        var range = Serve([.. common, "--dhcp-range", "10.78.0.100,10.78.0.199"]);
        Assert.Equal(2, range.ExitCode);
        Assert.Contains("--dhcp-range 10.78.0.100,10.78.0.199: 10.78.0.100 is not a host address of br0's subnet 10.77.0.0/24.", range.StdErr, StringComparison.Ordinal);

        // Not root: said before anything starts (dnsmasq could not bind ports 67 and 69). A copy anyone may run.
        var nobodyDir = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "mkcdrec-serve-nobody-" + Guid.NewGuid().ToString("N")), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
            | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute).FullName;
        Tool.Result notRoot;
        try
        {
            var copy = Path.Combine(nobodyDir, "mkcdrec");
            File.Copy(RepoPaths.MkcdrecBinary, copy);
            File.SetUnixFileMode(copy, (UnixFileMode)0x1ED);
            notRoot = Tool.Run("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", copy, "serve", .. common], workingDirectory: nobodyDir);
        }
        finally
        {
            Tool.RemoveDir(nobodyDir);
        }

        Assert.Equal(3, notRoot.ExitCode);
        Assert.Contains("'mkcdrec serve' (DHCP and TFTP on ports 67 and 69, through dnsmasq) needs root privileges.", notRoot.StdErr, StringComparison.Ordinal);

        var twice = Path.Combine(dir, "hosts-twice");
        File.WriteAllText(twice, $"{ListedMac} web1 recover\n{ListedMac.ToUpperInvariant()} web2 menu\n");
        var dup = Serve([.. common, "--hosts", twice]);
        Assert.Equal(2, dup.ExitCode);
        Assert.Contains($"{twice}:2: the MAC {ListedMac} is on lines 1 and 2.", dup.StdErr, StringComparison.Ordinal);

        var damaged = Path.Combine(dir, "damaged");
        Tool.Checked("cp", ["-a", backup, damaged]);
        var volume = Directory.GetFiles(damaged, "*.tar.*").Order(StringComparer.Ordinal).First();
        var bytes = File.ReadAllBytes(volume);
        bytes[bytes.Length / 2] ^= 0x55;
        File.WriteAllBytes(volume, bytes);
        var bad = Serve([.. common.Select(a => a == backup ? damaged : a)]);
        Assert.Equal(4, bad.ExitCode);
        Assert.Contains($"The backup {damaged} fails verification: volume {Path.GetFileName(volume)}", bad.StdErr, StringComparison.Ordinal);
        output.WriteLine(noIf.StdErr + range.StdErr + notRoot.StdErr + dup.StdErr + bad.StdErr);

        // Nothing was served: no run directory, no dnsmasq.
        Assert.False(Directory.Exists(runDir));
        Assert.Empty(HostProcess.Run("pgrep", ["-f", "conf-file=" + runDir]).Stdout.Trim());

        var own = Serve("--backup", backup, "--interface", ServeSegment.Bridge, "--print-dhcp-config");
        Assert.Equal(0, own.ExitCode);
        Assert.Contains("dhcp-boot=tag:!efi,boot/grub/i386-pc/core.0,,10.77.0.1", own.StdOut, StringComparison.Ordinal);
        Assert.Contains("\"next-server\": \"10.77.0.1\"", own.StdOut, StringComparison.Ordinal);
    }
}
