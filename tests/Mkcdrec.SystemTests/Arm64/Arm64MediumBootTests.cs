using System.Diagnostics;
using Mkcdrec.Core.Drill;
using Mkcdrec.Core.Media;
using Mkcdrec.Core.Platform;
using Mkcdrec.Platform.Linux;
using Mkcdrec.SystemTests.Media;
using Mkcdrec.Tests.Shared;

namespace Mkcdrec.SystemTests.Arm64;

/// <summary>
/// An aarch64 rescue medium as IsoBuilder makes it on an aarch64 host (UEFI only: GRUB's arm64-efi image as
/// \EFI\BOOT\BOOTAA64.EFI, no BIOS boot image), around Debian's arm64 kernel and an initramfs with arm64 busybox that
/// prints markers, booted in qemu-system-aarch64 (virt, TCG) with AAVMF as a CD-ROM and written raw to a disk.
/// .ci/install-deps extracts the kernel and busybox into /var/cache/mkcdrec-tools/arm64.
/// </summary>
[Trait("tier", "arm64")]
public sealed class Arm64MediumBootTests(ITestOutputHelper output) : IDisposable
{
    private const string Label = "MKCDREC_ARM64TEST";
    private const string Extracted = "/var/cache/mkcdrec-tools/arm64/root";

    private const string Init = """
        #!/bin/busybox sh
        B=/bin/busybox
        $B mount -t proc proc /proc
        $B mount -t sysfs sysfs /sys
        $B echo "MKCDREC-BOOTED $($B uname -m) $($B cat /proc/cmdline)"
        [ -d /sys/firmware/efi ] && $B echo MKCDREC-FIRMWARE uefi
        $B echo MKCDREC-END
        $B poweroff -f
        """;

    private readonly string _dir = Tool.TempDir("arm64-medium");

    public void Dispose() => Tool.RemoveDir(_dir);

    private IsoResult BuildMedium()
    {
        var kernel = Directory.GetFiles(Path.Combine(Extracted, "boot"), "vmlinuz-*").Single();
        var initrd = Path.Combine(_dir, "initrd.img");
        MiniRescue.Build(initrd, Init, [], [], busybox: Path.Combine(Extracted, "bin", "busybox"));
        var sw = Stopwatch.StartNew();
        var r = new IsoBuilder(new ProcessRunner(NullLog.Instance), NullLog.Instance, architecture: MachineArchitecture.Aarch64).Build(new IsoRequest
        {
            Label = Label,
            OutputPath = Path.Combine(_dir, "out", "rescue-arm64.iso"),
            WorkDir = Path.Combine(_dir, "work"),
            KernelPath = kernel,
            InitrdPath = initrd,
            TimeoutSeconds = 1,
        });
        output.WriteLine($"arm64 medium: {r.Bytes / 1048576.0:0.0} MiB, built in {sw.Elapsed.TotalSeconds:0.00} s");
        return r;
    }

    [Fact]
    public void An_aarch64_medium_boots_by_uefi_only_from_a_cdrom_and_from_a_disk()
    {
        var iso = BuildMedium();
        var report = Tool.Run("xorriso", ["-indev", iso.Path, "-report_el_torito", "plain", "-report_system_area", "plain"]);
        var text = report.StdOut + report.StdErr;
        output.WriteLine(text);
        Assert.Matches(@"El Torito boot img :\s+1\s+UEFI\s+y\s+none", text);
        Assert.DoesNotContain("BIOS", text, StringComparison.Ordinal);
        Assert.Matches(@"GPT type GUID\s+:\s+2\s+28732ac11ff8d211ba4b00a0c93ec93b", text); // the EFI system partition
        var find = Tool.Run("xorriso", ["-indev", iso.Path, "-find", "/", "-type", "f"]).StdOut;
        Assert.Contains("'/EFI/BOOT/BOOTAA64.EFI'", find, StringComparison.Ordinal);
        Assert.DoesNotContain("i386-pc", find, StringComparison.Ordinal);
        var grubCfg = Tool.Checked("xorriso", ["-osirrox", "on", "-indev", iso.Path, "-extract", "/boot/grub/grub.cfg", Path.Combine(_dir, "grub.cfg")]);
        Assert.DoesNotContain("serial", File.ReadAllText(Path.Combine(_dir, "grub.cfg")), StringComparison.Ordinal); // no 8250 for GRUB on aarch64

        foreach (var medium in new[] { "cdrom", "disk" })
        {
            var vars = Path.Combine(_dir, $"vars-{medium}.fd");
            File.Copy(QemuCommandLine.AavmfVarsTemplate, vars, overwrite: true);
            // The drill's own command line for an aarch64 machine (virt, AAVMF, the CD-ROM on virtio-scsi).
            var spec = new VmSpec
            {
                Architecture = MachineArchitecture.Aarch64, Uefi = true, UefiVars = vars, MemoryMiB = 1024, Cpus = 2,
                CdRoms = medium == "cdrom" ? [iso.Path] : [], BootFromCdRom = medium == "cdrom",
                Disks = medium == "disk" ? [new VmDisk(iso.Path) { Snapshot = true, Boot = true }] : [],
            };
            var sw = Stopwatch.StartNew();
            var r = Tool.Run(QemuCommandLine.ProgramFor(spec.Architecture), QemuCommandLine.Build(spec), timeout: TimeSpan.FromSeconds(300));
            output.WriteLine($"{medium}: {sw.Elapsed.TotalSeconds:0.0} s from power-on to power-off");
            var lines = r.StdOut.Replace("\r", "", StringComparison.Ordinal).Split('\n').Select(l => l.Trim()).ToList();
            var booted = lines.FirstOrDefault(l => l.StartsWith("MKCDREC-BOOTED ", StringComparison.Ordinal));
            Assert.True(booted is not null && lines.Contains("MKCDREC-END"), $"{medium}: the rescue kernel did not run /init; console:\n{string.Join('\n', lines.TakeLast(30))}");
            // The default entry; no console= (the firmware's serial console, ttyAMA0 here, is the kernel's).
            Assert.StartsWith($"MKCDREC-BOOTED aarch64 BOOT_IMAGE=/boot/vmlinuz mkcdrec.medium={Label}", booted, StringComparison.Ordinal);
            Assert.DoesNotContain("console=", booted, StringComparison.Ordinal);
            Assert.Contains("MKCDREC-FIRMWARE uefi", lines);
        }
    }
}
