using System.Diagnostics;
using Mkcdrec.Core.Platform;
using Mkcdrec.Core.Rescue;
using Mkcdrec.Model.Layout;
using Mkcdrec.Platform.Linux;
using Mkcdrec.Tests.Shared;
using Mkcdrec.TestVm;

namespace Mkcdrec.SystemTests.Rescue;

/// <summary>
/// Builds the real rescue initramfs from this host (Debian's installed kernel, its modules, the host's programs and
/// out/linux-x64/mkcdrec), boots it in QEMU (TCG) with -kernel/-initrd, two blank virtio disks and user-mode
/// networking, and drives the rescue menu over the serial console: the menu comes up listing both disks and the
/// DHCP address, the Shell entry runs mkcdrec (NativeAOT, no .NET in the image) and the tools, Power off ends it.
/// </summary>
public sealed class RescueSystemBootTests(ITestOutputHelper output)
{
    private static LayoutDocument Layout() => new()
    {
        MkcdrecVersion = "test",
        CapturedAt = DateTimeOffset.UtcNow,
        Host = new HostInfo { Hostname = "rescuetest", Architecture = "x86_64", KernelRelease = "6.1.0" },
        Disks =
        [
            new Disk
            {
                Id = "disk-vda", KernelName = "vda", Path = "/dev/vda", SizeBytes = 1L << 30,
                PartitionTable = new PartitionTable { Kind = PartitionTableKinds.Gpt },
                Partitions = [new Partition { Id = "part-vda1", Number = 1, KernelName = "vda1", Path = "/dev/vda1", StartSector = 2048, SizeSectors = 2_000_000, SizeBytes = 2_000_000L * 512, UsedBy = "fs-root" }],
            },
        ],
        Filesystems = [new Filesystem { Id = "fs-root", Type = FilesystemTypes.Ext4, Uuid = "0f0e0d0c-0b0a-4908-8706-050403020100" }],
        Network = new NetworkInfo { Hostname = "rescuetest", Interfaces = [new NetworkInterface { Name = "eth0", Mac = "52:54:00:12:34:56", Addresses = ["10.0.2.15/24"], Dhcp = true }] },
    };

    [Fact]
    public void The_rescue_system_built_from_this_host_boots_to_the_menu_with_disks_network_and_a_working_mkcdrec()
    {
        Tool.SkipUnlessTool("qemu-system-x86_64");
        var files = new SystemFiles();
        var builder = new RescueSystemBuilder(files, new ProcessRunner(NullLog.Instance));
        var kernel = builder.InstalledKernels().LastOrDefault();
        Assert.SkipWhen(kernel is null, "no /boot/vmlinuz-* with modules (CI installs linux-image-amd64)");
        Assert.SkipUnless(File.Exists(RepoPaths.MkcdrecBinary), $"{RepoPaths.MkcdrecBinary} is missing: run ./build.sh");

        var dir = Tool.TempDir("rescue-boot");
        try
        {
            var sw = Stopwatch.StartNew();
            var rs = builder.Build(new RescueSystemOptions
            {
                WorkDirectory = Path.Combine(dir, "out"), Kernel = kernel, MkcdrecBinary = RepoPaths.MkcdrecBinary, Layout = Layout(),
            });
            var buildTime = sw.Elapsed;
            var figures = $"rescue initramfs: {rs.InitramfsBytes / 1048576.0:0.0} MiB ({rs.UncompressedBytes / 1048576.0:0.0} MiB uncompressed), " +
                          $"{rs.Modules.Count} modules, {rs.Programs.Count} programs, {rs.Entries} entries, kernel {rs.KernelVersion}, built in {buildTime.TotalSeconds:0.0} s";
            output.WriteLine(figures);
            Console.WriteLine(figures);
            foreach (var n in rs.Notes)
            {
                output.WriteLine("note: " + n);
            }

            output.WriteLine("skipped: " + string.Join(", ", rs.SkippedPrograms));

            foreach (var (name, size) in new[] { ("disk1.img", 1L << 30), ("disk2.img", 2L << 30) })
            {
                using var f = File.Create(Path.Combine(dir, name));
                f.SetLength(size);
            }

            var args = new List<string>
            {
                "-accel", "tcg", "-cpu", "max", "-m", "1024", "-smp", "1", "-nodefaults", "-display", "none", "-serial", "stdio", "-monitor", "none",
                "-no-reboot", "-kernel", rs.KernelPath, "-initrd", rs.InitramfsPath,
                "-append", "console=tty0 console=ttyS0 quiet loglevel=3 panic=-1",
                "-nic", "user,model=virtio-net-pci", // not restricted: the test checks the default route and DNS server the DHCP lease brings (the guest connects nowhere)
                "-drive", $"file={Path.Combine(dir, "disk1.img")},if=none,id=d1,format=raw", "-device", "virtio-blk-pci,drive=d1,serial=RESCUE-D1",
                "-drive", $"file={Path.Combine(dir, "disk2.img")},if=none,id=d2,format=raw", "-device", "virtio-blk-pci,drive=d2,serial=RESCUE-D2",
            };
            using var g = new SerialGuest(args);
            var menu = new RescueMenu(g);
            var screen = menu.WaitForMenu(TimeSpan.FromMinutes(5));
            var bootTime = g.Started.Elapsed;
            output.WriteLine(screen);
            var timing = $"boot to menu: {bootTime.TotalSeconds:0.0} s (QEMU TCG, -smp 1)";
            output.WriteLine(timing);
            Console.WriteLine(timing);

            // The menu lists both blank disks with size and serial, and the DHCP lease from QEMU's user network.
            Assert.Matches(@"vda\s+1\.0 GiB.*RESCUE-D1", screen);
            Assert.Matches(@"vdb\s+2\.0 GiB.*RESCUE-D2", screen);
            Assert.Contains("10.0.2.15", screen);
            Assert.Contains("rescuetest", screen);
            foreach (var entry in new[] { "1) Recover", "2) Clone", "3) Repair boot", "4) Shell", "5) Verify backup", "6) Reboot", "7) Power off" })
            {
                Assert.Contains(entry, screen);
            }

            // Shell: run mkcdrec and the tools inside the rescue system.
            menu.EnterShell();
            string Run(string command, int seconds = 120)
            {
                var (rc, text) = menu.Run(command, seconds);
                return rc + "|" + text;
            }

            var version = Run("mkcdrec --version");
            output.WriteLine("mkcdrec --version: " + version);
            Assert.StartsWith("0|", version);
            Assert.Matches(@"\d+\.\d+", version);

            output.WriteLine("boot log: " + Run("cat /run/mkcdrec/boot.log"));
            var show = Run("mkcdrec layout show /etc/mkcdrec/layout.json");
            Assert.StartsWith("0|", show);
            Assert.Contains("vda", show);

            Assert.StartsWith("0|", Run("ls -l /dev/disk/by-id/virtio-RESCUE-D1 /dev/disk/by-id/virtio-RESCUE-D2"));
            Assert.StartsWith("0|", Run("grep -q '^ext4 ' /proc/modules && modprobe raid1 && modprobe dm_crypt && grep -q raid1 /proc/mdstat"));
            Assert.StartsWith("0|", Run("ip -4 addr show | grep -q 'inet 10.0.2.15/' && ip route | grep -q 'default via 10.0.2.2' && grep -q nameserver /etc/resolv.conf"));

            var hostTools = new[] { "mdadm", "lvm", "pvcreate", "cryptsetup", "mkfs.ext4", "mkfs.xfs", "mkfs.btrfs", "mkfs.vfat", "mkswap", "blkid", "wipefs", "sgdisk", "grub-install", "efibootmgr", "udevadm" }
                .Where(Tool.Exists).ToList();
            var which = Run("for p in " + string.Join(' ', hostTools) + "; do command -v $p >/dev/null || echo NOT-IN-RESCUE-$p; done");
            Assert.DoesNotMatch(@"NOT-IN-RESCUE-[a-z]", which); // the echoed command line has NOT-IN-RESCUE-$p

            // The tools start: their shared libraries are all there (a missing one makes the loader fail).
            Assert.StartsWith("0|", Run("mdadm --version 2>/dev/null; lvm version >/dev/null && cryptsetup --version && mkfs.xfs -V && mkfs.btrfs --version && blkid -V && grub-install --version && udevadm --version"));

            // A real job for the tools: make and check an ext4 filesystem on a scratch disk.
            Assert.StartsWith("0|", Run("mkfs.ext4 -q -F -L rescuetest /dev/vdb && blkid -o value -s LABEL /dev/vdb | grep -qx rescuetest && e2fsck -fn /dev/vdb >/dev/null 2>&1"));

            menu.LeaveShell();

            // Power off ends QEMU.
            menu.PowerOff();
        }
        finally
        {
            Tool.RemoveDir(dir);
        }
    }
}
