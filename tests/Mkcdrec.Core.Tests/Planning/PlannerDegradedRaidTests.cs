using Mkcdrec.Core.Boot.Grub;
using Mkcdrec.Core.Planning;
using Mkcdrec.Core.Storage;
using Mkcdrec.Model.Layout;
using Mkcdrec.Model.Plan;
using static Mkcdrec.Core.Tests.Planning.PlanFixtures;

namespace Mkcdrec.Core.Tests.Planning;

/// <summary>A RAID that was degraded when the layout was captured: completed on an unused disk, or kept degraded.</summary>
public sealed class PlannerDegradedRaidTests
{
    private static RecoveryPlan Plan(LayoutDocument l, bool keepDegraded, params TargetDisk[] t)
    {
        var plan = Planner.Plan(l, t, new PlanOptions { KeepDegraded = keepDegraded });
        Assert.Empty(Planner.CheckOrder(plan));
        return plan;
    }

    private static List<string> MdArgv(RecoveryPlan plan) => plan.Steps.Single(s => s.Kind == StepKinds.MdCreate).Commands[0].Argv;

    private static PartitionTableSpec TableOn(RecoveryPlan plan, string device) =>
        plan.Steps.Single(s => s.Kind == StepKinds.Partition && s.PartitionTable!.Device == device).PartitionTable!;

    [Fact]
    public void A_degraded_raid1_on_one_disk_is_completed_on_the_second_blank_disk_with_a_copy_of_its_partition_table()
    {
        var layout = DegradedRaid1Bios();
        var before = LayoutSerializer.Serialize(layout);
        var plan = Plan(layout, false, Target("vda", 20 * GiB), Target("vdb", 20 * GiB));

        var md = MdArgv(plan);
        Assert.DoesNotContain("missing", md);
        Assert.Equal(["--raid-devices=2", "/dev/vda3", "/dev/vdb3"], md.Where(a => a.StartsWith("--raid-devices=", StringComparison.Ordinal) || a.StartsWith("/dev/vd", StringComparison.Ordinal)));

        var first = TableOn(plan, "/dev/vda");
        var copy = TableOn(plan, "/dev/vdb");
        Assert.Equal(first.Partitions.Select(p => (p.Number, p.StartSector, p.SizeSectors, p.TypeGuid, p.Name)),
            copy.Partitions.Select(p => (p.Number, p.StartSector, p.SizeSectors, p.TypeGuid, p.Name)));
        Assert.Equal([BiosBoot, Esp, LinuxRaid], copy.Partitions.Select(p => p.TypeGuid!.Value));
        Assert.NotNull(copy.DiskGuid);
        Assert.NotEqual(first.DiskGuid, copy.DiskGuid);
        Assert.All(copy.Partitions, p => Assert.NotNull(p.PartUuid));
        Assert.Empty(copy.Partitions.Select(p => p.PartUuid).Intersect(first.Partitions.Select(p => p.PartUuid)));
        Assert.DoesNotContain(plan.Steps, s => s.Kind == StepKinds.Mkfs && s.Devices.Contains("/dev/vdb2")); // the copied ESP stays empty

        var mapping = plan.Mappings.Single(m => m.TargetPath == "/dev/vdb");
        Assert.Equal((layout.Disks[0].Id, MappingReasons.Copy), (mapping.CopyOf, mapping.Reason));
        Assert.Contains("RAID /dev/md/root was degraded (1 of 2 members): completed with a copy of /dev/sda's partition table on /dev/vdb.", plan.Warnings);
        Assert.DoesNotContain(plan.Warnings, w => w.Contains("created degraded"));

        // GRUB for BIOS goes on both disks, read from the layout as captured (finalize never sees the copy).
        Assert.Equal(["/dev/vda", "/dev/vdb"], GrubTechnology.BiosTargets(layout, plan));
        Assert.Equal(before, LayoutSerializer.Serialize(layout));
        Assert.Equal(PlanRenderer.Render(plan), PlanRenderer.Render(Plan(layout, false, Target("vda", 20 * GiB), Target("vdb", 20 * GiB)))); // the same twice
    }

    [Fact]
    public void With_one_disk_the_array_stays_degraded_and_the_plan_says_why()
    {
        var plan = Plan(DegradedRaid1Bios(), false, Target("vda", 20 * GiB));
        Assert.Contains("missing", MdArgv(plan));
        Assert.Equal(["/dev/vda"], plan.Mappings.Select(m => m.TargetPath));
        var warning = Assert.Single(plan.Warnings, w => w.Contains("created degraded"));
        Assert.Contains("No unused disk holds a copy of /dev/sda's partition table (20 GiB)", warning);
        Assert.Equal(["/dev/vda"], GrubTechnology.BiosTargets(DegradedRaid1Bios(), plan));
    }

    [Fact]
    public void Keep_degraded_recreates_it_as_it_was_and_leaves_the_other_disk_alone()
    {
        var plan = Plan(DegradedRaid1Bios(), true, Target("vda", 20 * GiB, "SA"), Target("vdb", 20 * GiB));
        Assert.Contains("missing", MdArgv(plan));
        Assert.All(plan.Steps, s => Assert.DoesNotContain(s.Devices, d => d.StartsWith("/dev/vdb", StringComparison.Ordinal)));
        Assert.Contains(plan.Warnings, w => w.Contains("created degraded") && w.Contains("--keep-degraded"));
    }

    [Fact]
    public void A_disk_smaller_than_the_member_disk_is_not_used_and_the_smallest_that_fits_is()
    {
        var small = Plan(DegradedRaid1Bios(), false, Target("vda", 20 * GiB, "SA"), Target("vdb", 19 * GiB));
        Assert.Contains("missing", MdArgv(small));
        Assert.DoesNotContain(small.Mappings, m => m.TargetPath == "/dev/vdb");

        var plan = Plan(DegradedRaid1Bios(), false, Target("vda", 20 * GiB, "SA"), Target("vdb", 40 * GiB), Target("vdc", 19 * GiB), Target("vdd", 30 * GiB));
        Assert.Equal("/dev/vdd", plan.Mappings.Single(m => m.CopyOf is not null).TargetPath);
        Assert.Contains("/dev/vdd3", MdArgv(plan));
        Assert.DoesNotContain("missing", MdArgv(plan));
    }

    [Fact]
    public void A_raid5_missing_one_member_gets_it_back_in_its_slot_on_the_extra_disk()
    {
        var plan = Plan(DegradedRaid5(), false, Target("vda", 10 * GiB, "SA"), Target("vdb", 10 * GiB, "SB"), Target("vdc", 10 * GiB), Target("vdd", 10 * GiB, "SD"));
        var md = MdArgv(plan);
        Assert.DoesNotContain("missing", md);
        Assert.Equal(["/dev/vda1", "/dev/vdb1", "/dev/vdc1", "/dev/vdd1"], md.Where(a => a.StartsWith("/dev/vd", StringComparison.Ordinal)));
        Assert.Contains("--level=raid5", md);
        Assert.Contains(plan.Warnings, w => w.StartsWith("RAID /dev/md/data was degraded (3 of 4 members): completed with a copy of /dev/sda's partition table on /dev/vdc", StringComparison.Ordinal));

        var without = Plan(DegradedRaid5(), false, Target("vda", 10 * GiB, "SA"), Target("vdb", 10 * GiB, "SB"), Target("vdd", 10 * GiB, "SD"));
        Assert.Equal(["/dev/vda1", "/dev/vdb1", "missing", "/dev/vdd1"], MdArgv(without).TakeLast(4));
    }

    [Fact]
    public void One_copy_completes_every_degraded_array_of_its_disk()
    {
        var layout = DegradedRaid1Bios();
        var sda = layout.Disks[0];
        var boot = new MdArray
        {
            Id = "md:9999:9999:9999:9999", KernelName = "md126", Path = "/dev/md126", Name = "solo:boot", Level = "raid1", Metadata = "1.0", Uuid = "9999:9999:9999:9999",
            RaidDevices = 2, SizeBytes = 255 * MiB, Members = [new MdMember { DeviceId = sda.Partitions[1].Id, Slot = 0 }],
        };
        sda.Partitions[1].UsedBy = boot.Id;
        layout.Filesystems.RemoveAll(f => f.Type == "vfat");
        layout.Mounts.RemoveAll(m => m.Target == "/boot/efi");
        layout.MdArrays.Add(boot);
        var plan = Plan(layout, false, Target("vda", 20 * GiB), Target("vdb", 20 * GiB));
        var creates = plan.Steps.Where(s => s.Kind == StepKinds.MdCreate).Select(s => s.Commands[0].Argv).ToList();
        Assert.Equal(2, creates.Count);
        Assert.All(creates, a => Assert.DoesNotContain("missing", a));
        Assert.Contains(creates, a => a.TakeLast(2).SequenceEqual(["/dev/vda2", "/dev/vdb2"]));
        Assert.Single(plan.Mappings, m => m.CopyOf is not null);
    }
}
