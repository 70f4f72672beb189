using Mkcdrec.Core.Boot.SecureBoot;
using Mkcdrec.SystemTests.Rescue;
using Mkcdrec.Tests.Shared;
using Mkcdrec.TestVm;

namespace Mkcdrec.SystemTests.Media;

/// <summary>
/// Issue 21's evidence for the rescue ISO: under OVMF's Secure Boot build with Microsoft's keys enrolled (Secure Boot
/// enforced), the ISO mkbackup built on this host (shim-signed and grub-efi-amd64-signed installed: the signed chain)
/// boots through shim and signed GRUB into Debian's signed kernel, which runs locked down, loads its signed modules and
/// reaches the menu; an ISO made with --secure-boot off (mkcdrec's own unsigned GRUB) is refused by that firmware —
/// enforcement is real — and still boots with Secure Boot off.
/// </summary>
public sealed partial class RescueIsoBootTests
{
    private static void RequireSecureBootFirmwareAndChain()
    {
        Assert.SkipUnless(File.Exists(SerialGuest.OvmfSecureBootCode) && File.Exists(SerialGuest.OvmfSecureBootVars), "OVMF's Secure Boot build is not installed (ovmf)");
        Assert.SkipWhen(SignedBootChain.Find("/", out var missing) is null, "the signed chain is not installed: " + string.Join(", ", missing));
    }

    [Fact]
    public void With_secure_boot_enforced_the_rescue_iso_boots_through_shim_into_a_locked_down_kernel_and_the_menu()
    {
        RequireSecureBootFirmwareAndChain();
        var media = fixture.Media;
        var dir = Path.Combine(fixture.Dir, "boot-secureboot");
        Directory.CreateDirectory(dir);
        try
        {
            // The ISO's \EFI\BOOT\BOOTX64.EFI is Debian's shim, byte for byte.
            var shim = Path.Combine(dir, "BOOTX64.EFI");
            Tool.Checked("xorriso", ["-osirrox", "on", "-indev", media.Iso, "-extract", "/EFI/BOOT/BOOTX64.EFI", shim]);
            Assert.Equal(File.ReadAllBytes(SignedBootChain.ShimPath), File.ReadAllBytes(shim));

            using (var f = File.Create(Path.Combine(dir, "disk1.img")))
            {
                f.SetLength(1L << 30);
            }

            var args = SerialGuest.BaseArguments(Firmware.Uefi, ovmfVarsCopy: Path.Combine(dir, "OVMF_VARS.fd"), secureBoot: true);
            args.AddRange([
                "-monitor", "none", "-nic", "none",
                "-drive", $"file={media.Iso},if=none,id=cd,media=cdrom,readonly=on", "-device", "ide-cd,drive=cd,bootindex=0",
                "-drive", $"file={Path.Combine(dir, "disk1.img")},if=none,id=d1,format=raw", "-device", "virtio-blk-pci,drive=d1,serial=SB-D1",
            ]);
            using var g = new SerialGuest(args);
            var menu = new RescueMenu(g);
            var screen = BootToMenu(menu);
            Timings.Report($"rescue ISO, UEFI with Secure Boot enforced: boot to menu {g.Started.Elapsed.TotalSeconds:0.0} s (QEMU TCG, SMM, -smp 1, CD-ROM)");

            // Firmware → shim → GRUB → kernel: each checked the next; the kernel knows it and locked itself down.
            Assert.Contains("EFI stub: UEFI Secure Boot is enabled.", g.Text, StringComparison.Ordinal);
            Assert.Contains("Kernel is locked down from EFI Secure Boot", g.Text, StringComparison.Ordinal);
            Assert.Contains("UEFI, Secure Boot on", screen, StringComparison.Ordinal);
            Assert.Matches(@"vda\s+1\.0 GiB.*SB-D1", screen); // virtio_blk, a module, loaded under lockdown
            Assert.Matches(@"sr0\s.*\(rescue medium\)", screen);

            menu.EnterShell();
            var (rc, state) = menu.Run("grep -qs securityfs /proc/mounts || mount -t securityfs securityfs /sys/kernel/security; cat /sys/kernel/security/lockdown; " +
                                       "grep -c '' /proc/modules; dmesg | grep -ci 'unsigned module is rejected\\|module verification failed' || true");
            output.WriteLine(state);
            Assert.Equal(0, rc);
            Assert.Contains("[integrity]", state, StringComparison.Ordinal);
            var counts = state.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && l.All(char.IsAsciiDigit)).Select(int.Parse).ToList();
            Assert.True(counts.Count == 2 && counts[0] > 5 && counts[1] == 0, $"modules loaded / rejected: {string.Join(", ", counts)}\n{state}");
            menu.LeaveShell();
            menu.PowerOff();
        }
        finally
        {
            Tool.RemoveDir(dir);
        }
    }

    [Fact]
    public void With_secure_boot_enforced_an_iso_with_mkcdrecs_own_unsigned_grub_is_refused_and_boots_with_it_off()
    {
        RequireSecureBootFirmwareAndChain();
        var media = fixture.Media;
        var dir = Path.Combine(fixture.Dir, "boot-unsigned");
        Directory.CreateDirectory(dir);
        try
        {
            // The same rescue system, on an ISO made with --secure-boot off.
            var initrd = Path.Combine(dir, "initrd.img");
            Tool.Checked("xorriso", ["-osirrox", "on", "-indev", media.Iso, "-extract", "/boot/initrd.img", initrd]);
            var outDir = Path.Combine(dir, "out");
            var mk = Tool.Run(RepoPaths.MkcdrecBinary, ["mkrescue", "--secure-boot", "off", "--kernel", fixture.Kernel!, "--initrd", initrd,
                "--layout", Path.Combine(fixture.Dir, "layout.json"), "--label", "MKCDREC_UNSIGNED", "--timeout", "1", "--output", outDir, "--log", Path.Combine(dir, "mkrescue.log")]);
            Assert.True(mk.ExitCode == 0, $"mkrescue --secure-boot off failed ({mk.ExitCode}):\n{mk.StdOut}{mk.StdErr}");
            Assert.Contains("Secure Boot: off (--secure-boot off)", mk.StdOut, StringComparison.Ordinal);
            var iso = Directory.GetFiles(outDir, "*.iso").Single();

            string Boot(bool secureBoot, string until)
            {
                var args = SerialGuest.BaseArguments(Firmware.Uefi, ovmfVarsCopy: Path.Combine(dir, $"OVMF_VARS-{secureBoot}.fd"), secureBoot: secureBoot);
                args.AddRange(["-monitor", "none", "-nic", "none", "-drive", $"file={iso},if=none,id=cd,media=cdrom,readonly=on", "-device", "ide-cd,drive=cd,bootindex=0"]);
                using var g = new SerialGuest(args);
                try
                {
                    g.WaitFor(until, 0, TimeSpan.FromMinutes(3));
                    return g.Text;
                }
                finally
                {
                    output.WriteLine($"--- Secure Boot {(secureBoot ? "on" : "off")}:\n" + SerialGuest.Tail(g.Text, 3000));
                }
            }

            // The firmware checks BOOTX64.EFI against its db and refuses it: GRUB never starts.
            var refused = Boot(secureBoot: true, until: @"failed to load Boot\d+ .*DVD-ROM.*Access Denied");
            Assert.DoesNotContain("GNU GRUB", refused, StringComparison.Ordinal);

            // The same ISO with Secure Boot off: the firmware starts it and GRUB boots the rescue entry.
            var booted = Boot(secureBoot: false, until: "Booting `mkcdrec rescue'");
            Assert.DoesNotContain("Access Denied", booted, StringComparison.Ordinal);
        }
        finally
        {
            Tool.RemoveDir(dir);
        }
    }
}
