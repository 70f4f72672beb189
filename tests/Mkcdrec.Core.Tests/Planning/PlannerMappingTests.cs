using Mkcdrec.Core.Planning;
using Mkcdrec.Model.Plan;
using static Mkcdrec.Core.Tests.Planning.PlanFixtures;
using Mkcdrec.Core.Storage;

namespace Mkcdrec.Core.Tests.Planning;

public sealed class PlannerMappingTests
{
    private static RecoveryPlan Plan(Model.Layout.LayoutDocument l, params TargetDisk[] t) => Planner.Plan(l, t, new PlanOptions());

    private static RecoveryPlan Plan(Model.Layout.LayoutDocument l, string[] maps, params TargetDisk[] t) => Planner.Plan(l, t, new PlanOptions { Maps = maps });

    private static MkcdrecException Refused(Action a)
    {
        var e = Assert.Throws<MkcdrecException>(a);
        Assert.Equal(ExitCode.Refused, e.Code);
        Assert.False(string.IsNullOrWhiteSpace(e.Hint));
        return e;
    }

    [Fact]
    public void Identity_comes_before_size()
    {
        // Both targets have the sources' size; only the serials tell which is which, and they are listed crosswise.
        var plan = Plan(RaidLuksLvmThin(), Target("vda", 20 * GiB, "SB"), Target("vdb", 20 * GiB, "SA"));
        var a = plan.Mappings.Single(m => m.SourcePath == "/dev/sda");
        var b = plan.Mappings.Single(m => m.SourcePath == "/dev/sdb");
        Assert.Equal(("/dev/vdb", MappingReasons.SameSerial), (a.TargetPath, a.Reason));
        Assert.Equal(("/dev/vda", MappingReasons.SameSerial), (b.TargetPath, b.Reason));
    }

    [Fact]
    public void Equal_size_wins_over_a_bigger_disk()
    {
        var l = Gpt();
        var plan = Plan(l, Target("vdb", 4 * GiB), Target("vda", l.Disks[0].SizeBytes));
        var m = Assert.Single(plan.Mappings);
        Assert.Equal(("/dev/vda", MappingReasons.EqualSize, "exact"), (m.TargetPath, m.Reason, m.Resize));
    }

    [Fact]
    public void The_only_disk_that_fits_is_taken()
    {
        var plan = Plan(Gpt(), Target("vda", GiB), Target("vdb", 3 * GiB));
        var m = Assert.Single(plan.Mappings);
        Assert.Equal(("/dev/vdb", MappingReasons.OnlyFit, "grow"), (m.TargetPath, m.Reason, m.Resize));
    }

    [Fact]
    public void Two_fitting_disks_are_ambiguous_and_refused_with_the_map_syntax()
    {
        var e = Refused(() => Plan(Gpt(), Target("vda", 3 * GiB), Target("vdb", 4 * GiB)));
        Assert.Contains("ambiguous", e.Message);
        Assert.Contains("/dev/vda", e.Message);
        Assert.Contains("/dev/vdb", e.Message);
        Assert.Contains("--map /dev/loop0=", e.Hint);
    }

    [Theory]
    [InlineData("/dev/loop0=/dev/vdb")]
    [InlineData("loop0=vdb")]
    [InlineData("disk:loop0=/dev/vdb")]
    public void Explicit_map_overrides(string map)
    {
        var plan = Plan(Gpt(), [map], Target("vda", 3 * GiB), Target("vdb", 4 * GiB));
        var m = Assert.Single(plan.Mappings);
        Assert.Equal(("/dev/vdb", MappingReasons.Explicit), (m.TargetPath, m.Reason));
        Assert.All(plan.Steps, s => Assert.DoesNotContain("/dev/vda", s.Devices));
    }

    [Fact]
    public void Explicit_map_beats_identity()
    {
        var plan = Plan(RaidLuksLvmThin(), ["sda=/dev/vdb", "sdb=/dev/vda"], Target("vda", 20 * GiB, "SA"), Target("vdb", 20 * GiB, "SB"));
        Assert.Equal("/dev/vdb", plan.Mappings.Single(m => m.SourcePath == "/dev/sda").TargetPath);
    }

    [Fact]
    public void The_backup_disk_is_never_a_target()
    {
        var backup = Target("vda", 2 * GiB);
        backup.HoldsBackup = true;
        var plan = Plan(Gpt(), backup, Target("vdb", 3 * GiB));
        Assert.Equal("/dev/vdb", Assert.Single(plan.Mappings).TargetPath);
        Assert.All(plan.Steps, s => Assert.DoesNotContain("/dev/vda", s.Devices));

        var e = Refused(() => Plan(Gpt(), ["loop0=/dev/vda"], backup, Target("vdb", 3 * GiB)));
        Assert.Contains("never a target", e.Message);
    }

    [Fact]
    public void The_boot_medium_with_the_original_serial_is_still_not_a_target()
    {
        var boot = Target("sda", 20 * GiB, "SA");
        boot.IsBootMedium = true;
        var plan = Plan(RaidLuksLvmThin(), boot, Target("vdb", 20 * GiB), Target("vdc", 20 * GiB));
        Assert.DoesNotContain(plan.Mappings, m => m.TargetPath == "/dev/sda");
        Assert.Contains(plan.Warnings, w => w.Contains("/dev/sda") && w.Contains("not used"));
    }

    [Fact]
    public void A_map_to_a_disk_that_does_not_exist_is_refused_naming_the_disks_found()
    {
        var e = Refused(() => Plan(Gpt(), ["loop0=/dev/nope"], Target("vda", 3 * GiB)));
        Assert.Contains("/dev/nope", e.Message);
        Assert.Contains("/dev/vda", e.Message);
    }

    [Fact]
    public void A_map_from_a_disk_the_layout_does_not_have_is_refused()
    {
        var e = Refused(() => Plan(Gpt(), ["sdz=/dev/vda"], Target("vda", 3 * GiB)));
        Assert.Contains("sdz", e.Message);
        Assert.Contains("/dev/loop0", e.Message);
    }

    [Fact]
    public void A_malformed_map_is_a_usage_error()
    {
        var e = Assert.Throws<MkcdrecException>(() => Plan(Gpt(), ["loop0"], Target("vda", 3 * GiB)));
        Assert.Equal(ExitCode.Usage, e.Code);
    }

    [Fact]
    public void Two_sources_onto_one_target_are_refused()
    {
        var e = Refused(() => Plan(RaidLuksLvmThin(), ["sda=/dev/vda", "sdb=/dev/vda"], Target("vda", 20 * GiB), Target("vdb", 20 * GiB)));
        Assert.Contains("two source disks", e.Message);
    }

    [Fact]
    public void A_missing_raid1_disk_gives_a_degraded_array()
    {
        var plan = Plan(RaidLuksLvmThin(), Target("vda", 20 * GiB));
        var missing = plan.Mappings.Single(m => m.TargetPath is null);
        Assert.True(missing.Missing);
        var md = plan.Steps.Single(s => s.Kind == StepKinds.MdCreate).Commands[0].Argv;
        Assert.Contains("missing", md);
        Assert.Equal("--raid-devices=2", md.Single(a => a.StartsWith("--raid-devices=", StringComparison.Ordinal)));
        Assert.Contains(plan.Warnings, w => w.Contains("degraded"));
        Assert.Empty(Planner.CheckOrder(plan));
    }

    [Fact]
    public void A_missing_raid1_disk_that_also_holds_the_esp_is_refused()
    {
        var e = Refused(() => Plan(RaidLuksLvmThin(), Target("vdb", 20 * GiB, "SB")));
        Assert.Contains("/dev/sda", e.Message);
    }

    [Fact]
    public void A_missing_disk_without_redundancy_is_refused()
    {
        var e = Refused(() => Plan(Gpt()));
        Assert.Contains("/dev/loop0", e.Message);
        var e2 = Refused(() => Plan(BtrfsTwoDisks(), Target("vda", 10 * GiB)));
        Assert.Contains("/dev/vdd", e2.Message);
    }

    [Fact]
    public void Largest_goes_to_largest_when_the_counts_match()
    {
        var plan = Plan(BtrfsTwoDisks(10 * GiB, 12 * GiB), Target("vda", 40 * GiB), Target("vdb", 30 * GiB));
        Assert.Equal("/dev/vdb", plan.Mappings.Single(m => m.SourcePath == "/dev/vdc").TargetPath);
        Assert.Equal("/dev/vda", plan.Mappings.Single(m => m.SourcePath == "/dev/vdd").TargetPath);
        Assert.All(plan.Mappings, m => Assert.Equal(MappingReasons.LargestToLargest, m.Reason));
    }

    [Fact]
    public void Too_small_for_every_disk_is_refused_with_the_numbers()
    {
        var e = Refused(() => Plan(Gpt(), Target("vda", GiB)));
        Assert.Matches(@"needs \d+(\.\d)? (GiB|MiB) on /dev/vda, which has 1 GiB", e.Message);
    }
}
