using System.Diagnostics;
using System.Text.RegularExpressions;
using Mkcdrec.Core.Platform;
using Mkcdrec.Core.Rescue;
using Mkcdrec.Platform.Linux;
using Mkcdrec.SystemTests.Rescue;
using Mkcdrec.Tests.Shared;
using Mkcdrec.TestVm;

namespace Mkcdrec.SystemTests.Media;

/// <summary>
/// The netboot output booted for real: <c>mkcdrec archive create</c> makes a small backup (1 MiB volumes), a loopback
/// HTTP server started here serves it on 127.0.0.1 (QEMU's user network shows the host's 127.0.0.1 to the guest as
/// 10.0.2.2), <c>mkcdrec mkrescue --format netboot --backup-url http://10.0.2.2:PORT/backup</c> builds the REAL rescue
/// system from this host, and QEMU boots its vmlinuz + initrd.img with the kernel command line of the generated
/// pxelinux config (the same as grub.cfg's), a virtio NIC on user networking and two blank disks. Over the serial
/// console: the rescue system gets its DHCP lease, /init fetches the backup with <c>mkcdrec fetch</c> (the server sees
/// every file requested), the menu shows it, and the menu's "Verify backup" passes on it.
/// </summary>
public sealed class NetbootBootTests(ITestOutputHelper output)
{
    [Fact]
    public void The_netboot_kernel_and_initramfs_boot_get_a_lease_fetch_the_backup_over_http_and_verify_it()
    {
        Tool.SkipUnlessTool("qemu-system-x86_64");
        var kernel = new RescueSystemBuilder(new SystemFiles(), new ProcessRunner(NullLog.Instance)).InstalledKernels().LastOrDefault();
        Assert.SkipWhen(kernel is null, "no /boot/vmlinuz-* with modules (CI installs linux-image-amd64)");
        Assert.SkipUnless(File.Exists(RepoPaths.MkcdrecBinary), $"{RepoPaths.MkcdrecBinary} is missing: run ./build.sh");
        var bin = RepoPaths.MkcdrecBinary;
        var total = Stopwatch.StartNew();
        var dir = Tool.TempDir("netboot");
        try
        {
            // 1. A small backup (~3 MiB incompressible, 1 MiB volumes) in the directory the server shares.
            var www = Path.Combine(dir, "www");
            var backup = Path.Combine(www, "backup");
            var volumes = SmallBackup.Create(dir, backup, files: 3, seed: 10, step: 999, "fetched over the network\n");
            Assert.True(volumes.Count >= 3, string.Join(' ', volumes));
            using var server = new LoopbackHttpServer(www);
            var url = $"http://10.0.2.2:{server.Port}/backup";

            // 2. The netboot output with the real rescue system built from this host.
            var layout = Path.Combine(dir, "layout.json");
            Tool.Checked(bin, ["layout", "save", "-o", layout, "--log", Path.Combine(dir, "layout.log")]);
            var netboot = Path.Combine(dir, "netboot");
            var sw = Stopwatch.StartNew();
            var mk = Tool.Run(bin, ["mkrescue", "--format", "netboot", "--output", netboot, "--kernel", kernel!, "--layout", layout, "--backup-url", url, "--timeout", "1",
                "--log", Path.Combine(dir, "mkrescue.log")]);
            var mkTime = sw.Elapsed;
            Assert.True(mk.ExitCode == 0, $"mkrescue --format netboot failed ({mk.ExitCode}):\n{mk.StdOut}{mk.StdErr}");
            foreach (var f in new[] { "vmlinuz", "initrd.img", "grub.cfg", "pxelinux.cfg/default" })
            {
                Assert.True(File.Exists(Path.Combine(netboot, f)), f + " was not written");
            }

            Timings.Report($"netboot output (rescue system built from this host): {mkTime.TotalSeconds:0.0} s; initrd.img {new FileInfo(Path.Combine(netboot, "initrd.img")).Length / 1048576.0:0.0} MiB");

            // 3. The kernel command line exactly as pxelinux would pass it (the rescue entry, the default), and GRUB's the same.
            var pxe = File.ReadAllText(Path.Combine(netboot, "pxelinux.cfg/default"));
            Assert.Matches(@"(?m)^DEFAULT rescue$", pxe);
            var append = Regex.Match(pxe, @"(?ms)^LABEL rescue$.*?^\s*APPEND (.*?)$").Groups[1].Value.Trim();
            Assert.Contains("mkcdrec.backup=" + url, append, StringComparison.Ordinal);
            Assert.DoesNotContain("mkcdrec.auto", append, StringComparison.Ordinal);
            var grub = File.ReadAllText(Path.Combine(netboot, "grub.cfg"));
            Assert.Contains("linux /vmlinuz " + append + "\n", grub, StringComparison.Ordinal);
            output.WriteLine("-append " + append);

            foreach (var (name, size) in new[] { ("disk1.img", 1L << 30), ("disk2.img", 2L << 30) })
            {
                using var f = File.Create(Path.Combine(dir, name));
                f.SetLength(size);
            }

            // 4. Boot it: no medium at all, the backup only on the (loopback) HTTP server.
            var args = SerialGuest.BaseArguments(Firmware.Bios);
            args.AddRange([
                "-monitor", "none", "-kernel", Path.Combine(netboot, "vmlinuz"), "-initrd", Path.Combine(netboot, "initrd.img"), "-append", append,
                "-nic", "user,model=virtio-net-pci",
                "-drive", $"file={Path.Combine(dir, "disk1.img")},if=none,id=d1,format=raw", "-device", "virtio-blk-pci,drive=d1,serial=NETBOOT-D1",
                "-drive", $"file={Path.Combine(dir, "disk2.img")},if=none,id=d2,format=raw", "-device", "virtio-blk-pci,drive=d2,serial=NETBOOT-D2",
            ]);
            using var g = new SerialGuest(args);
            var menu = new RescueMenu(g);
            string screen;
            try
            {
                screen = menu.WaitForMenu(TimeSpan.FromMinutes(5));
            }
            finally
            {
                output.WriteLine(SerialGuest.Tail(g.Text, 12000));
            }

            var bootTime = g.Started.Elapsed;
            var boot = g.Text[..menu.At];

            // The lease, the fetch by mkcdrec (every file of the backup asked for by the guest), the menu showing it.
            Assert.Matches(@"Network: .*10\.0\.2\.15/24", screen);
            Assert.Contains("mkcdrec: fetching the backup from " + url, boot, StringComparison.Ordinal);
            var fetched = Regex.Match(boot, $@"Fetched the backup from {Regex.Escape(url)}/ into /run/mkcdrec/backup: (\d+) file\(s\), ([\d.]+) MiB in ([\d.]+) s \(([\d.]+) MiB/s\)");
            Assert.True(fetched.Success, "no 'Fetched the backup' line on the console");
            Assert.Equal(volumes.Count + 1, int.Parse(fetched.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)); // manifest + volumes (no layout.json)
            Assert.Contains("Backup:  /run/mkcdrec/backup", screen, StringComparison.Ordinal);
            Assert.Matches(@"vda\s+1\.0 GiB.*NETBOOT-D1", screen);
            Assert.Matches(@"vdb\s+2\.0 GiB.*NETBOOT-D2", screen);
            var asked = server.Requests.Where(r => r.Method == "GET").Select(r => r.Path).ToList();
            Assert.Equal("/backup/manifest.json", asked[0]);
            Assert.All(volumes, v => Assert.Contains("/backup/" + v, asked));
            Timings.Report($"netboot: boot to menu {bootTime.TotalSeconds:0.0} s (QEMU TCG, -smp 1); in the guest mkcdrec fetch: {fetched.Groups[2].Value} MiB in {fetched.Groups[3].Value} s ({fetched.Groups[4].Value} MiB/s)");

            // 5. Verify backup (menu entry 5) on the fetched copy.
            sw.Restart();
            output.WriteLine(menu.VerifyBackup(volumes));
            Timings.Report($"netboot: Verify backup {sw.Elapsed.TotalSeconds:0.0} s ({volumes.Count} volumes)");

            // 6. The boot log (uptime-stamped) and mkcdrec's own log of the fetch, for the figures.
            menu.EnterShell();
            var (rc, logs) = menu.Run("cat /run/mkcdrec/boot.log; grep -h 'fetch' /var/log/mkcdrec/*fetch*.log");
            output.WriteLine(logs);
            Assert.Equal(0, rc);
            menu.LeaveShell();

            // 7. Power off ends QEMU.
            menu.PowerOff();
            Timings.Report($"netboot test: {total.Elapsed.TotalSeconds:0.0} s in all");
        }
        finally
        {
            Tool.RemoveDir(dir);
        }
    }
}
