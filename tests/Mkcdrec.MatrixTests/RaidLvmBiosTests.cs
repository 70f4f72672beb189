using Mkcdrec.TestVm;

namespace Mkcdrec.MatrixTests;

public sealed class RaidLvmBios() : MatrixCase("raid-lvm-bios");

/// <summary>
/// Matrix case 1: BIOS, two disks, md RAID1 (metadata 1.2) → LVM with root (/boot inside: GRUB reads LVM on RAID),
/// /var, swap and /srv on a thin LV. The recovered pair must boot with either disk removed (GRUB on both disks).
/// </summary>
[Trait("case", "raid-lvm-bios")]
public sealed class RaidLvmBiosTests(RaidLvmBios source) : IClassFixture<RaidLvmBios>
{
    private const string StackReport = """
        #!/bin/sh
        cat /proc/mdstat
        echo "VG: $(vgs --noheadings -o vg_name,vg_uuid,pv_count 2>&1)"
        lvs --noheadings -o lv_name,segtype,lv_size,pool_lv 2>&1
        echo "ROOT: $(findmnt -n -o SOURCE /)"
        echo "SWAP: $(swapon --noheadings --show=NAME 2>&1)"
        echo "MD-UUID: $(mdadm --detail --export /dev/md/ref-sys 2>/dev/null | sed -n 's/^MD_UUID=//p') $(mdadm --detail --export /dev/md127 2>/dev/null | sed -n 's/^MD_UUID=//p')"
        """;

    [Fact]
    [Trait("slice", "raid-lvm-bios")]
    public void Comes_back_on_blank_disks_of_the_same_size_and_boots_from_either_disk()
    {
        var r = source.Recover("same");
        var stack = r.RunJob("stack", StackReport);
        Assert.Equal(0, stack.ExitCode);
        Assert.Contains("raid1", stack.Console, StringComparison.Ordinal);
        Assert.Contains("[UU]", stack.Console, StringComparison.Ordinal);
        Assert.Contains("MD-UUID: ", stack.Console, StringComparison.Ordinal);
        Assert.Contains(source.Reference.Facts["MD_UUID"], stack.Console, StringComparison.Ordinal);
        Assert.Contains(source.Reference.Facts["VG_UUID"], stack.Console, StringComparison.Ordinal);
        Assert.Contains("ROOT: /dev/mapper/refvg-root", stack.Console, StringComparison.Ordinal);
        Assert.Matches(@"srv\s+thin\s", stack.Console);

        // GRUB is on both disks: each alone boots the (degraded) mirror.
        for (var only = 0; only < 2; only++)
        {
            var alone = r.RunJob($"only-disk{only}", "#!/bin/sh\ncat /proc/mdstat\nfindmnt -n -o SOURCE /\n", only: [only]);
            Assert.True(alone.ExitCode == 0, $"the recovered system did not run its job from disk {only} alone:\n{HostProcess.Tail(alone.Console, 4000)}");
            Assert.Contains("/dev/mapper/refvg-root", alone.Console, StringComparison.Ordinal);
        }
    }

    /// <summary>
    /// Also issue 16's power cuts: the rescue machine is killed while the layout is made (md, LVM), in the middle of the
    /// restore and during finalize; each next boot starts over on what the cut left (a half-built array and volume group
    /// that udev may assemble and activate), and the last one must recover a system equal to the source.
    /// </summary>
    [Fact]
    public void Comes_back_on_larger_disks_after_power_cuts_during_the_recovery()
    {
        var sizes = source.Reference.DiskSizes.Select(s => s / 2 * 3 / Size.MiB(1) * Size.MiB(1)).ToList();
        var r = source.Recover("1.5x", sizes, drillOptions: ["--power-cut", "layout+1.5", "--power-cut", "restore+8", "--power-cut", "finalize+3"]);
        Assert.Equal(sizes, r.DiskSizes);
        var cuts = r.Drill.Report.GetProperty("powerCuts").EnumerateArray().Select(c => c.GetString()!).ToList();
        MatrixCase.Log("[raid-lvm-bios/1.5x] " + string.Join(" | ", cuts));
        Assert.Equal(["layout", "restore", "finalize"], cuts.Select(c => c[..c.IndexOf('+', StringComparison.Ordinal)]));
    }

    [Fact]
    public void Comes_back_on_smaller_disks_that_still_hold_it()
    {
        var sizes = source.Reference.DiskSizes.Select(_ => Size.MiB(2300)).ToList();
        var r = source.Recover("smaller", sizes);
        Assert.Equal(sizes, r.DiskSizes);
    }
}
