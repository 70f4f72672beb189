using Mkcdrec.TestVm;

namespace Mkcdrec.SystemTests;

/// <summary>A guest of its own with OVMF: boots, sees EFI firmware and variables.</summary>
[Collection("guest")]
public sealed class UefiGuestTests
{
    [Fact]
    public void Uefi_guest_sees_efi_firmware_and_its_scratch_disk()
    {
        using var vm = Mkcdrec.TestVm.TestVm.Start(new TestVmOptions { Firmware = Firmware.Uefi, Disks = [Size.MiB(512)], MemoryMiB = 1024 });
        Timings.Report($"boot to ready (UEFI, OVMF): {vm.BootTime.TotalSeconds:F1} s");
        var r = vm.RunChecked("test -d /sys/firmware/efi && echo efi; cat /sys/firmware/efi/fw_platform_size; ls /sys/firmware/efi/efivars | grep -c . ; blockdev --getsize64 $SCRATCH0; efibootmgr >/dev/null && echo efibootmgr-ok");
        var lines = r.Stdout.TrimEnd().Split('\n');
        Assert.Equal("efi", lines[0]);
        Assert.Equal("64", lines[1]);
        Assert.True(int.Parse(lines[2], System.Globalization.CultureInfo.InvariantCulture) > 0, "no EFI variables");
        Assert.Equal(Size.MiB(512).ToString(System.Globalization.CultureInfo.InvariantCulture), lines[3]);
        Assert.Equal("efibootmgr-ok", lines[4]);
    }

    [Fact]
    public void Starting_fails_clearly_when_the_mkcdrec_binary_is_missing()
    {
        var e = Assert.Throws<TestVmException>(() => Mkcdrec.TestVm.TestVm.Start(new TestVmOptions { MkcdrecBinary = "/nonexistent/mkcdrec" }));
        Assert.Contains("./build.sh", e.Message, StringComparison.Ordinal);
    }
}
