using Mkcdrec.Core.Platform;
using Mkcdrec.TestVm;

namespace Mkcdrec.MatrixTests;

public sealed class Arm64Uefi() : MatrixCase("arm64-uefi");

/// <summary>
/// Matrix case arm64-uefi (issue 22): the plain layout on an arm64 Debian in qemu-system-aarch64 (virt, AAVMF). The
/// arm64 mkcdrec runs mkbackup inside it, so the rescue system is built from an arm64 host's own files; `mkcdrec drill`
/// on this x86_64 host picks the aarch64 machine from the medium's layout, recovers onto blank disks, and the
/// recovered system boots through the NVRAM entry the recovery wrote.
/// </summary>
[Trait("case", "arm64-uefi")]
public sealed class Arm64UefiTests(Arm64Uefi source) : IClassFixture<Arm64Uefi>
{
    private const string MachineReport = """
        #!/bin/sh
        echo "MACHINE $(uname -m)"
        echo "ROOT $(findmnt -n -o UUID /)"
        echo "LOADER $(ls /boot/efi/EFI/debian/ 2>&1 | tr '\n' ' ')"
        echo "REMOVABLE $(ls /boot/efi/EFI/BOOT/ 2>&1 | tr '\n' ' ')"
        """;

    [Fact]
    [Trait("slice", "arm64-uefi")]
    public void Comes_back_on_a_disk_of_the_same_size_and_boots_by_its_nvram_entry()
    {
        Assert.Equal(MachineArchitecture.Aarch64, source.Reference.Architecture);
        Assert.Contains("\"architecture\": \"aarch64\"", MediumLayout(), StringComparison.Ordinal);

        var r = source.Recover("same");
        Assert.Equal(source.Reference.DiskSizes, r.DiskSizes);
        Assert.Matches(@"^Boot[0-9A-F]{4} debian$", r.Drill.Report.GetProperty("efiBootEntry").GetString());
        var job = r.RunJob("machine", MachineReport);
        Assert.Equal(0, job.ExitCode);
        Assert.Contains("MACHINE aarch64", job.Console, StringComparison.Ordinal);
        Assert.Contains("ROOT " + source.Reference.RootUuid, job.Console, StringComparison.Ordinal);
        Assert.Matches(@"LOADER .*grubaa64\.efi", job.Console);
    }

    [Fact]
    public void Comes_back_on_a_larger_disk()
    {
        var sizes = source.Reference.DiskSizes.Select(s => s * 2 / Size.MiB(1) * Size.MiB(1)).ToList();
        var r = source.Recover("2x", sizes);
        Assert.Equal(sizes, r.DiskSizes);
    }

    /// <summary>The layout the rescue medium carries, read with xorriso (the drill reads it the same way).</summary>
    private string MediumLayout()
    {
        var dest = Path.Combine(source.Work, "medium-layout.json");
        HostProcess.Checked("xorriso", ["-osirrox", "on", "-indev", source.Iso, "-extract", "/backup/layout.json", dest]);
        return File.ReadAllText(dest);
    }
}
