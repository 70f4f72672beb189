using System.Diagnostics;
using Mkcdrec.Core.Media;
using Mkcdrec.Core.Platform;
using Mkcdrec.Platform.Linux;
using Mkcdrec.Tests.Shared;

namespace Mkcdrec.SystemTests.Media;

/// <summary>Builds one rescue ISO (IsoBuilder, real xorriso/GRUB) around a marker-printing initramfs, shared by the boot tests.</summary>
public sealed class IsoFixture : IDisposable
{
    public const string Label = "MKCDREC_ISOTEST_20261126";

    public const string Init = """
        #!/bin/busybox sh
        B=/bin/busybox
        $B mount -t proc proc /proc
        $B echo "MKCDREC-BOOTED $($B cat /proc/cmdline)"
        if [ -d /sys/firmware/efi ] || $B mount -t sysfs sysfs /sys && [ -d /sys/firmware/efi ]; then $B echo MKCDREC-FIRMWARE uefi; else $B echo MKCDREC-FIRMWARE bios; fi
        $B echo MKCDREC-END
        $B poweroff -f
        """;

    public IsoFixture()
    {
        Kernel = MiniRescue.Kernel();
        if (Kernel is null || !Tool.Exists("xorriso") || !Tool.Exists("grub-mkimage") || !Tool.Exists("mcopy") || !File.Exists("/bin/busybox"))
        {
            return;
        }

        Dir = Tool.TempDir("isoboot");
        var initrd = Path.Combine(Dir, "initrd.img");
        MiniRescue.Build(initrd, Init, [], []);
        var payload = Path.Combine(Dir, "payload.txt");
        File.WriteAllText(payload, "carried on the medium\n");
        var sw = Stopwatch.StartNew();
        Result = new IsoBuilder(new ProcessRunner(NullLog.Instance), NullLog.Instance).Build(new IsoRequest
        {
            Label = Label,
            OutputPath = Path.Combine(Dir, "out", "rescue.iso"),
            WorkDir = Path.Combine(Dir, "work"),
            KernelPath = Kernel,
            InitrdPath = initrd,
            TimeoutSeconds = 1,
            Files = [new IsoGraft("/backup/payload.txt", payload)],
            Generated = new Dictionary<string, byte[]> { ["/mkcdrec/medium.json"] = "{}"u8.ToArray() },
        });
        BuildTime = sw.Elapsed;
    }

    public string? Kernel { get; }

    public string? Dir { get; }

    public IsoResult? Result { get; }

    public TimeSpan BuildTime { get; }

    public void Dispose()
    {
        if (Dir is not null)
        {
            Tool.RemoveDir(Dir);
        }
    }
}

/// <summary>
/// The real peers of the ISO builder: xorriso reads back the El Torito catalogue and the file tree, sha256sum checks the
/// checksum file, and QEMU boots the ISO four ways — SeaBIOS and OVMF, each as a CD-ROM and written raw to a disk —
/// reaching the initramfs's markers on the serial console with the kernel command line of the default menu entry.
/// </summary>
public class IsoBootTests(IsoFixture iso, ITestOutputHelper output) : IClassFixture<IsoFixture>
{
    private void RequireIso()
    {
        Assert.SkipWhen(iso.Kernel is null, "no /boot/vmlinuz-* to boot");
        Assert.SkipWhen(iso.Result is null, "xorriso, grub-mkimage, mtools or busybox missing");
    }

    [Fact]
    public void Xorriso_sees_a_bios_and_an_uefi_boot_image_and_the_layout_of_the_contract()
    {
        RequireIso();
        var r = iso.Result!;
        output.WriteLine($"ISO {r.Bytes} bytes ({r.Bytes / 1048576.0:0.0} MiB), built in {iso.BuildTime.TotalSeconds:0.00} s");
        var report = Tool.Run("xorriso", ["-indev", r.Path, "-report_el_torito", "plain", "-report_system_area", "plain"]);
        var text = report.StdOut + report.StdErr;
        output.WriteLine(text);
        Assert.Matches(@"El Torito boot img :\s+1\s+BIOS\s+y\s+none", text);
        Assert.Matches(@"El Torito boot img :\s+2\s+UEFI\s+y\s+none", text);
        Assert.Contains("Volume id    : '" + IsoFixture.Label + "'", text, StringComparison.Ordinal);
        Assert.Contains("GPT", text, StringComparison.Ordinal);
        Assert.Matches(@"GPT type GUID\s+:\s+2\s+28732ac11ff8d211ba4b00a0c93ec93b", text); // the EFI system partition

        var find = Tool.Run("xorriso", ["-indev", r.Path, "-find", "/", "-type", "f"]).StdOut;
        foreach (var f in new[] { "/boot/vmlinuz", "/boot/initrd.img", "/boot/grub/grub.cfg", "/EFI/BOOT/BOOTX64.EFI", "/mkcdrec/medium.json", "/backup/payload.txt" })
        {
            Assert.Contains("'" + f + "'", find, StringComparison.Ordinal);
        }

        var sums = Tool.Run("sha256sum", ["-c", Path.GetFileName(r.Path) + ".sha256"], workingDirectory: Path.GetDirectoryName(r.Path));
        Assert.True(sums.ExitCode == 0, sums.StdOut + sums.StdErr);
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(r.Path)!, ".*")); // no temporary left
    }

    [Theory]
    [InlineData("bios", "cdrom")]
    [InlineData("uefi", "cdrom")]
    [InlineData("bios", "disk")]
    [InlineData("uefi", "disk")]
    public void It_boots_the_default_entry(string firmware, string medium)
    {
        RequireIso();
        Tool.SkipUnlessTool("qemu-system-x86_64");
        var args = new List<string> { "-accel", "tcg", "-m", "512", "-smp", "1", "-nodefaults", "-display", "none", "-serial", "stdio", "-no-reboot" };
        string? vars = null;
        if (firmware == "uefi")
        {
            Assert.SkipUnless(File.Exists("/usr/share/OVMF/OVMF_CODE_4M.fd"), "OVMF is not installed");
            vars = Path.Combine(iso.Dir!, $"vars-{medium}.fd");
            File.Copy("/usr/share/OVMF/OVMF_VARS_4M.fd", vars, overwrite: true);
            args.AddRange(["-machine", "q35", "-drive", "if=pflash,format=raw,readonly=on,file=/usr/share/OVMF/OVMF_CODE_4M.fd", "-drive", $"if=pflash,format=raw,file={vars}"]);
        }

        args.AddRange(medium == "cdrom"
            ? ["-cdrom", iso.Result!.Path]
            : ["-drive", $"file={iso.Result!.Path},format=raw,if=virtio,snapshot=on"]);

        var sw = Stopwatch.StartNew();
        var r = Tool.Run("qemu-system-x86_64", args, timeout: TimeSpan.FromSeconds(300));
        output.WriteLine($"{firmware} {medium}: {sw.Elapsed.TotalSeconds:0.0} s to power-off");
        var lines = r.StdOut.Replace("\r", "", StringComparison.Ordinal).Split('\n');
        var tail = string.Join('\n', lines.TakeLast(30));
        var booted = lines.Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith("MKCDREC-BOOTED ", StringComparison.Ordinal));
        Assert.True(booted is not null && lines.Any(l => l.Trim() == "MKCDREC-END"), $"the rescue kernel did not run /init; console:\n{tail}");
        Assert.Contains($"mkcdrec.medium={IsoFixture.Label} console=tty0 console=ttyS0,115200", booted, StringComparison.Ordinal);
        Assert.DoesNotContain("mkcdrec.auto", booted, StringComparison.Ordinal); // the default entry is the interactive one
        Assert.Contains(lines, l => l.Trim() == "MKCDREC-FIRMWARE " + firmware);
        Assert.Contains(lines, l => l.Contains(BootMenu.AutoTitle, StringComparison.Ordinal)); // the menu was shown on the serial console
    }
}
