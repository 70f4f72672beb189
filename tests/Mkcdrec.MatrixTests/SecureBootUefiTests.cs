using System.Text.Json;
using Mkcdrec.TestVm;

namespace Mkcdrec.MatrixTests;

public sealed class SecureBootUefi() : MatrixCase("secureboot-uefi");

/// <summary>
/// Issue 21: the plain UEFI system booting through Debian's shim with Secure Boot enforced (OVMF's Secure Boot build,
/// Microsoft's keys). It backs itself up from inside with <c>mkbackup --secure-boot on</c>; <c>mkcdrec drill
/// --secure-boot</c> boots that medium through shim and GRUB, recovers onto a blank disk, and the recovered system boots
/// with Secure Boot still enforced, through shim from its NVRAM entry, with every file as it was.
/// </summary>
[Trait("case", "secureboot-uefi")]
public sealed class SecureBootUefiTests(SecureBootUefi source) : IClassFixture<SecureBootUefi>
{
    private const string BootChainReport = """
        #!/bin/sh
        echo "SBSTATE: $(mokutil --sb-state 2>&1)"
        grep -qs securityfs /proc/mounts || mount -t securityfs securityfs /sys/kernel/security
        echo "LOCKDOWN: $(cat /sys/kernel/security/lockdown)"
        efibootmgr -v 2>&1 | sed 's/^/NVRAM /'
        for f in EFI/debian/shimx64.efi EFI/debian/grubx64.efi EFI/debian/mmx64.efi EFI/BOOT/BOOTX64.EFI; do
            echo "ESP $f $(sha256sum /boot/efi/$f 2>/dev/null | cut -c1-64)"
        done
        echo "SHIM $(sha256sum /usr/lib/shim/shimx64.efi.signed | cut -c1-64)"
        echo "GRUB $(sha256sum /usr/lib/grub/x86_64-efi-signed/grubx64.efi.signed | cut -c1-64)"
        """;

    [Fact]
    [Trait("slice", "secureboot-uefi")]
    public void Comes_back_and_boots_through_shim_with_secure_boot_enforced()
    {
        // Capture saw Secure Boot on; the medium's UEFI loader is Debian's shim.
        var layout = Path.Combine(source.Work, "layout-from-iso.json");
        HostProcess.Checked("xorriso", ["-osirrox", "on", "-indev", source.Iso, "-extract", "/mkcdrec/layout.json", layout]);
        Assert.True(JsonDocument.Parse(File.ReadAllText(layout)).RootElement.GetProperty("boot").GetProperty("secureBoot").GetBoolean());

        var r = source.Recover("same");
        Assert.Equal("on", r.Drill.Report.GetProperty("secureBoot").GetString());
        Assert.Equal("uefi, Secure Boot on", r.Drill.Report.GetProperty("firmware").GetString());
        Assert.Matches(@"^Boot[0-9A-F]{4} debian$", r.Drill.Report.GetProperty("efiBootEntry").GetString());

        var job = r.RunJob("boot-chain", BootChainReport);
        Assert.Equal(0, job.ExitCode);
        var c = job.Console;
        Assert.Contains("SBSTATE: SecureBoot enabled", c, StringComparison.Ordinal);
        Assert.Contains("[integrity]", c, StringComparison.Ordinal);
        Assert.Matches(@"NVRAM Boot[0-9A-F]{4}\* debian\s.*\\EFI\\debian\\shimx64\.efi", c);

        // The loaders on the recovered ESP are the signed ones the recovered system's packages carry.
        var shim = Line(c, "SHIM ");
        var grub = Line(c, "GRUB ");
        Assert.Equal(shim, Line(c, "ESP EFI/debian/shimx64.efi "));
        Assert.Equal(shim, Line(c, "ESP EFI/BOOT/BOOTX64.EFI "));
        Assert.Equal(grub, Line(c, "ESP EFI/debian/grubx64.efi "));
        Assert.Matches("^[0-9a-f]{64}$", Line(c, "ESP EFI/debian/mmx64.efi "));
    }

    private static string Line(string console, string prefix) =>
        console.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal))?[prefix.Length..].Trim()
        ?? throw new Xunit.Sdk.XunitException($"no line '{prefix}' on the console:\n{HostProcess.Tail(console, 3000)}");
}
