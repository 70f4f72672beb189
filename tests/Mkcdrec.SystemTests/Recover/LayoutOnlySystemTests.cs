using Mkcdrec.Model.Layout;
using Mkcdrec.Model.Plan;
using static Mkcdrec.SystemTests.Capture.GuestSections;

namespace Mkcdrec.SystemTests.Recover;

/// <summary>
/// Issue 3's executor: a real GPT layout built with sgdisk/mkfs in the guest, captured, wiped, recreated by
/// `mkcdrec recover --layout-only`, captured again and compared; sgdisk -v and fsck must find nothing wrong.
/// </summary>
[Collection("guest")]
public sealed class LayoutOnlySystemTests(GuestFixture guest)
{
    private readonly Mkcdrec.TestVm.TestVm _vm = guest.Vm;

    private static readonly TimeSpan Long = TimeSpan.FromMinutes(10);

    // ESP (vfat), ext4, swap, btrfs with a subvolume: 1 GiB in all, on $SCRATCH0; mounted so the layout records mounts.
    private const string BuildSource = """
        set -e
        modprobe btrfs 2>/dev/null || true
        D=$SCRATCH0
        sgdisk -n1:1M:+100M -t1:ef00 -c1:esp -n2:0:+400M -t2:8300 -c2:root -n3:0:+64M -t3:8200 -c3:swap -n4:0:0 -t4:8300 -c4:data $D >/dev/null
        partx -u $D 2>/dev/null || true; udevadm settle
        mkfs.vfat -F 32 -n EFI ${D}1 >/dev/null
        mkfs.ext4 -q -L root ${D}2
        mkswap -q -L swap0 ${D}3
        mkfs.btrfs -q -f -L data ${D}4
        mkdir -p /mnt/src /mnt/srcdata
        mount ${D}2 /mnt/src; mkdir -p /mnt/src/boot/efi; mount ${D}1 /mnt/src/boot/efi
        mount ${D}4 /mnt/srcdata; btrfs -q subvolume create /mnt/srcdata/@data
        sync
        mkcdrec layout save --disk $D -o /tmp/src.json >/dev/null
        umount /mnt/src/boot/efi /mnt/src /mnt/srcdata
        for p in ${D}1 ${D}2 ${D}3 ${D}4; do wipefs -a -q $p; done
        wipefs -a -q $D
        dd if=/dev/zero of=$D bs=1M count=1 conv=fsync status=none
        dd if=/dev/zero of=$D bs=1M count=1 seek=$(( $(blockdev --getsize64 $D) / 1048576 - 1 )) conv=fsync status=none
        partx -d $D 2>/dev/null || true; blockdev --rereadpt $D; udevadm settle
        test ! -e ${D}1
        """;

    private static void AssertSameLayout(LayoutDocument src, LayoutDocument got, bool exactGeometry)
    {
        var a = Assert.Single(src.Disks);
        var b = Assert.Single(got.Disks);
        Assert.Equal(a.PartitionTable.Kind, b.PartitionTable.Kind);
        Assert.Equal(a.PartitionTable.DiskGuid, b.PartitionTable.DiskGuid);
        Assert.Equal(a.Partitions.Count, b.Partitions.Count);
        foreach (var pa in a.Partitions)
        {
            var pb = Assert.Single(b.Partitions, p => p.Number == pa.Number);
            Assert.Equal(pa.TypeGuid, pb.TypeGuid);
            Assert.Equal(pa.PartUuid!.ToLowerInvariant(), pb.PartUuid!.ToLowerInvariant());
            Assert.Equal(pa.Name, pb.Name);
            if (exactGeometry)
            {
                Assert.Equal(pa.StartSector, pb.StartSector);
                Assert.Equal(pa.SizeSectors, pb.SizeSectors);
            }
        }

        Assert.Equal(src.Filesystems.Count, got.Filesystems.Count);
        foreach (var fa in src.Filesystems)
        {
            var fb = Assert.Single(got.Filesystems, f => f.Uuid == fa.Uuid);
            Assert.Equal(fa.Type, fb.Type);
            Assert.Equal(fa.Label, fb.Label);
        }

        if (exactGeometry)
        {
            // Capture lists subvolumes of mounted btrfs only; the unmounted case checks them with btrfs itself.
            var btrfs = Assert.Single(got.Filesystems, f => f.Type == "btrfs");
            Assert.Contains(btrfs.Btrfs!.Subvolumes, s => s.Path == "@data");
        }
    }

    [Fact]
    public void Recreates_a_gpt_layout_on_the_same_disk_exactly_and_leaves_it_mounted()
    {
        _vm.WipeDisks();
        var r = _vm.RunChecked(BuildSource + "\n" +
            Section("RECOVER", "mkcdrec recover --layout /tmp/src.json --layout-only --map $SCRATCH0=$SCRATCH0 --yes --journal /tmp/j1.json 2>&1") +
            Section("MOUNTS", "findmnt -rn -o TARGET | grep '^/mnt/local' | sort") +
            Section("AGAIN", "mkcdrec recover --layout /tmp/src.json --layout-only --map $SCRATCH0=$SCRATCH0 --yes --journal /tmp/j1.json 2>&1") +
            Section("LAYOUT", "mkcdrec layout save --disk $SCRATCH0 -o /tmp/got.json >/dev/null; cat /tmp/got.json") +
            Section("SRC", "cat /tmp/src.json") +
            Section("UMOUNT", "findmnt -rn -o TARGET | grep '^/mnt/local' | sort -r | xargs -r umount") +
            Section("SGDISK", "sgdisk -v $SCRATCH0") +
            Section("FSCK", "e2fsck -fn ${SCRATCH0}2 >/dev/null 2>&1; echo e2fsck=$?; fsck.vfat -n ${SCRATCH0}1 >/dev/null 2>&1; echo vfat=$?; btrfs check ${SCRATCH0}4 >/dev/null 2>&1; echo btrfs=$?"), Long);
        var s = Split(r.Stdout);
        AssertSameLayout(LayoutSerializer.Deserialize(s["SRC"]), LayoutSerializer.Deserialize(s["LAYOUT"]), exactGeometry: true);
        Assert.Contains("Done:", s["RECOVER"], StringComparison.Ordinal);
        Assert.Contains("/mnt/local/mnt/src", s["MOUNTS"], StringComparison.Ordinal);
        Assert.Contains("/mnt/local/mnt/src/boot/efi", s["MOUNTS"], StringComparison.Ordinal);
        Assert.Contains("/mnt/local/mnt/srcdata", s["MOUNTS"], StringComparison.Ordinal);
        // A rerun of the same plan resumes after the last completed step: here, all of them.
        Assert.Contains("already done (journal), skipped", s["AGAIN"], StringComparison.Ordinal);
        Assert.Contains("0 step(s) run", s["AGAIN"], StringComparison.Ordinal);
        Assert.Contains("No problems found", s["SGDISK"], StringComparison.Ordinal);
        Assert.Contains("e2fsck=0", s["FSCK"], StringComparison.Ordinal);
        Assert.Contains("vfat=0", s["FSCK"], StringComparison.Ordinal);
        Assert.Contains("btrfs=0", s["FSCK"], StringComparison.Ordinal);
    }

    [Fact]
    public void Recreates_onto_a_larger_disk_with_the_planned_sizes_unmounted()
    {
        _vm.WipeDisks();
        var r = _vm.RunChecked(BuildSource + "\n" +
            Section("PLAN", "mkcdrec recover --layout /tmp/src.json --plan --json --map $SCRATCH0=$SCRATCH2") +
            Section("RECOVER", "mkcdrec recover --layout /tmp/src.json --layout-only --no-mount --map $SCRATCH0=$SCRATCH2 --yes --journal /tmp/j2.json 2>&1") +
            Section("MOUNTS", "findmnt -rn -o TARGET | grep -c '^/mnt/local' || true") +
            Section("LAYOUT", "mkcdrec layout save --disk $SCRATCH2 -o /tmp/got2.json >/dev/null; cat /tmp/got2.json") +
            Section("SRC", "cat /tmp/src.json") +
            Section("SGDISK", "sgdisk -v $SCRATCH2") +
            Section("FSCK", "e2fsck -fn ${SCRATCH2}2 >/dev/null 2>&1; echo e2fsck=$?") +
            Section("SUBVOLS", "mkdir -p /mnt/chk; mount ${SCRATCH2}4 /mnt/chk; btrfs subvolume list /mnt/chk; umount /mnt/chk"), Long);
        var s = Split(r.Stdout);
        var plan = PlanSerializer.Deserialize(s["PLAN"]);
        var got = LayoutSerializer.Deserialize(s["LAYOUT"]);
        AssertSameLayout(LayoutSerializer.Deserialize(s["SRC"]), got, exactGeometry: false);
        var spec = plan.Steps.Single(x => x.PartitionTable is not null).PartitionTable!;
        var disk = Assert.Single(got.Disks);
        Assert.Equal(2L << 30, disk.SizeBytes);
        foreach (var p in spec.Partitions)
        {
            var q = Assert.Single(disk.Partitions, x => x.Number == p.Number);
            Assert.Equal(p.StartSector, q.StartSector);
            Assert.Equal(p.SizeSectors, q.SizeSectors);
        }

        Assert.True(disk.Partitions.Single(p => p.Number == 2).SizeSectors > 400 * 2048, "the ext4 partition grew");
        Assert.Equal("0", s["MOUNTS"].Trim());
        Assert.Contains(" path @data", s["SUBVOLS"], StringComparison.Ordinal);
        Assert.Contains("No problems found", s["SGDISK"], StringComparison.Ordinal);
        Assert.Contains("e2fsck=0", s["FSCK"], StringComparison.Ordinal);
    }

    [Fact]
    public void Without_yes_and_without_a_terminal_it_refuses_and_changes_nothing()
    {
        _vm.WipeDisks();
        var r = _vm.Run(BuildSource + "\nset +e\nmkcdrec recover --layout /tmp/src.json --layout-only --map $SCRATCH0=$SCRATCH0 --journal /tmp/j3.json; echo rc=$?; test -e ${SCRATCH0}1 && echo touched || echo untouched", Long);
        Assert.Contains("rc=7", r.Stdout, StringComparison.Ordinal);
        Assert.Contains("untouched", r.Stdout, StringComparison.Ordinal);
        Assert.Contains("--yes", r.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void A_failed_step_stops_the_run_naming_it_and_a_rerun_resumes_after_the_completed_steps()
    {
        _vm.WipeDisks();
        var r = _vm.RunChecked(BuildSource + "\nset +e\n" +
            "mkdir -p /tmp/failbin; printf '#!/bin/sh\\necho \"mkswap: simulated failure\" >&2\\nexit 3\\n' > /tmp/failbin/mkswap; chmod +x /tmp/failbin/mkswap\n" +
            Section("FAILED", "PATH=/tmp/failbin:$PATH mkcdrec recover --layout /tmp/src.json --layout-only --no-mount --map $SCRATCH0=$SCRATCH1 --yes --journal /tmp/j4.json; echo rc=$?") +
            Section("JOURNAL", "cat /tmp/j4.json") +
            Section("RESUMED", "mkcdrec recover --layout /tmp/src.json --layout-only --no-mount --map $SCRATCH0=$SCRATCH1 --yes --journal /tmp/j4.json; echo rc=$?") +
            Section("BLKID", "blkid -p -o value -s TYPE ${SCRATCH1}3") +
            Section("SGDISK", "sgdisk -v $SCRATCH1"), Long);
        var s = Split(r.Stdout);
        Assert.Contains("rc=6", s["FAILED"], StringComparison.Ordinal);
        Assert.Contains("mkswap:", r.Stderr, StringComparison.Ordinal);
        Assert.Contains("simulated failure", r.Stderr, StringComparison.Ordinal);
        Assert.Contains("\"completedSteps\"", s["JOURNAL"], StringComparison.Ordinal);
        Assert.DoesNotContain("mkswap:", s["JOURNAL"].Split("\"plan\"")[0], StringComparison.Ordinal);
        Assert.Contains("Resuming", s["RESUMED"], StringComparison.Ordinal);
        Assert.Contains("already done (journal), skipped", s["RESUMED"], StringComparison.Ordinal);
        Assert.Contains("rc=0", s["RESUMED"], StringComparison.Ordinal);
        Assert.Equal("swap", s["BLKID"].Trim());
        Assert.Contains("No problems found", s["SGDISK"], StringComparison.Ordinal);
    }
}
