using System.Diagnostics;
using Mkcdrec.Core.Storage.Bcache;
using Mkcdrec.Model.Layout;
using Mkcdrec.Model.Plan;
using static Mkcdrec.SystemTests.Capture.GuestSections;

namespace Mkcdrec.SystemTests.Recover;

/// <summary>
/// bcache with the real kernel and bcache-tools: a backing partition on one disk, its cache set on a partition of another
/// (writeback, 256 KiB buckets, 4 KiB blocks, fifo, discard, a label), ext4 on /dev/bcache0, mounted. Captured with
/// `mkcdrec layout save`, the disks wiped, recreated by `mkcdrec recover --layout-only` on the same disks and on larger
/// ones, then compared with bcache-super-show, sysfs and blkid: the cache set UUID, cache mode, sizes, label and the
/// filesystem UUID come back; the backing device's own UUID cannot (make-bcache has no option for it) and is reported.
/// </summary>
[Collection("recreate")]
public sealed class BcacheRecreateSystemTests(RecreateGuestFixture fixture)
{
    private const string Cset = "b0cac4e0-5e70-4a11-9c2b-3b0d9f1e2a77";

    private static readonly TimeSpan Long = TimeSpan.FromMinutes(12);

    // The guest's udev has bcache-tools' rule, which registers what make-bcache writes; registering again is harmless.
    private const string Build = $$"""
        modprobe bcache
        sgdisk -n1:1M:+1200M -t1:8300 -c1:slow $SCRATCH0 >/dev/null
        sgdisk -n1:1M:+400M -t1:8300 -c1:fast $SCRATCH1 >/dev/null
        partx -u $SCRATCH0 2>/dev/null || true; partx -u $SCRATCH1 2>/dev/null || true; udevadm settle
        make-bcache --wipe-bcache --block 4k --bucket 256k --discard --cache_replacement_policy=fifo --cset-uuid {{Cset}} \
            -C ${SCRATCH1}1 --writeback -B ${SCRATCH0}1 >/dev/null
        udevadm settle
        echo ${SCRATCH1}1 > /sys/fs/bcache/register_quiet; echo ${SCRATCH0}1 > /sys/fs/bcache/register_quiet
        for i in $(seq 30); do [ -e /sys/block/bcache0/bcache/cache ] && break; sleep 1; done
        printf bcroot > /sys/block/bcache0/bcache/label
        udevadm settle
        mkfs.ext4 -q -L bcdata /dev/bcache0
        mkdir -p /mnt/bc; mount /dev/bcache0 /mnt/bc; head -c 8M /dev/urandom > /mnt/bc/blob; sync
        bcache-super-show ${SCRATCH0}1 > /tmp/src-bcache-backing.txt; bcache-super-show ${SCRATCH1}1 > /tmp/src-bcache-cache.txt
        { ls -l /sys/block/bcache0 /sys/block/bcache0/bcache /sys/block/bcache0/bcache/; ls -l /sys/fs/bcache/{{Cset}}/; } > /tmp/src-bcache-sysfs.txt 2>&1
        mkcdrec layout save --disk $SCRATCH0 --disk $SCRATCH1 -o /tmp/src-bcache.json >/dev/null
        """;

    [Theory]
    [InlineData("same")]
    [InlineData("larger")]
    public void Recreates_bcache_with_its_cache_set_mode_and_filesystem(string size)
    {
        var caseWatch = Stopwatch.StartNew();
        RecreateSystemTests.EnsureSource(fixture, "bcache", Build);
        var vm = fixture.Vm;
        var source = vm.RunChecked(
            Section("SRC", "cat /tmp/src-bcache.json") + Section("SRCBACKING", "cat /tmp/src-bcache-backing.txt") +
            Section("SRCCACHE", "cat /tmp/src-bcache-cache.txt") + Section("SRCSYSFS", "cat /tmp/src-bcache-sysfs.txt"));
        var src = Split(source.Stdout);
        KeepForCorpus(src);
        fixture.WipeDisks();

        var (t0, t1) = size == "same" ? ("$SCRATCH0", "$SCRATCH1") : ("$SCRATCH2", "$SCRATCH3");
        var maps = $"--map $SCRATCH0={t0} --map $SCRATCH1={t1}";
        var plan = PlanSerializer.Deserialize(vm.RunChecked($"mkcdrec recover --layout /tmp/src-bcache.json --plan --json {maps}", Long).Stdout);
        Assert.Equal([BcacheTechnology.CacheStep, BcacheTechnology.CreateStep], plan.Steps.Where(s => s.Kind.StartsWith("bcache", StringComparison.Ordinal)).Select(s => s.Kind));
        var backing = plan.Steps.Single(s => s.Kind == BcacheTechnology.CreateStep).Devices[0];
        var cache = plan.Steps.Single(s => s.Kind == BcacheTechnology.CacheStep).Devices[0];

        var log = $"/tmp/recover-bcache-{size}.log";
        var r = vm.RunChecked("set -e\n" +
            Section("RECOVER", $"mkcdrec recover --layout /tmp/src-bcache.json --layout-only --yes {maps} --journal /tmp/journal-bcache-{size}.json --log {log} 2>&1") +
            Section("MOUNTS", "findmnt -rn -o TARGET,SOURCE | grep '^/mnt/local' || true") +
            Section("LAYOUT", $"mkcdrec layout save --disk {t0} --disk {t1} -o /tmp/got.json >/dev/null; cat /tmp/got.json") +
            Section("BACKING", $"bcache-super-show {backing}") + Section("CACHE", $"bcache-super-show {cache}") +
            Section("SYSFS", "cat /sys/block/bcache0/bcache/cache_mode /sys/block/bcache0/bcache/label /sys/block/bcache0/bcache/state; basename \"$(readlink /sys/block/bcache0/bcache/cache)\"") +
            Section("BLKID", "blkid -p -o export /dev/bcache0") +
            Section("FSCK", "findmnt -rn -o TARGET | grep '^/mnt/local' | sort -r | xargs -r umount; e2fsck -fn /dev/bcache0 >/tmp/fsck.out 2>&1; echo \"fsck $?\""), Long);
        var s = Split(r.Stdout);
        var a = LayoutSerializer.Deserialize(src["SRC"]);
        var got = LayoutSerializer.Deserialize(s["LAYOUT"]);
        var oldSb = BcacheSuperShowParser.Parse(src["SRCBACKING"])!;
        var newSb = BcacheSuperShowParser.Parse(s["BACKING"])!;
        Timings.Report($"bcache/{size}: case {caseWatch.Elapsed.TotalSeconds:F1} s; backing {backing}, cache {cache}; backing dev.uuid {oldSb.Uuid} -> {newSb.Uuid}" +
            (oldSb.Uuid == newSb.Uuid ? " (kept)" : " (new: make-bcache cannot be told it)"));
        Assert.Contains("Done:", s["RECOVER"], StringComparison.Ordinal);

        // The superblocks, as bcache-tools reads them.
        var newCache = BcacheSuperShowParser.Parse(s["CACHE"])!;
        var oldCache = BcacheSuperShowParser.Parse(src["SRCCACHE"])!;
        Assert.Equal((Cset, Cset), (newSb.CacheSetUuid, newCache.CacheSetUuid));
        Assert.Equal((oldSb.CacheMode, oldSb.SectorsPerBlock, oldSb.DataFirstSector, oldSb.Label), (newSb.CacheMode, newSb.SectorsPerBlock, newSb.DataFirstSector, newSb.Label));
        Assert.Equal((oldCache.SectorsPerBlock, oldCache.SectorsPerBucket, oldCache.Replacement, oldCache.Discard), (newCache.SectorsPerBlock, newCache.SectorsPerBucket, newCache.Replacement, newCache.Discard));
        Assert.Equal(("writeback", "bcroot", "fifo", true), (newSb.CacheMode, newSb.Label, newCache.Replacement, newCache.Discard));

        // The kernel's view: attached to the original cache set, writeback, labelled.
        var sysfs = s["SYSFS"].Split('\n');
        Assert.Contains("[writeback]", sysfs[0], StringComparison.Ordinal);
        Assert.Equal("bcroot", sysfs[1].Trim());
        Assert.Equal(Cset, sysfs[3].Trim());

        // mkcdrec's own capture of what it made: the same bcache device and cache set, the filesystem on it with its UUID.
        var ba = Assert.Single(a.Bcache);
        var bb = Assert.Single(got.Bcache);
        Assert.Equal((ba.KernelName, ba.CacheMode, ba.Label, ba.BlockSizeBytes, ba.DataOffsetSectors), (bb.KernelName, bb.CacheMode, bb.Label, bb.BlockSizeBytes, bb.DataOffsetSectors));
        Assert.Equal((ba.Cache!.Uuid, ba.Cache.BlockSizeBytes, ba.Cache.BucketSizeBytes, ba.Cache.Replacement, ba.Cache.Discard),
            (bb.Cache!.Uuid, bb.Cache.BlockSizeBytes, bb.Cache.BucketSizeBytes, bb.Cache.Replacement, bb.Cache.Discard));
        Assert.Equal(newSb.Uuid, bb.BackingUuid);
        var fa = Assert.Single(a.Filesystems, f => f.DeviceIds.Contains(ba.Id));
        var fb = Assert.Single(got.Filesystems, f => f.DeviceIds.Contains(bb.Id));
        Assert.Equal((fa.Uuid, fa.Label, fa.Type), (fb.Uuid, fb.Label, fb.Type));
        var probe = ParseBlkid("# /dev/bcache0\n" + s["BLKID"])["/dev/bcache0"];
        Assert.Equal((fa.Uuid, "bcdata", "ext4"), (probe["UUID"], probe["LABEL"], probe["TYPE"]));
        if (size == "larger")
        {
            Assert.True(bb.SizeBytes > ba.SizeBytes, "the bcache device grows with its backing partition");
        }

        Assert.Contains(got.Mounts, m => m.Target == "/mnt/local/mnt/bc" && m.FilesystemId == fb.Id);
        Assert.Equal("fsck 0", s["FSCK"].Trim());
    }

    /// <summary>MKCDREC_BCACHE_CORPUS=DIR keeps the source's real bcache-super-show and sysfs listings (Capture/corpus/bcache).</summary>
    private static void KeepForCorpus(Dictionary<string, string> src)
    {
        if (Environment.GetEnvironmentVariable("MKCDREC_BCACHE_CORPUS") is { Length: > 0 } dir)
        {
            File.WriteAllText(Path.Combine(dir, "backing-label.txt"), src["SRCBACKING"]);
            File.WriteAllText(Path.Combine(dir, "cache-label.txt"), src["SRCCACHE"]);
            File.WriteAllText(Path.Combine(dir, "sysfs-6.1.txt"), src["SRCSYSFS"]);
        }
    }
}
