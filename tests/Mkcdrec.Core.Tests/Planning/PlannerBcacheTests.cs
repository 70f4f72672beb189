using Mkcdrec.Core.Planning;
using Mkcdrec.Core.Storage;
using Mkcdrec.Core.Storage.Bcache;
using Mkcdrec.Model.Layout;
using Mkcdrec.Model.Plan;
using static Mkcdrec.Core.Tests.Planning.BcacheFixtures;
using static Mkcdrec.Core.Tests.Planning.PlanFixtures;

namespace Mkcdrec.Core.Tests.Planning;

/// <summary>bcache in the plan: where its steps come, what make-bcache is given, how the devices get their names back.</summary>
public sealed class PlannerBcacheTests
{
    private static RecoveryPlan Plan(LayoutDocument? layout = null, TargetDisk[]? targets = null, PlanOptions? options = null) =>
        Planner.Plan(layout ?? Stack(), targets ?? Targets(), options ?? new PlanOptions());

    private static PlanStep Step(RecoveryPlan plan, string id) => plan.Steps.Single(s => s.Id == id);

    private static List<string> Lines(PlanStep step) => [.. step.Commands.Select(c => c.ToString())];

    [Fact]
    public void Bcache_comes_after_partitions_and_md_and_before_lvm_and_mkfs()
    {
        var plan = Plan();
        Assert.Empty(Planner.CheckOrder(plan));
        int At(string id) => plan.Steps.FindIndex(s => s.Id == id);
        var cache = At("bcache-cache:bcache-cset:" + Cset);
        var b0 = At("bcache-create:bcache:disk:HDD/p2");
        var b1 = At("bcache-create:bcache:" + MdId);
        var b2 = At("bcache-create:bcache:disk:PLAIN/p1");
        Assert.All(plan.Steps.Where(s => s.Kind is StepKinds.Partition or StepKinds.MdCreate), s => Assert.True(plan.Steps.IndexOf(s) < cache));
        Assert.True(cache < b0 && b0 < b1 && b1 < b2, "the cache set first, then the devices in their original order");
        Assert.True(b1 < At("pv-create:pv:BCPV"));
        Assert.True(b0 < At("mkfs:" + RootFs) && b2 < At("mkfs:" + ScratchFs));
        Assert.Equal(["/dev/bcache0", "/dev/bcache1", "/dev/bcache2"], new[] { b0, b1, b2 }.Select(i => plan.Steps[i].Devices[1]));
        Assert.Equal("/dev/bcache0", Step(plan, "mkfs:" + RootFs).Devices.Single());
        Assert.Equal(["pvcreate", "--yes", "--uuid", "BCPV", "--norestorefile", "/dev/bcache1"], Step(plan, "pv-create:pv:BCPV").Commands.Single().Argv);
        Assert.Empty(plan.Warnings);
    }

    [Fact]
    public void The_cache_set_is_made_once_with_its_uuid_sizes_and_policy_and_registered()
    {
        var step = Step(Plan(), "bcache-cache:bcache-cset:" + Cset);
        Assert.Equal(BcacheTechnology.CacheStep, step.Kind);
        Assert.True(step.Destructive);
        Assert.Equal(
        [
            "modprobe bcache",
            "wipefs --all --force /dev/nvme1n1p1",
            $"make-bcache --block 4096 --bucket 524288 --discard --cache_replacement_policy=fifo --cset-uuid {Cset} --wipe-bcache --cache /dev/nvme1n1p1",
            "udevadm settle",
            "tee /sys/fs/bcache/register_quiet <<< /dev/nvme1n1p1",
            "test -d /sys/fs/bcache/" + Cset,
        ], Lines(step));
        Assert.Equal("/dev/nvme1n1p1", step.Commands[4].StandardInput);
    }

    [Fact]
    public void A_backing_device_is_made_registered_checked_then_labelled()
    {
        var plan = Plan();
        Assert.Equal(
        [
            "test '!' -e /sys/block/bcache0",
            "modprobe bcache",
            "wipefs --all --force /dev/vda2",
            $"make-bcache --block 4096 --writeback --cset-uuid {Cset} --wipe-bcache --bdev /dev/vda2",
            "udevadm settle",
            "tee /sys/fs/bcache/register_quiet <<< /dev/vda2",
            "test -d /sys/block/bcache0/bcache",
            $"test /sys/block/bcache0/bcache/cache -ef /sys/fs/bcache/{Cset}",
            "tee /sys/block/bcache0/bcache/label <<< root",
            "udevadm settle",
        ], Lines(Step(plan, "bcache-create:bcache:disk:HDD/p2")));

        // On the md array: its data offset, writethrough (make-bcache's default); the array by its name.
        var onMd = Step(plan, "bcache-create:bcache:" + MdId);
        Assert.Contains($"make-bcache --block 4096 --data-offset 2048 --cset-uuid {Cset} --wipe-bcache --bdev /dev/md/data", Lines(onMd));
        Assert.Equal([MdId, "bcache-cset:" + Cset, "bcache:disk:HDD/p2"], onMd.Requires);

        // Without a cache: no cache set; a cache mode make-bcache cannot set is written after registering.
        var plain = Lines(Step(plan, "bcache-create:bcache:disk:PLAIN/p1"));
        Assert.Contains("make-bcache --block 512 --wipe-bcache --bdev /dev/vdd1", plain);
        Assert.Contains("tee /sys/block/bcache2/bcache/cache_mode <<< writearound", plain);
        Assert.DoesNotContain(plain, l => l.Contains("-ef", StringComparison.Ordinal));
    }

    [Fact]
    public void Without_the_cache_disk_the_devices_are_made_uncached_with_a_warning()
    {
        // As captured with --disk for the hard disks only: the SSD is not in the layout, the cache sets still name its partition.
        var layout = Stack();
        layout.Disks.RemoveAll(d => d.Serial == "SSD");
        var plan = Plan(layout, Targets(withSsd: false));
        Assert.Empty(Planner.CheckOrder(plan));
        Assert.DoesNotContain(plan.Steps, s => s.Kind == BcacheTechnology.CacheStep);
        Assert.DoesNotContain(plan.Steps.SelectMany(s => s.Commands), c => c.Argv.Contains("--cset-uuid"));
        Assert.Equal(2, plan.Warnings.Count(w => w.Contains("made without its cache set " + Cset, StringComparison.Ordinal)));
        Assert.Contains(plan.Steps, s => s.Id == "mkfs:" + RootFs);
    }

    [Fact]
    public void A_gap_in_the_numbering_closes_with_a_warning()
    {
        var layout = Stack();
        layout.Bcache.RemoveAt(1); // bcache1 (and the LVM on it) gone: bcache0 and bcache2 remain
        layout.Lvm = new LvmInfo();
        layout.Filesystems.RemoveAll(f => f.Id == SrvFs);
        layout.Mounts.RemoveAll(m => m.FilesystemId == SrvFs);
        layout.MdArrays[0].UsedBy = null;
        var plan = Plan(layout);
        Assert.Equal("/dev/bcache1", Step(plan, "bcache-create:bcache:disk:PLAIN/p1").Devices[1]);
        Assert.Contains(plan.Warnings, w => w.StartsWith("bcache /dev/bcache2 becomes /dev/bcache1", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(1.5)]
    [InlineData(0.5)]
    public void Resized_disks_resize_the_backing_devices_and_what_is_on_them(double factor)
    {
        var layout = Stack();
        var plan = Plan(layout, Targets(factor));
        Assert.Empty(Planner.CheckOrder(plan));
        var table = plan.Steps.Single(s => s.PartitionTable?.Device == "/dev/vda").PartitionTable!;
        var backing = table.Partitions.Single(p => p.Number == 2);
        Assert.Equal(factor > 1, backing.SizeSectors * 512 > layout.Disks[0].Partitions[1].SizeBytes);
        Assert.Contains("(resized)", Step(plan, "mkfs:" + RootFs).Description, StringComparison.Ordinal);
        var lv = Step(plan, "lv-create:lv:data/srv").Commands.Single().Argv;
        Assert.Contains("--size", lv);
    }

    [Fact]
    public void Sizes_follow_the_backing_device_less_its_data_offset()
    {
        var layout = Stack();
        var graph = new StorageGraph(layout, new PlanOptions(), Registry.Technologies.Storage);
        var context = new PlanContext(graph, new PlanOptions(), new RecoveryPlan(), Registry.Technologies.Storage);
        var b1 = layout.Bcache[1];
        Assert.Equal(layout.MdArrays[0].SizeBytes - 2048 * 512, context.SizeOf(b1.Id, planned: false));
        Assert.Equal(b1.SizeBytes, graph.OriginalSize(b1.Id));
        Assert.Equal([MdId], graph.DevicesBelow(b1.Id));
        Assert.Equal("pv:BCPV", graph.UsedBy(b1.Id));

        // A backing partition needs what its filesystem needs, plus the bcache superblock's 8 KiB.
        var root = layout.Filesystems.Single(f => f.Id == RootFs);
        Assert.Equal(graph.UsedWithMargin(root, 0) + 8192, graph.DeviceNeed(layout.Disks[0].Partitions[1].Id));
    }

    [Fact]
    public void The_new_backing_uuids_are_read_back_for_the_configuration_rewrite()
    {
        var layout = Stack();
        var plan = Plan(layout);
        var shown = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Capture", "corpus", "bcache", "backing-writeback.txt"));
        var run = new SuperShowRunner(new()
        {
            ["/dev/vda2"] = shown, // another UUID than the layout's
            ["/dev/md/data"] = shown.Replace("82690924-c57e-4afb-907e-f5f6f94f020d", layout.Bcache[1].BackingUuid, StringComparison.Ordinal),
        });
        var changes = new BcacheTechnology().ProbeIdChanges(new IdProbeContext { Layout = layout, Plan = plan, Run = run }).ToList();
        var c = Assert.Single(changes);
        Assert.Equal(("bcache", "bcache:disk:HDD/p2", "bacc0000-0000-4000-8000-000000000000", "82690924-c57e-4afb-907e-f5f6f94f020d", false), (c.Kind, c.LayoutId, c.Old, c.New, c.BootCritical));
    }

    private sealed class SuperShowRunner(Dictionary<string, string> byDevice) : Mkcdrec.Core.Platform.IProcessRunner
    {
        public Mkcdrec.Core.Platform.ProcessResult Run(Mkcdrec.Core.Platform.ProcessRequest request) =>
            request.FileName == "bcache-super-show" && byDevice.TryGetValue(request.Arguments[^1], out var o)
                ? new(0, o, "", TimeSpan.Zero)
                : new(2, "", "Can't open dev", TimeSpan.Zero);

        public bool CanRun(string program) => true;
    }

    [Fact]
    public void The_rescue_system_carries_bcache_tools_only_for_a_layout_with_bcache_and_never_its_udev_rule()
    {
        var t = new BcacheTechnology();
        var component = Assert.Single(t.RescueComponents);
        Assert.True(component.RequiredWhen(new RescueNeeds(Stack(), false)));
        Assert.False(component.RequiredWhen(new RescueNeeds(RaidLuksLvmThin(), false)));
        Assert.Contains("/lib/udev/rules.d/69-bcache.rules", component.ExcludePaths);
        Assert.Equal(["make-bcache", "bcache-super-show"], component.Programs.Select(p => p.Name));
        Assert.Contains(t.StepPrograms, p => p.Name == "tee");
        Assert.True(t.InInitramfs(Stack()));
        Assert.False(t.InInitramfs(RaidLuksLvmThin()));
    }
}
