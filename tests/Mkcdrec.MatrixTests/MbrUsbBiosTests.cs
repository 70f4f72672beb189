namespace Mkcdrec.MatrixTests;

public sealed class MbrUsbBios() : MatrixCase("mbr-usb-bios", backupOnUsbDisk: true);

/// <summary>
/// Matrix case 7: the backup on a USB disk as large as the system disk (mkbackup --backup-dir), attached at recovery
/// beside the blank disks and before them. The rescue medium finds the backup on it by itself; the recovery never
/// takes it for a target and never writes it (the drill hashes it before and after); the MBR layout with its extended
/// and logical partitions comes back. Mapping onto the backup disk by hand (--map) is refused with nothing written:
/// RecoverRefusalSystemTests.
/// </summary>
[Trait("case", "mbr-usb-bios")]
public sealed class MbrUsbBiosTests(MbrUsbBios source) : IClassFixture<MbrUsbBios>
{
    // The partition table as blkid reads it (sfdisk is not in a minimal Debian): scheme, type and boot flag of the entries
    // holding a filesystem; the extended partition as the kernel shows one (a 2-sector device), the logicals inside it.
    private const string TableReport = """
        #!/bin/sh
        echo "DISK $(blkid -p -o export /dev/vda | grep '^PTTYPE=')"
        for p in /dev/vda1 /dev/vda5 /dev/vda6; do
            echo "PART $p $(blkid -p -o export $p | grep -E '^PART_ENTRY_(SCHEME|TYPE|FLAGS)=' | tr '\n' ' ')"
        done
        echo "EXTENDED vda2 sectors=$(cat /sys/class/block/vda2/size)"
        echo "ROOT $(findmnt -n -o SOURCE,UUID /)"
        """;

    /// <summary>A larger blank disk gets no captured serial: only the exclusion keeps the same-size USB disk from being the best fit.</summary>
    [Fact]
    [Trait("slice", "mbr-usb-bios")]
    public void A_larger_blank_disk_is_chosen_over_the_same_size_backup_disk_which_stays_unwritten()
    {
        var sizes = source.Reference.DiskSizes.Select(s => s / 2 * 3 / Mkcdrec.TestVm.Size.MiB(1) * Mkcdrec.TestVm.Size.MiB(1)).ToList();
        var r = source.Recover("1.5x", sizes);
        Assert.Equal(sizes, r.DiskSizes);
        Assert.Equal([source.BackupDisk], r.Drill.Report.GetProperty("attachedUnchanged").EnumerateArray().Select(e => e.GetString()));
        var job = r.RunJob("table", TableReport);
        Assert.Equal(0, job.ExitCode);
        Assert.Matches(@"PART /dev/vda1 PART_ENTRY_SCHEME=dos .*PART_ENTRY_TYPE=0x83 PART_ENTRY_FLAGS=0x80", job.Console);
        Assert.Contains("DISK PTTYPE=dos", job.Console, StringComparison.Ordinal);
        Assert.Contains("EXTENDED vda2 sectors=2", job.Console, StringComparison.Ordinal);
        Assert.Matches(@"PART /dev/vda5 PART_ENTRY_SCHEME=dos .*PART_ENTRY_TYPE=0x83", job.Console);
        Assert.Matches(@"PART /dev/vda6 PART_ENTRY_SCHEME=dos .*PART_ENTRY_TYPE=0x82", job.Console);
        Assert.Contains($"ROOT /dev/vda1 {source.Reference.Facts["ROOT_UUID"]}", job.Console, StringComparison.Ordinal);
    }

    [Fact]
    public void A_same_size_blank_disk_beside_the_backup_disk()
    {
        var r = source.Recover("same");
        Assert.Equal([source.BackupDisk], r.Drill.Report.GetProperty("attachedUnchanged").EnumerateArray().Select(e => e.GetString()));
    }
}
