using System.Text;
using Mkcdrec.Core.Drill;
using Mkcdrec.Core.Platform;
using Mkcdrec.Formats.Cpio;
using Mkcdrec.Platform.Linux;
using Mkcdrec.Tests.Shared;

namespace Mkcdrec.SystemTests.Drill;

/// <summary>
/// The drill's virtual machine host against real QEMU: a kernel boots a tiny busybox initramfs that speaks the drill
/// protocol; the console is read line by line while it runs, typed input reaches the guest, a scratch disk and a CD are
/// seen with the serials and sizes the drill gave them, and the VM's end is noticed.
/// </summary>
public class QemuHostTests
{
    private const string Init = """
        #!/bin/busybox sh
        B=/bin/busybox
        $B mount -t proc proc /proc
        $B mount -t sysfs sys /sys
        for m in $($B cat /modules); do $B insmod $m; done
        $B sleep 2
        $B echo "MKCDREC-DRILL recovery-started"
        $B echo "disk $($B cat /sys/block/vda/serial) $($B cat /sys/block/vda/size)"
        $B echo "cdrom $($B ls /sys/block | $B grep -c sr)"
        $B echo "waiting for input"
        read answer
        $B echo "MKCDREC-DRILL restore-compare {\"root\":\"/\",\"files\":7,\"changed\":[],\"missing\":[],\"new\":[\"$answer\"]}"
        $B echo "MKCDREC-DRILL recovered"
        $B reboot -f
        """;

    [Fact]
    public void The_host_boots_a_kernel_reads_the_console_and_types_into_it()
    {
        // A Debian kernel whose modules are installed (every driver is a module there).
        var kernel = Directory.Exists("/boot")
            ? Directory.GetFiles("/boot", "vmlinuz-*").Order(StringComparer.Ordinal).LastOrDefault(k => Directory.Exists("/lib/modules/" + Path.GetFileName(k)["vmlinuz-".Length..]))
            : null;
        Assert.SkipWhen(kernel is null, "no /boot/vmlinuz-* with its /lib/modules to boot");
        var version = Path.GetFileName(kernel)!["vmlinuz-".Length..];
        var modules = Tool.Run("modprobe", ["-S", version, "--show-depends", "-a", "virtio_pci", "virtio_blk", "sr_mod", "ata_piix"]).StdOut
            .Split('\n').Where(l => l.StartsWith("insmod ", StringComparison.Ordinal)).Select(l => l["insmod ".Length..].Trim()).Distinct().ToList();
        Assert.NotEmpty(modules);
        Assert.SkipUnless(File.Exists("/bin/busybox"), "busybox is needed");
        Tool.SkipUnlessTool("qemu-system-x86_64");

        var dir = Tool.TempDir("qemu-host");
        try
        {
            var initrd = Path.Combine(dir, "initrd.img");
            using (var fs = File.Create(initrd))
            using (var w = new CpioWriter(fs, leaveOpen: true))
            {
                foreach (var d in new[] { "bin", "dev", "proc", "sys" })
                {
                    w.AddDirectory(d);
                }

                using (var bb = File.OpenRead("/bin/busybox"))
                {
                    w.AddFile("bin/busybox", bb, bb.Length, new CpioAttributes(0x1ED));
                }

                w.AddSymlink("bin/sh", "busybox");
                var dirs = new SortedSet<string>(StringComparer.Ordinal);
                foreach (var m in modules)
                {
                    for (var d = Path.GetDirectoryName(m); d is not null && d != "/"; d = Path.GetDirectoryName(d))
                    {
                        dirs.Add(d);
                    }
                }

                foreach (var d in dirs)
                {
                    w.AddDirectory(d);
                }

                foreach (var m in modules)
                {
                    using var ko = File.OpenRead(m);
                    w.AddFile(m, ko, ko.Length, new CpioAttributes(0x1A4));
                }

                w.AddFile("modules", Encoding.ASCII.GetBytes(string.Join(' ', modules) + "\n"), new CpioAttributes(0x1A4));
                w.AddCharacterDevice("dev/console", 5, 1, new CpioAttributes(0x180));
                w.AddFile("init", Encoding.ASCII.GetBytes(Init.Replace("\r", "", StringComparison.Ordinal) + "\n"), new CpioAttributes(0x1ED));
            }

            var disk = Path.Combine(dir, "disk0.img");
            using (var f = File.Create(disk))
            {
                f.SetLength(64L << 20);
            }

            var iso = Path.Combine(dir, "empty.iso");
            File.WriteAllBytes(iso, new byte[2048 * 32]);
            var serialLog = Path.Combine(dir, "console.log");
            var host = new QemuHost(NullLog.Instance);
            Assert.True(host.IsAvailable(MachineArchitecture.X86_64, out var problem), problem);

            using var vm = host.Start(new VmSpec
            {
                Kernel = kernel, Initrd = initrd, Append = "console=ttyS0 panic=-1 quiet loglevel=1",
                MemoryMiB = 256, Cpus = 1, Disks = [new VmDisk(disk) { Serial = "drill-serial-0" }], CdRoms = [iso], SerialLog = serialLog,
            });

            var waiting = vm.WaitForLine(l => l.Contains("waiting for input", StringComparison.Ordinal), 0, TimeSpan.FromMinutes(3));
            Assert.True(waiting >= 0, "the guest never asked for input:\n" + string.Join('\n', vm.Lines.TakeLast(30)));
            vm.Send("typed-by-host\n");

            var started = vm.WaitForLine(l => DrillProtocol.Parse(l)?.Event == DrillProtocol.RecoveryStarted, 0, TimeSpan.FromSeconds(1));
            Assert.InRange(started, 0, waiting);
            var compare = vm.WaitForLine(l => DrillProtocol.Parse(l)?.Event == DrillProtocol.RestoreCompare, waiting, TimeSpan.FromMinutes(1));
            Assert.True(compare > waiting, string.Join('\n', vm.Lines.TakeLast(30)));
            var summary = CompareSummary.FromJson(DrillProtocol.Parse(vm.Lines[compare])!.Value.Payload!)!;
            Assert.Equal(7, summary.Files);
            Assert.Equal(["typed-by-host"], summary.New);
            Assert.True(vm.WaitForLine(l => DrillProtocol.Parse(l)?.Event == DrillProtocol.Recovered, compare, TimeSpan.FromMinutes(1)) > compare);

            Assert.True(vm.WaitForExit(TimeSpan.FromMinutes(1)), "-no-reboot: a reboot ends QEMU");
            Assert.True(vm.HasExited);
            Assert.Equal(-1, vm.WaitForLine(l => l.Contains("never printed", StringComparison.Ordinal), 0, TimeSpan.FromSeconds(30)));

            Assert.Contains(vm.Lines, l => l == $"disk drill-serial-0 {64 * 2048}");
            Assert.Contains(vm.Lines, l => l == "cdrom 1");
            Assert.Contains("MKCDREC-DRILL recovered", File.ReadAllText(serialLog), StringComparison.Ordinal);

            // Ending a machine early and leaving its using block disposes it twice: that must be harmless.
            vm.Dispose();
            vm.Dispose();
        }
        finally
        {
            Tool.RemoveDir(dir);
        }
    }
}
