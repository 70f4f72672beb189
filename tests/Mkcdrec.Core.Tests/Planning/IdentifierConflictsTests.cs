using Mkcdrec.Core.Planning;
using Mkcdrec.Core.Platform;
using Mkcdrec.Core.Storage;
using Mkcdrec.Model.Plan;

namespace Mkcdrec.Core.Tests.Planning;

/// <summary>A plan that would create a UUID a device it does not overwrite already has (the original disk, still attached) carries the clash.</summary>
public sealed class IdentifierConflictsTests
{
    // The host-loop-gpt layout (plan "gpt": recreated on /dev/vda), its ext4 filesystem and partition 2.
    private const string Ext4Uuid = "6469b6c2-38d1-40c1-b8f5-1e0019a7fff2";
    private const string Part2Uuid = "7b6049b4-9477-4d4f-9fee-7497de40dcd1";
    private const string DiskGuid = "b6d81624-8ae9-44bc-8002-b0cb7e6a3fda";

    // What `blkid -c /dev/null -o export` prints (util-linux 2.38): a block per device, DEVNAME first, blank lines between.
    private const string Export = """
        DEVNAME=/dev/sda
        PTUUID=b6d81624-8ae9-44bc-8002-b0cb7e6a3fda
        PTTYPE=gpt

        DEVNAME=/dev/sda1
        PARTLABEL=bios
        PARTUUID=241e262a-2dcd-4e8c-be3a-701838480ba1

        DEVNAME=/dev/sda2
        UUID=6469b6c2-38d1-40c1-b8f5-1e0019a7fff2
        BLOCK_SIZE=4096
        TYPE=ext4
        PARTLABEL=root
        PARTUUID=7b6049b4-9477-4d4f-9fee-7497de40dcd1

        DEVNAME=/dev/sdb1
        UUID=aaaabbbb-cccc-dddd-eeee-ffff00001111
        UUID_SUB=12345678-9abc-def0-1234-56789abcdef0
        LABEL=web1:pv
        TYPE=linux_raid_member
        PARTUUID=0d0e0f00-0000-4000-8000-000000000001

        DEVNAME=/dev/mapper/vg0-root
        UUID=11111111-2222-3333-4444-555555555555
        LABEL=my\ root
        TYPE=ext4

        DEVNAME=/dev/sdc1
        SEC_TYPE=msdos
        UUID=1A2B-3C4D
        TYPE=vfat
        PTTYPE=dos
        PARTUUID=5eedf00d-01
        """;

    private static PresentIdentifier On(string disk, string device, string kind, string value) => new(device, kind, value) { Disks = [disk] };

    [Fact]
    public void Parses_every_device_block_of_blkid_export_output()
    {
        var found = PresentIdentifierDiscovery.Parse(Export);
        Assert.Contains(new PresentIdentifier("/dev/sda", IdentifierKinds.PtUuid, DiskGuid), found);
        Assert.Contains(new PresentIdentifier("/dev/sda1", IdentifierKinds.PartUuid, "241e262a-2dcd-4e8c-be3a-701838480ba1"), found);
        Assert.Contains(new PresentIdentifier("/dev/sda2", IdentifierKinds.Uuid, Ext4Uuid) { Type = "ext4" }, found);
        Assert.Contains(new PresentIdentifier("/dev/sda2", IdentifierKinds.PartUuid, Part2Uuid), found);
        Assert.Contains(new PresentIdentifier("/dev/sdb1", IdentifierKinds.Uuid, "aaaabbbb-cccc-dddd-eeee-ffff00001111") { Type = "linux_raid_member" }, found);
        Assert.Contains(new PresentIdentifier("/dev/mapper/vg0-root", IdentifierKinds.Uuid, "11111111-2222-3333-4444-555555555555") { Type = "ext4" }, found);
        Assert.Contains(new PresentIdentifier("/dev/sdc1", IdentifierKinds.PartUuid, "5eedf00d-01"), found);
        Assert.DoesNotContain(found, p => p.Value == "12345678-9abc-def0-1234-56789abcdef0"); // UUID_SUB never clashes: made anew
        Assert.Equal(9, found.Count);
    }

    [Fact]
    public void Discovery_runs_blkid_without_its_cache_and_places_each_device_on_its_whole_disks()
    {
        var rec = new MachineRecording();
        rec.Directories["/sys/block"] = ["sda", "sdb", "dm-0"];
        rec.DirectoryExists["/sys/block/sda"] = true;
        rec.Links["/sys/class/block/sda2"] = "../../devices/pci0000:00/0000:00:05.0/host0/target0:0:0/0:0:0:0/block/sda/sda2";
        rec.FileExists["/sys/class/block/sda2/partition"] = true;
        rec.Links["/dev/mapper/vg0-root"] = "../dm-0";
        rec.Directories["/sys/class/block/dm-0/slaves"] = ["sdb1"];
        rec.Links["/sys/class/block/sdb1"] = "../../devices/virtual/block/sdb/sdb1";
        rec.FileExists["/sys/class/block/sdb1/partition"] = true;
        rec.DirectoryExists["/sys/block/sdb"] = true;
        const string probe = "blkid -c /dev/null -p -o export -s PTUUID /dev/sdb";
        var runner = new BlkidRunner(new() { ["blkid -c /dev/null -o export"] = (0, Export), [probe] = (0, "DEVNAME=/dev/sdb\nPTUUID=5eedf00d\n\n") });
        var warnings = new List<string>();

        // sda is in the listing; sdb is not (blkid leaves out whole disks with partitions): probed for its PTUUID.
        var found = PresentIdentifierDiscovery.Discover(runner, new ReplaySystemFiles(rec), ["/dev/sda", "/dev/sdb"], warnings);

        Assert.Equal(["blkid -c /dev/null -o export", probe], runner.Calls);
        Assert.Empty(warnings);
        Assert.Equal(["/dev/sda"], found.First(p => p.Device == "/dev/sda").Disks);
        var sdb = Assert.Single(found, p => p.Device == "/dev/sdb");
        Assert.Equal((IdentifierKinds.PtUuid, "5eedf00d"), (sdb.Kind, sdb.Value));
        Assert.Equal(["/dev/sdb"], sdb.Disks);
        Assert.Equal(["/dev/sda"], found.First(p => p.Device == "/dev/sda2").Disks);
        Assert.Equal(["/dev/sdb"], found.First(p => p.Device == "/dev/mapper/vg0-root").Disks);
    }

    [Theory]
    [InlineData(2, true, false)] // nothing found: not a problem
    [InlineData(4, true, true)]
    [InlineData(0, false, true)] // blkid missing
    public void When_blkid_cannot_tell_nothing_is_found_and_a_failure_is_a_warning(int exit, bool installed, bool warns)
    {
        var warnings = new List<string>();
        var runner = new BlkidRunner(new() { ["blkid -c /dev/null -o export"] = (exit, "") }, installed);
        var found = PresentIdentifierDiscovery.Discover(runner, new ReplaySystemFiles(new MachineRecording()), [], warnings);
        Assert.Empty(found);
        Assert.Equal(warns, warnings.Count == 1);
    }

    [Fact]
    public void The_plan_lists_the_identifiers_it_recreates_from_the_layout()
    {
        var (layout, plan) = PlannerStepsTests.Make("gpt");
        var planned = IdentifierConflicts.PlannedBy(plan, layout);
        Assert.Contains(planned, p => p is { Kind: IdentifierKinds.Uuid, Value: Ext4Uuid, LayoutId: "fs:ext4:" + Ext4Uuid, MadeOn: "/dev/vda2" });
        Assert.Contains(planned, p => p is { Kind: IdentifierKinds.PartUuid, Value: Part2Uuid, MadeOn: "/dev/vda2" });
        Assert.Contains(planned, p => p is { Kind: IdentifierKinds.PtUuid, Value: DiskGuid, MadeOn: "/dev/vda" });
        Assert.Equal(layout.Filesystems.Count, planned.Count(p => p.Kind == IdentifierKinds.Uuid));
    }

    [Fact]
    public void An_identifier_on_a_disk_the_plan_does_not_overwrite_is_a_conflict()
    {
        var (layout, plan) = PlannerStepsTests.Make("gpt");
        var conflicts = IdentifierConflicts.Find(plan, layout, [On("/dev/sda", "/dev/sda2", IdentifierKinds.Uuid, Ext4Uuid) with { Type = "ext4" }]);
        var c = Assert.Single(conflicts);
        Assert.Equal(("/dev/sda2", IdentifierKinds.Uuid, Ext4Uuid, "ext4", "fs:ext4:" + Ext4Uuid, "/dev/vda2"), (c.Device, c.Kind, c.Value, c.Type, c.LayoutId, c.MadeOn));
        Assert.Equal(["/dev/sda"], c.Disks);
        Assert.Equal($"/dev/sda2 (on /dev/sda): UUID {Ext4Uuid} (ext4), which the plan gives to fs:ext4:{Ext4Uuid} on /dev/vda2", c.ToString());
    }

    [Fact]
    public void Partition_and_disk_ids_of_the_original_table_clash_too()
    {
        var (layout, plan) = PlannerStepsTests.Make("gpt");
        var conflicts = IdentifierConflicts.Find(plan, layout,
            [On("/dev/sda", "/dev/sda", IdentifierKinds.PtUuid, DiskGuid), On("/dev/sda", "/dev/sda2", IdentifierKinds.PartUuid, Part2Uuid.ToUpperInvariant())]);
        Assert.Equal([IdentifierKinds.PtUuid, IdentifierKinds.PartUuid], conflicts.Select(c => c.Kind));
    }

    [Fact]
    public void Devices_on_the_target_disks_are_overwritten_so_they_never_conflict()
    {
        var (layout, plan) = PlannerStepsTests.Make("gpt");
        Assert.Empty(IdentifierConflicts.Find(plan, layout,
            [On("/dev/vda", "/dev/vda2", IdentifierKinds.Uuid, Ext4Uuid), On("/dev/vda", "/dev/vda", IdentifierKinds.PtUuid, DiskGuid)]));
    }

    [Fact]
    public void A_device_only_partly_on_the_targets_or_on_unknown_disks_still_conflicts()
    {
        var (layout, plan) = PlannerStepsTests.Make("gpt");
        PresentIdentifier[] present =
        [
            new("/dev/md0", IdentifierKinds.Uuid, Ext4Uuid) { Disks = ["/dev/vda", "/dev/sdb"] },
            new("/dev/loop9", IdentifierKinds.Uuid, Ext4Uuid),
        ];
        Assert.Equal(["/dev/md0", "/dev/loop9"], IdentifierConflicts.Find(plan, layout, present).Select(c => c.Device));
    }

    [Fact]
    public void Other_values_and_other_kinds_with_the_same_value_are_no_conflict()
    {
        var (layout, plan) = PlannerStepsTests.Make("gpt");
        Assert.Empty(IdentifierConflicts.Find(plan, layout,
        [
            On("/dev/sda", "/dev/sda2", IdentifierKinds.Uuid, "6469b6c2-38d1-40c1-b8f5-1e0019a7fff3"),
            On("/dev/sda", "/dev/sda3", IdentifierKinds.PartUuid, Ext4Uuid),
        ]));
    }

    [Theory]
    [InlineData("AAAABBBB-CCCC-DDDD")] // blkid's spelling of mdadm's aaaa:bbbb:cccc:dddd, upper case
    [InlineData("aaaa:bbbb:cccc:dddd")]
    [InlineData("aaaabbbbccccdddd")]
    public void Uuids_match_whatever_their_case_dashes_or_colons(string present)
    {
        var (layout, plan) = PlannerStepsTests.Make("raid");
        var c = Assert.Single(IdentifierConflicts.Find(plan, layout, [On("/dev/sdc", "/dev/sdc1", IdentifierKinds.Uuid, present)]));
        Assert.Equal("md:aaaa:bbbb:cccc:dddd", c.LayoutId);
    }

    [Fact]
    public void A_volume_group_name_the_machine_sees_clashes_exactly_even_with_new_identifiers()
    {
        // pvs --noheadings --separator '|' -o pv_name,vg_name (lvm2 2.03): a PV in no group has an empty name.
        var present = Mkcdrec.Core.Storage.Lvm.LvmTechnology.ParsePvs("  /dev/sdc3|vg0\n  /dev/sdd1|\n  /dev/mapper/crypt|VG0\n");
        Assert.Equal([("/dev/sdc3", "vg0"), ("/dev/mapper/crypt", "VG0")], present.Select(p => (p.Device, p.Value)));
        present = [.. present.Select(p => p with { Disks = ["/dev/sdc"] })];

        var (layout, plan) = PlannerStepsTests.Make("raid");
        var c = Assert.Single(IdentifierConflicts.Find(plan, layout, present)); // names compare exactly: VG0 is another group
        Assert.Equal((IdentifierKinds.VgName, "vg0", "vg:vg0"), (c.Kind, c.Value, c.LayoutId));
        Assert.StartsWith("/dev/sdc3 (on /dev/sdc): VG vg0 (LVM2_member), which the plan gives to vg:vg0 on ", c.ToString(), StringComparison.Ordinal);

        var renewed = Planner.Plan(layout, plan.TargetDisks, new PlanOptions { NewIdentifiers = true });
        Assert.Single(IdentifierConflicts.Find(renewed, layout, present)); // a name is not renewed: vgcreate would refuse it midway
    }

    [Fact]
    public void Mbr_partition_ids_are_the_disk_signature_and_the_number_in_hex()
    {
        var (layout, plan) = PlannerStepsTests.Make("mbr");
        var planned = IdentifierConflicts.PlannedBy(plan, layout);
        Assert.Contains(planned, p => p is { Kind: IdentifierKinds.PtUuid, Value: "1234abcd" });
        Assert.Contains(planned, p => p is { Kind: IdentifierKinds.PartUuid, Value: "1234abcd-01" });
        Assert.NotEmpty(IdentifierConflicts.Find(plan, layout, [On("/dev/sda", "/dev/sda1", IdentifierKinds.PartUuid, "1234ABCD-01")]));
    }

    [Fact]
    public void The_plan_carries_its_conflicts_in_json_and_shows_them_as_refused()
    {
        var (layout, plan) = PlannerStepsTests.Make("gpt");
        plan.IdentifierConflicts = IdentifierConflicts.Find(plan, layout, [On("/dev/sda", "/dev/sda2", IdentifierKinds.Uuid, Ext4Uuid)]);
        var back = PlanSerializer.Deserialize(PlanSerializer.Serialize(plan));
        Assert.Equal("/dev/sda2", Assert.Single(back.IdentifierConflicts).Device);
        var text = PlanRenderer.Render(plan);
        Assert.Contains("\nRefused:", text, StringComparison.Ordinal);
        Assert.Contains($"/dev/sda2 (on /dev/sda): UUID {Ext4Uuid}", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Refused:", PlanRenderer.Render(PlannerStepsTests.Make("gpt").Plan), StringComparison.Ordinal);
    }

    /// <summary>Answers blkid's command lines with canned exit codes and output, and records them.</summary>
    private sealed class BlkidRunner(Dictionary<string, (int Exit, string Output)> answers, bool installed = true) : IProcessRunner
    {
        public List<string> Calls { get; } = [];

        public bool CanRun(string program) => installed && program == "blkid";

        public ProcessResult Run(ProcessRequest request)
        {
            Calls.Add(request.CommandLine);
            var (exit, output) = answers[request.CommandLine];
            return new ProcessResult(exit, output, exit == 0 ? "" : "blkid: error", TimeSpan.Zero);
        }
    }
}
