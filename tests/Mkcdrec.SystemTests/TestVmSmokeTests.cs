using System.Diagnostics;
using Mkcdrec.TestVm;

namespace Mkcdrec.SystemTests;

/// <summary>Proves the test-VM runner works, and that it can fail: disks, exit codes, output, timeouts, the storage stack.</summary>
[Collection("guest")]
public sealed class TestVmSmokeTests(GuestFixture guest)
{
    private readonly Mkcdrec.TestVm.TestVm _vm = guest.Vm;

    [Fact]
    public void Guest_sees_the_scratch_disks_in_order_with_their_sizes()
    {
        var r = _vm.RunChecked("""
            for i in 0 1 2; do
                d=$(readlink -f /dev/disk/by-id/virtio-scratch$i)
                v=SCRATCH$i
                echo "$d ${!v} $(blockdev --getsize64 "$d")"
            done
            """);
        var lines = r.Stdout.TrimEnd().Split('\n');
        Assert.Equal(GuestFixture.DiskSizes.Count, lines.Length);
        for (var i = 0; i < lines.Length; i++)
        {
            var f = lines[i].Split(' ');
            Assert.Equal(f[0], f[1]);
            Assert.Equal(_vm.ScratchDisks[i], f[0]);
            Assert.Equal(GuestFixture.DiskSizes[i], long.Parse(f[2], System.Globalization.CultureInfo.InvariantCulture));
        }

        Assert.Equal(["/dev/vdb", "/dev/vdc", "/dev/vdd"], _vm.ScratchDisks);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(42)]
    [InlineData(255)]
    public void Exit_code_and_output_come_back_exactly(int code)
    {
        var r = _vm.Run($"printf 'line one\\n  two\\tthree é€\\n'; printf 'to stderr\\n' >&2; printf 'no newline'; exit {code}");
        Assert.Equal(code, r.ExitCode);
        Assert.Equal("line one\n  two\tthree é€\nno newline", r.Stdout);
        Assert.Equal("to stderr\n", r.Stderr);
    }

    [Fact]
    public void Commands_run_as_root_with_sbin_on_the_path_and_large_output_intact()
    {
        var r = _vm.RunChecked("id -u; command -v sgdisk mdadm lvm cryptsetup mkfs.btrfs mkfs.xfs mkfs.vfat mkfs.ext4 grub-install efibootmgr; seq 1 200000 | md5sum");
        var lines = r.Stdout.TrimEnd().Split('\n');
        Assert.Equal("0", lines[0]);
        Assert.Equal(12, lines.Length);
        var expected = Convert.ToHexStringLower(System.Security.Cryptography.MD5.HashData(
            System.Text.Encoding.ASCII.GetBytes(string.Concat(Enumerable.Range(1, 200000).Select(i => i + "\n")))));
        Assert.StartsWith(expected, lines[^1], StringComparison.Ordinal);

        var big = _vm.RunChecked("seq 1 300000");
        Assert.Equal(300000, big.Stdout.TrimEnd().Split('\n').Length);
    }

    [Fact]
    public void RunChecked_throws_with_the_output_when_the_command_fails()
    {
        var e = Assert.Throws<GuestCommandException>(() => _vm.RunChecked("echo before; false"));
        Assert.Equal(1, e.Result.ExitCode);
        Assert.Contains("before", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_command_that_runs_too_long_is_killed_and_the_guest_stays_usable()
    {
        var sw = Stopwatch.StartNew();
        var e = Assert.Throws<TimeoutException>(() => _vm.Run("echo started; sleep 600", TimeSpan.FromSeconds(3)));
        Assert.Contains("started", e.Message, StringComparison.Ordinal);
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(60), $"took {sw.Elapsed}");
        Assert.Equal("still here\n", _vm.RunChecked("echo still here").Stdout);
    }

    [Fact]
    public void Per_command_overhead_is_small()
    {
        _vm.RunChecked("true");
        const int n = 10;
        var sw = Stopwatch.StartNew();
        for (var i = 0; i < n; i++)
        {
            Assert.Equal(0, _vm.Run("true").ExitCode);
        }

        var each = sw.Elapsed / n;
        Timings.Report($"per-command overhead (`true`, round trip): {each.TotalMilliseconds:F0} ms");
        Assert.True(each < TimeSpan.FromSeconds(2), $"{each.TotalMilliseconds} ms per command");
    }

    [Fact]
    public void Bios_guest_has_no_efi_firmware()
    {
        Assert.Equal(Firmware.Bios, _vm.Firmware);
        Assert.Equal(1, _vm.Run("test -d /sys/firmware/efi").ExitCode);
    }

    [Fact]
    public void Mkcdrec_binary_runs_in_the_guest()
    {
        var r = _vm.Run("command -v mkcdrec; mkcdrec --help");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.StartsWith("/run/mkcdrec-bin/mkcdrec\n", r.Stdout, StringComparison.Ordinal);
        Assert.Contains("layout", r.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Files_copy_in_and_out_through_the_share()
    {
        var host = Path.Combine(Path.GetTempPath(), "testvm-copy-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(host);
        try
        {
            var payload = new byte[3 * 1024 * 1024 + 17];
            Random.Shared.NextBytes(payload);
            File.WriteAllBytes(Path.Combine(host, "in.bin"), payload);
            var guestPath = _vm.CopyIn(Path.Combine(host, "in.bin"));
            Assert.Equal("/job/files/in.bin", guestPath);
            _vm.RunChecked($"mkdir -p /root/t/sub && cp {guestPath} /root/t/sub/copy.bin && echo hi > /root/t/note");
            _vm.CopyOut("/root/t", Path.Combine(host, "out"));
            Assert.Equal(payload, File.ReadAllBytes(Path.Combine(host, "out", "sub", "copy.bin")));
            Assert.Equal("hi\n", File.ReadAllText(Path.Combine(host, "out", "note")));
        }
        finally
        {
            Directory.Delete(host, true);
        }
    }
}
