using System.Text.RegularExpressions;

namespace Mkcdrec.MatrixTests;

public sealed class EspMirrorUefi() : MatrixCase("esp-mirror-uefi");

/// <summary>
/// Matrix case 4: UEFI, the ESP on md RAID1 with metadata 1.0 beside / on md RAID1 (ReaR's open bug #3459: no boot
/// loader on such an ESP). Both halves of the recovered ESP hold the loader, and the NVRAM has an entry for each disk.
/// </summary>
[Trait("case", "esp-mirror-uefi")]
public sealed partial class EspMirrorUefiTests(EspMirrorUefi source) : IClassFixture<EspMirrorUefi>
{
    private const string BootReport = """
        #!/bin/sh
        cat /proc/mdstat
        efibootmgr -v 2>&1 | sed 's/^/NVRAM /'
        for d in /dev/vda1 /dev/vdb1; do echo "LOADER $d $(mdir -i $d ::/EFI/debian 2>/dev/null | grep -ci grubx64)"; done
        """;

    [Fact]
    [Trait("slice", "esp-mirror-uefi")]
    public void Comes_back_with_the_loader_on_both_halves_and_an_entry_for_each_disk()
    {
        var r = source.Recover("same");
        var job = r.RunJob("boot-entries", BootReport);
        Assert.Equal(0, job.ExitCode);
        var c = job.Console;
        Assert.Contains("LOADER /dev/vda1 1", c, StringComparison.Ordinal);
        Assert.Contains("LOADER /dev/vdb1 1", c, StringComparison.Ordinal);
        var disksWithEntry = EntryDisk().Matches(c).Select(m => m.Groups[1].Value).Distinct().Count();
        Assert.True(disksWithEntry >= 2, $"the NVRAM should boot the loader from either disk (entries on {disksWithEntry} distinct partitions):\n{c}");

        // Each half alone boots (the firmware finds its loader; the md arrays start degraded).
        for (var only = 0; only < 2; only++)
        {
            var alone = r.RunJob($"only-disk{only}", "#!/bin/sh\ncat /proc/mdstat\n", only: [only]);
            Assert.True(alone.ExitCode == 0, $"the recovered system did not boot from disk {only} alone:\n{Mkcdrec.TestVm.HostProcess.Tail(alone.Console, 4000)}");
        }
    }

    [Fact]
    public void Comes_back_on_larger_disks()
    {
        var sizes = source.Reference.DiskSizes.Select(s => s / 2 * 3 / Mkcdrec.TestVm.Size.MiB(1) * Mkcdrec.TestVm.Size.MiB(1)).ToList();
        var r = source.Recover("1.5x", sizes);
        Assert.Equal(sizes, r.DiskSizes);
    }

    [GeneratedRegex(@"NVRAM Boot[0-9A-F]{4}\*? .*HD\(\d+,GPT,([0-9a-f-]+),")]
    private static partial Regex EntryDisk();
}
