namespace Mkcdrec.DrillTests;

/// <summary>
/// Issue 16's power cuts during recovery: `mkcdrec drill --power-cut` kills the rescue machine (QEMU, as pulling the
/// plug: nothing the guest had not written reaches the disk) while it partitions, in the middle of the restore and
/// during finalize; each time the medium boots again on the half-written disk and the recovery starts over. The last
/// recovery must pass the whole drill: every file equal to the manifest after the restore, and the recovered disk boots
/// and compares equal, as after an uninterrupted recovery.
/// </summary>
[Collection(BiosReference.Name)]
[Trait("tier", "long")] // with the matrix (./test.sh matrix) and as its slice long-drills: too slow for every CI run
public sealed class PowerCutDrillTests(BiosReferenceMedium medium)
{
    [Fact]
    public void Power_cuts_while_partitioning_restoring_and_finalizing_leave_a_disk_the_next_boot_recovers_whole()
    {
        var r = medium.Drill("bios-power-cuts", "--power-cut", "layout+0.3", "--power-cut", "restore+6", "--power-cut", "finalize+1");
        var cuts = r.GetProperty("powerCuts").EnumerateArray().Select(c => c.GetString()!).ToList();
        ReferenceMediumFixture.Log("[bios-power-cuts] " + string.Join(" | ", cuts));
        Assert.Equal(3, cuts.Count);
        Assert.StartsWith("layout+0.3 s: ", cuts[0], StringComparison.Ordinal);
        Assert.StartsWith("restore+6 s: ", cuts[1], StringComparison.Ordinal);
        Assert.StartsWith("finalize+1 s: ", cuts[2], StringComparison.Ordinal);
        Assert.True(r.GetProperty("restoreCompare").GetArrayLength() >= 2, "the root and /home filesystems were compared");
        Assert.True(r.GetProperty("bootCompare").GetArrayLength() >= 2, "the recovered system booted and compared its filesystems");
    }
}
