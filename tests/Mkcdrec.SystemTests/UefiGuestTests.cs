using Mkcdrec.TestVm;

namespace Mkcdrec.SystemTests;

/// <summary>A guest of its own with OVMF: boots, sees EFI firmware and variables.</summary>
[Collection("guest")]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class UefiGuestTests
{
    [Fact]
    public void Uefi_guest_sees_efi_firmware_and_its_scratch_disk()
    {
        var tool = Path.Combine(Path.GetTempPath(), "testvm-tool-" + Guid.NewGuid().ToString("N"));
        File.WriteAllText(tool, "#!/bin/sh\necho extra-tool-ok\n");
        File.SetUnixFileMode(tool, (UnixFileMode)0b111_101_101);
        try
        {
            using var vm = Mkcdrec.TestVm.TestVm.Start(new TestVmOptions
            {
                Firmware = Firmware.Uefi,
                Disks = [Size.MiB(512)],
                MemoryMiB = 1024,
                ExtraFiles = new Dictionary<string, string> { ["bin/testvm-tool"] = tool, ["files/tool-copy"] = tool },
            });
            Timings.Report($"boot to ready (UEFI, OVMF): {vm.BootTime.TotalSeconds:F1} s");
            CheckUefiGuest(vm);
            CheckLayoutCapturesUefiBoot(vm);
        }
        finally
        {
            File.Delete(tool);
        }
    }

    private static void CheckUefiGuest(Mkcdrec.TestVm.TestVm vm)
    {
        var r = vm.RunChecked("test -d /sys/firmware/efi && echo efi; cat /sys/firmware/efi/fw_platform_size; ls /sys/firmware/efi/efivars | grep -c . ; " +
            "blockdev --getsize64 $SCRATCH0; efibootmgr >/dev/null && echo efibootmgr-ok; testvm-tool; cmp /job/files/tool-copy /run/mkcdrec-bin/testvm-tool && echo same");
        var lines = r.Stdout.TrimEnd().Split('\n');
        Assert.Equal("efi", lines[0]);
        Assert.Equal("64", lines[1]);
        Assert.True(int.Parse(lines[2], System.Globalization.CultureInfo.InvariantCulture) > 0, "no EFI variables");
        Assert.Equal(Size.MiB(512).ToString(System.Globalization.CultureInfo.InvariantCulture), lines[3]);
        Assert.Equal("efibootmgr-ok", lines[4]);
        Assert.Equal("extra-tool-ok", lines[5]);
        Assert.Equal("same", lines[6]);
    }

    // Issue 2: capture records the firmware and the EFI boot entries exactly as efibootmgr lists them.
    private static void CheckLayoutCapturesUefiBoot(Mkcdrec.TestVm.TestVm vm)
    {
        var r = vm.RunChecked("mkcdrec layout save -o /tmp/l.json >/dev/null && cat /tmp/l.json && printf '\\n=====EFI=====\\n' && efibootmgr -v", TimeSpan.FromMinutes(5));
        var parts = r.Stdout.Split("\n=====EFI=====\n");
        var doc = Mkcdrec.Model.Layout.LayoutSerializer.Deserialize(parts[0]);
        Assert.Equal("uefi", doc.Boot.Firmware);
        var peer = parts[1].Split('\n').Where(l => System.Text.RegularExpressions.Regex.IsMatch(l, "^Boot[0-9A-F]{4}")).ToList();
        Assert.NotEmpty(peer);
        Assert.Equal(peer.Count, doc.Boot.EfiBootEntries.Count);
        foreach (var line in peer)
        {
            var number = line.Substring(4, 4);
            var entry = Assert.Single(doc.Boot.EfiBootEntries, e => e.Number == number);
            Assert.Equal(line[8] == '*', entry.Active);
            Assert.StartsWith(entry.Label, line[9..].TrimStart(), StringComparison.Ordinal);
        }

        var order = parts[1].Split('\n').FirstOrDefault(l => l.StartsWith("BootOrder:", StringComparison.Ordinal));
        if (order is not null)
        {
            Assert.Equal(order["BootOrder:".Length..].Trim(), string.Join(',', doc.Boot.EfiBootOrder));
        }
    }

    [Fact]
    public void Starting_fails_clearly_when_the_mkcdrec_binary_is_missing()
    {
        var e = Assert.Throws<TestVmException>(() => Mkcdrec.TestVm.TestVm.Start(new TestVmOptions { MkcdrecBinary = "/nonexistent/mkcdrec" }));
        Assert.Contains("./build.sh", e.Message, StringComparison.Ordinal);
    }
}
