using Mkcdrec.Core.Planning;
using Mkcdrec.Core.Storage;
using Mkcdrec.Model.Layout;
using Mkcdrec.Model.Plan;
using static Mkcdrec.Core.Tests.Planning.PlanFixtures;

namespace Mkcdrec.Core.Tests.Planning;

/// <summary>
/// `recover --new-identifiers`: the plan makes every identifier anew (a clone beside its original on one machine), lists
/// old and new, and no step carries an old one; the source layout keeps its values, so finalize finds the changes.
/// </summary>
public sealed class NewIdentifiersPlanTests
{
    private static RecoveryPlan Renewed(LayoutDocument layout, PlanOptions? options = null, params TargetDisk[] targets) =>
        Planner.Plan(layout, targets, new PlanOptions { NewIdentifiers = true, LuksHeaders = options?.LuksHeaders ?? new HashSet<string>() });

    private static RecoveryPlan RaidStack(LayoutDocument layout, PlanOptions? options = null) =>
        Renewed(layout, options, Target("vda", 20 * GiB, "SA"), Target("vdb", 20 * GiB, "SB"));

    /// <summary>Every identifier of the layout that a step would carry, by spelling: UUIDs, the FAT serial as mkfs.vfat takes it, the md UUID.</summary>
    private static List<string> OldValues(LayoutDocument l) =>
    [
        .. l.Filesystems.Select(f => f.Uuid!), "1A2B3C4D", .. l.MdArrays.Select(m => m.Uuid), .. l.Luks.Select(x => x.Uuid),
        .. l.Lvm.PhysicalVolumes.Select(p => p.Uuid), .. l.Lvm.VolumeGroups.Select(v => v.Uuid),
    ];

    [Fact]
    public void No_step_of_a_raid_luks_lvm_plan_carries_an_identifier_of_the_layout()
    {
        var layout = RaidLuksLvmThin();
        var before = LayoutSerializer.Serialize(layout);
        var plan = RaidStack(layout);

        // Placeholders name the container by its layout UUID (its key on the keys medium): they are tokens, not identifiers made.
        var argv = plan.Steps.SelectMany(s => s.Commands).SelectMany(c => c.Argv).Where(a => !a.StartsWith('{')).ToList();
        foreach (var old in OldValues(layout))
        {
            Assert.DoesNotContain(argv, a => a.Contains(old, StringComparison.OrdinalIgnoreCase));
        }

        var tables = plan.Steps.Select(s => s.PartitionTable).OfType<PartitionTableSpec>().ToList();
        Assert.Equal(2, tables.Count);
        Assert.All(tables, t => Assert.DoesNotContain(t.DiskGuid, layout.Disks.Select(d => d.PartitionTable.DiskGuid)));
        var oldParts = layout.Disks.SelectMany(d => d.Partitions).Select(p => p.PartUuid).ToHashSet();
        Assert.All(tables.SelectMany(t => t.Partitions), p => Assert.DoesNotContain(p.PartUuid?.ToString(), oldParts));
        Assert.DoesNotContain(plan.Steps, s => s.Kind == StepKinds.LvmIds); // the group and volumes keep what vgcreate and lvcreate give them
        Assert.Equal(before, LayoutSerializer.Serialize(layout)); // the source layout is untouched: finalize compares against it
    }

    [Fact]
    public void The_plan_lists_each_new_identifier_in_its_technology_spelling()
    {
        var plan = RaidStack(RaidLuksLvmThin());
        string New(string id) => Assert.Single(plan.NewIdentifiers, n => n.LayoutId == id).New;

        Assert.Matches(@"^[0-9A-F]{4}-[0-9A-F]{4}$", New("fs:vfat:1A2B-3C4D"));
        Assert.Matches(@"^[0-9a-f]{8}(:[0-9a-f]{8}){3}$", New("md:aaaa:bbbb:cccc:dddd"));
        Assert.Matches(@"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$", New("luks:0a1b2c3d-0000-4000-8000-000000000001"));
        Assert.Matches(@"^[A-Za-z0-9]{6}(-[A-Za-z0-9]{4}){5}-[A-Za-z0-9]{6}$", New("pv:PVUUID-1"));
        Assert.Equal("", New("vg:vg0")); // vgcreate chooses it (the fixture's volumes have no UUID to renew)
        Assert.Equal(["filesystem", "gpt-disk", "luks", "lvm-pv", "lvm-vg", "md", "partition", "swap"],
            plan.NewIdentifiers.Select(n => n.Kind).Distinct().Order(StringComparer.Ordinal));
        Assert.Contains("mkfs.xfs", plan.Steps.First(s => s.Provides.Contains("fs:xfs:abcdabcd-0000-4000-8000-00000000000a")).Commands[0].Argv);
        Assert.Contains("uuid=" + New("fs:xfs:abcdabcd-0000-4000-8000-00000000000a"), plan.Steps.SelectMany(s => s.Commands).SelectMany(c => c.Argv).SelectMany(a => a.Split(',')));

        var shown = PlanRenderer.Render(plan);
        Assert.Contains("New identifiers (--new-identifiers)", shown, StringComparison.Ordinal);
        Assert.Contains($"md md:aaaa:bbbb:cccc:dddd: aaaa:bbbb:cccc:dddd -> {New("md:aaaa:bbbb:cccc:dddd")}", shown, StringComparison.Ordinal);

        // Carried in the journal's plan as it is: a rerun after a power cut makes the same values.
        var again = PlanSerializer.Deserialize(PlanSerializer.Serialize(plan));
        Assert.Equal(plan.NewIdentifiers.Select(n => n.ToString()), again.NewIdentifiers.Select(n => n.ToString()));
    }

    [Fact]
    public void Each_plan_draws_other_values()
    {
        var a = RaidStack(RaidLuksLvmThin()).NewIdentifiers.Where(n => n.New.Length > 0).Select(n => n.New);
        var b = RaidStack(RaidLuksLvmThin()).NewIdentifiers.Where(n => n.New.Length > 0).Select(n => n.New);
        Assert.Empty(a.Intersect(b));
    }

    [Fact]
    public void Without_the_option_nothing_is_renewed()
    {
        var plan = Planner.Plan(RaidLuksLvmThin(), [Target("vda", 20 * GiB, "SA"), Target("vdb", 20 * GiB, "SB")], new PlanOptions());
        Assert.Empty(plan.NewIdentifiers);
        Assert.Contains(plan.Steps, s => s.Kind == StepKinds.LvmIds);
        Assert.DoesNotContain("New identifiers", PlanRenderer.Render(plan), StringComparison.Ordinal);
    }

    [Fact]
    public void A_kept_luks_header_is_restored_then_given_the_new_uuid()
    {
        var layout = RaidLuksLvmThin();
        var uuid = layout.Luks[0].Uuid;
        var plan = RaidStack(layout, new PlanOptions { LuksHeaders = new HashSet<string> { uuid } });
        var step = Assert.Single(plan.Steps, s => s.Kind == StepKinds.LuksHeaderRestore);
        var renewed = Assert.Single(plan.NewIdentifiers, n => n.Kind == "luks").New;
        Assert.Equal(["cryptsetup", "luksUUID", "--batch-mode", "--uuid", renewed, "/dev/md/pv"], step.Commands[1].Argv);
        Assert.Contains(plan.Placeholders, p => p.LuksUuid == uuid); // its key and header are still found by the layout's UUID
    }

    [Fact]
    public void An_mbr_disk_gets_a_new_signature_and_its_partition_ids_follow_it()
    {
        var layout = Mbr();
        var plan = Renewed(layout, null, Target("vda", layout.Disks[0].SizeBytes));
        var table = Assert.Single(plan.Steps.Select(s => s.PartitionTable).OfType<PartitionTableSpec>());
        Assert.Matches("^[0-9a-f]{8}$", table.MbrDiskId);
        Assert.NotEqual("1234abcd", table.MbrDiskId);
        var parts = plan.NewIdentifiers.Where(n => n.Kind == "partition").ToList();
        Assert.NotEmpty(parts);
        Assert.All(parts, p => Assert.Matches($"^{table.MbrDiskId}-[0-9a-f]{{2}}$", p.New));
    }

    [Fact]
    public void The_original_disk_attached_is_no_conflict_for_a_plan_with_new_identifiers()
    {
        var layout = Gpt();
        var plan = Renewed(layout, null, Target("vda", layout.Disks[0].SizeBytes));
        var present = IdentifierConflicts.PlannedBy(Planner.Plan(layout, [Target("vda", layout.Disks[0].SizeBytes)], new PlanOptions()), layout)
            .Select(p => new PresentIdentifier("/dev/sda9", p.Kind, p.Value) { Disks = ["/dev/sda"] }).ToList();
        Assert.NotEmpty(present);
        Assert.Empty(IdentifierConflicts.Find(plan, layout, present));
        Assert.Equal(present.Count, IdentifierConflicts.Find(Planner.Plan(layout, [Target("vda", layout.Disks[0].SizeBytes)], new PlanOptions()), layout, present).Count);
    }
}
