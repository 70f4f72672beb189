using Mkcdrec.Core.Planning;
using Mkcdrec.Core.Platform;
using Mkcdrec.Model.Plan;
using static Mkcdrec.Core.Tests.Planning.PlanFixtures;
using Mkcdrec.Core.Storage;

namespace Mkcdrec.Core.Tests.Planning;

public sealed class PlanModelAndDiscoveryTests
{
    [Theory]
    [InlineData("gpt-grow")]
    [InlineData("raid-degraded")]
    [InlineData("btrfs")]
    public void Plan_json_round_trips(string name)
    {
        var (_, plan) = PlannerStepsTests.Make(name);
        var json = PlanSerializer.Serialize(plan);
        var back = PlanSerializer.Deserialize(json);
        Assert.Equal(json, PlanSerializer.Serialize(back));
        Assert.Equal(plan.Steps.Select(s => s.Id), back.Steps.Select(s => s.Id));
        Assert.Equal(plan.Steps.Select(s => string.Join('\n', s.Commands.Select(c => c.ToString()))), back.Steps.Select(s => string.Join('\n', s.Commands.Select(c => c.ToString()))));
        Assert.Contains("\"partitionTable\"", json);
        Assert.Contains("\"argv\"", json);
    }

    [Fact]
    public void A_plan_of_an_unknown_version_is_refused()
    {
        var e = Assert.Throws<InvalidDataException>(() => PlanSerializer.Deserialize("{\"formatVersion\": 99}", "p.json"));
        Assert.Contains("99", e.Message);
    }

    [Fact]
    public void The_readable_plan_shows_the_mapping_and_numbered_command_lines()
    {
        var (_, plan) = PlannerStepsTests.Make("raid-degraded");
        var text = PlanRenderer.Render(plan);
        Assert.Contains("/dev/sdb", text);
        Assert.Contains("(missing)", text);
        Assert.Contains("  1. ", text);
        Assert.Contains("$ wipefs --all --force /dev/vda", text);
        Assert.Contains("$ mdadm --create /dev/md/pv", text);
        Assert.Contains("{keyfile:luks:", text);
    }

    private static MachineRecording Machine()
    {
        var r = new MachineRecording();
        r.Directories["/sys/block"] = ["vda", "vdb", "loop0", "sr0", "nvme0n1", "dm-0"];
        void Disk(string name, long sectors, int lbs = 512)
        {
            r.Files[$"/sys/block/{name}/size"] = sectors + "\n";
            r.Files[$"/sys/block/{name}/queue/logical_block_size"] = lbs + "\n";
            r.DirectoryExists[$"/sys/block/{name}"] = true;
        }

        Disk("vda", 41943040);
        Disk("vdb", 83886080);
        Disk("loop0", 0);
        Disk("sr0", 2048);
        Disk("nvme0n1", 7814037168, 4096);
        Disk("dm-0", 1000);
        r.Files["/sys/block/nvme0n1/device/serial"] = "  S4EWNX0R123456  \n";
        r.Directories["/dev/disk/by-id"] = ["virtio-BACKUP1", "virtio-BACKUP1-part1", "wwn-0x5002538e4019a0f1", "nvme-Samsung_SSD_970_S4EWNX0R123456"];
        r.Links["/dev/disk/by-id/virtio-BACKUP1"] = "../../vdb";
        r.Links["/dev/disk/by-id/virtio-BACKUP1-part1"] = "../../vdb1";
        r.Links["/dev/disk/by-id/wwn-0x5002538e4019a0f1"] = "../../nvme0n1";
        r.Links["/dev/disk/by-id/nvme-Samsung_SSD_970_S4EWNX0R123456"] = "../../nvme0n1";
        r.Links["/sys/class/block/vdb1"] = "../../devices/pci0000:00/0000:00:05.0/virtio3/block/vdb/vdb1";
        r.FileExists["/sys/class/block/vdb1/partition"] = true;
        r.Files["/proc/self/mountinfo"] =
            "22 1 0:21 / / rw,relatime - tmpfs rootfs rw\n" +
            "30 22 253:17 / /mnt/backup rw,relatime - ext4 /dev/vdb1 rw\n" +
            "31 22 0:40 / /mnt/backup/tmp rw - tmpfs tmpfs rw\n";
        return r;
    }

    [Fact]
    public void Discovery_finds_real_disks_with_their_identity_and_sector_size()
    {
        var disks = TargetDiskDiscovery.Discover(new ReplaySystemFiles(Machine()), [], []);
        Assert.Equal(["nvme0n1", "vda", "vdb"], disks.Select(d => d.KernelName));
        var nvme = disks[0];
        Assert.Equal(7814037168L * 512, nvme.SizeBytes);
        Assert.Equal(4096, nvme.LogicalSectorSize);
        Assert.Equal("S4EWNX0R123456", nvme.Serial);
        Assert.Equal("0x5002538e4019a0f1", nvme.Wwn);
        Assert.Equal("BACKUP1", disks[2].Serial);
        Assert.False(disks[0].Excluded);
        Assert.False(disks[1].Excluded);
        Assert.True(disks[2].InUse); // /dev/vdb1 is mounted
        Assert.Contains("/mnt/backup", disks[2].ExcludedBecause);
    }

    [Fact]
    public void Discovery_marks_disks_under_mounted_device_mapper_and_swap_as_in_use()
    {
        var m = Machine();
        m.Files["/proc/self/mountinfo"] += "40 22 254:0 / /srv rw - xfs /dev/mapper/vg-srv rw\n";
        m.Links["/dev/mapper/vg-srv"] = "../dm-0";
        m.Directories["/sys/class/block/dm-0/slaves"] = ["md0"];
        m.Directories["/sys/class/block/md0/slaves"] = ["nvme0n1p2", "vda"];
        m.Links["/sys/class/block/nvme0n1p2"] = "../../devices/pci0000:00/0000:00:04.0/nvme/nvme0/nvme0n1/nvme0n1p2";
        m.FileExists["/sys/class/block/nvme0n1p2/partition"] = true;
        var disks = TargetDiskDiscovery.Discover(new ReplaySystemFiles(m), [], []);
        Assert.All(disks, d => Assert.True(d.InUse, d.KernelName));
        Assert.Contains("/srv", disks.Single(d => d.KernelName == "vda").ExcludedBecause);

        var s = Machine();
        s.Files["/proc/self/mountinfo"] = "";
        s.Files["/proc/swaps"] = "Filename\tType\tSize\tUsed\tPriority\n/dev/vda2  partition\t1048572\t0\t-2\n";
        s.Links["/sys/class/block/vda2"] = "../../devices/virtio1/block/vda/vda2";
        s.FileExists["/sys/class/block/vda2/partition"] = true;
        Assert.Equal(["vda"], TargetDiskDiscovery.Discover(new ReplaySystemFiles(s), [], []).Where(d => d.InUse).Select(d => d.KernelName));
    }

    [Fact]
    public void Discovery_marks_the_disk_holding_the_backup_and_excluded_disks()
    {
        var disks = TargetDiskDiscovery.Discover(new ReplaySystemFiles(Machine()), ["/dev/disk/by-id/wwn-0x5002538e4019a0f1"], ["/mnt/backup/host1"]);
        Assert.True(disks.Single(d => d.KernelName == "vdb").HoldsBackup);
        Assert.Contains("/mnt/backup/host1", disks.Single(d => d.KernelName == "vdb").ExcludedBecause);
        Assert.True(disks.Single(d => d.KernelName == "nvme0n1").Excluded);
        Assert.False(disks.Single(d => d.KernelName == "vda").Excluded);

        // A path under a tmpfs mounted inside the backup mount is not on the disk.
        var tmp = TargetDiskDiscovery.Discover(new ReplaySystemFiles(Machine()), [], ["/mnt/backup/tmp/x"]);
        Assert.All(tmp, d => Assert.False(d.HoldsBackup));

        var e = Assert.Throws<MkcdrecException>(() => TargetDiskDiscovery.Discover(new ReplaySystemFiles(Machine()), ["/dev/sdq"], []));
        Assert.Equal(ExitCode.Usage, e.Code);
    }

    [Fact]
    public void The_keys_medium_is_never_a_target_mounted_or_named()
    {
        // A USB stick's partition mounted at /run/mkcdrec/keys (as the rescue init does) is in use; the menu also names its disk.
        var m = Machine();
        m.Files["/proc/self/mountinfo"] = "22 1 0:21 / / rw - tmpfs rootfs rw\n50 22 8:1 / /run/mkcdrec/keys ro,nosuid,nodev,noexec - vfat /dev/vda1 ro\n";
        m.Links["/sys/class/block/vda1"] = "../../devices/virtio1/block/vda/vda1";
        m.FileExists["/sys/class/block/vda1/partition"] = true;
        var vda = TargetDiskDiscovery.Discover(new ReplaySystemFiles(m), [], []).Single(d => d.KernelName == "vda");
        Assert.True(vda.Excluded);
        Assert.Contains("/run/mkcdrec/keys", vda.ExcludedBecause);
        Assert.True(TargetDiskDiscovery.Discover(new ReplaySystemFiles(Machine()), ["/dev/vda"], []).Single(d => d.KernelName == "vda").Excluded);

        // On an optical drive (the drill's keys ISO) it is no disk at all.
        Assert.DoesNotContain(TargetDiskDiscovery.Discover(new ReplaySystemFiles(Machine()), [], []), d => d.KernelName.StartsWith("sr", StringComparison.Ordinal));
    }

    [Fact]
    public void Discovered_wwn_matches_a_layout_disk_captured_by_wwn()
    {
        var disks = TargetDiskDiscovery.Discover(new ReplaySystemFiles(Machine()), [], ["/mnt/backup/x"]);
        var l = Gpt();
        l.Disks[0].Wwn = "naa.5002538e4019a0f1";
        var plan = Planner.Plan(l, disks, new PlanOptions());
        Assert.Equal(("/dev/nvme0n1", MappingReasons.SameWwn), (plan.Mappings[0].TargetPath, plan.Mappings[0].Reason));
        Assert.Equal(4096, plan.Steps.Single(s => s.Kind == StepKinds.Partition).PartitionTable!.SectorSize);
    }
}
