using Mkcdrec.Core.Platform;
using Mkcdrec.Core.Recovery;
using Mkcdrec.Core.Tests.Rescue;
using Mkcdrec.Model.Layout;

namespace Mkcdrec.Core.Tests.Recovery;

/// <summary>`repair-boot`'s parts without root: the layout's disks found by their partition tables here, and finalize's boot loader work on them.</summary>
public sealed class BootRepairTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("mkcdrec-repair-").FullName;
    private readonly List<string> _said = [];

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static readonly Guid SystemGuid = Guid.Parse("257f1b0f-6b5d-4b8c-9a79-88fdf051dfa0");

    /// <summary>sda (GPT, GRUB for BIOS) and sdb (MBR 5eedf00d, data): the rescue kernel calls them vdb and vda.</summary>
    private static LayoutDocument Layout()
    {
        var doc = new LayoutDocument { Host = new HostInfo { Hostname = "web1" } };
        var sda = new Disk { Id = "disk:A", Path = "/dev/sda", PartitionTable = new PartitionTable { Kind = PartitionTableKinds.Gpt, DiskGuid = SystemGuid } };
        sda.Partitions.Add(new Partition { Id = "disk:A/p1", Number = 1, Path = "/dev/sda1" });
        sda.Partitions.Add(new Partition { Id = "disk:A/p2", Number = 2, Path = "/dev/sda2" });
        var sdb = new Disk { Id = "disk:B", Path = "/dev/sdb", PartitionTable = new PartitionTable { Kind = PartitionTableKinds.Mbr, MbrDiskId = "0x5EEDF00D" } };
        doc.Disks.AddRange([sda, sdb]);
        doc.Filesystems.Add(new Filesystem { Id = "fs:ext4:R", Type = "ext4", Uuid = "R", DeviceIds = ["disk:A/p2"] });
        doc.Mounts.Add(new Mount { Target = "/", FilesystemId = "fs:ext4:R" });
        doc.Boot = new BootInfo { Firmware = FirmwareKinds.Bios, Bootloader = "grub2", BiosBootDiskIds = ["disk:A"] };
        return doc;
    }

    private static FakeFiles SysBlock() => new FakeFiles().Text("/sys/block/vda/size", "1").Text("/sys/block/vdb/size", "1").Text("/sys/block/sr0/size", "1").Text("/sys/block/loop0/size", "1");

    [Fact]
    public void The_disks_are_found_by_their_partition_tables_whatever_they_are_called_now()
    {
        var run = new Blkid(new() { ["/dev/vdb"] = SystemGuid.ToString(), ["/dev/vda"] = "5eedf00d" });
        var plan = RepairDisks.Find(Layout(), run, SysBlock(), "/mnt/local", _said.Add);
        Assert.Equal(["/dev/vdb", "/dev/vda"], plan.Mappings.Select(m => m.TargetPath));
        Assert.Contains("/dev/sda of the layout is /dev/vdb here (its partition table 257f1b0f-6b5d-4b8c-9a79-88fdf051dfa0).", _said);
        Assert.DoesNotContain(run.Probed, d => d is "/dev/sr0" or "/dev/loop0");
    }

    [Fact]
    public void A_disk_whose_table_is_not_here_is_missing_and_said_so()
    {
        var plan = RepairDisks.Find(Layout(), new Blkid(new() { ["/dev/vda"] = "5eedf00d" }), SysBlock(), "/mnt/local", _said.Add);
        Assert.True(plan.Mappings[0].Missing);
        Assert.Null(plan.Mappings[0].TargetPath);
        Assert.Contains(_said, s => s.StartsWith("warning: /dev/sda of the layout is not found (no attached disk has its partition table 257f1b0f", StringComparison.Ordinal));
    }

    [Fact]
    public void Repair_regenerates_grub_cfg_even_when_nothing_changed_and_installs_grub_where_it_was()
    {
        foreach (var tool in new[] { "grub-install", "grub-mkconfig" })
        {
            Directory.CreateDirectory(_root + "/usr/sbin");
            File.WriteAllText(_root + "/usr/sbin/" + tool, "");
        }

        var blkid = new Blkid(new() { ["/dev/vdb"] = SystemGuid.ToString(), ["/dev/vda"] = "5eedf00d" });
        var plan = RepairDisks.Find(Layout(), blkid, SysBlock(), _root, _said.Add);
        var changes = new SystemFinalizer(blkid, new FakeFiles(), new Mkcdrec.Platform.Linux.FileSystemAccess(), NullLog.Instance, _said.Add).RepairBoot(Layout(), plan, _root, rebuildInitramfs: false);
        Assert.Contains($"chroot {_root} grub-mkconfig -o /boot/grub/grub.cfg", blkid.Commands);
        Assert.Contains($"chroot {_root} grub-install --target=i386-pc /dev/vdb", blkid.Commands);
        Assert.DoesNotContain(blkid.Commands, c => c.Contains("/dev/vda", StringComparison.Ordinal) && c.Contains("grub-install", StringComparison.Ordinal));
        Assert.Contains("regenerated /boot/grub/grub.cfg", changes);
        Assert.Contains("Regenerating /boot/grub/grub.cfg (grub-mkconfig): a boot repair writes it anew.", _said);
        Assert.DoesNotContain(blkid.Commands, c => c.Contains("update-initramfs", StringComparison.Ordinal));
        Assert.False(File.Exists(_root + "/.autorelabel"));
    }

    /// <summary>blkid's low-level probe of whole disks, from a table; every other command succeeds and is recorded.</summary>
    private sealed class Blkid(Dictionary<string, string> ptuuids) : IProcessRunner
    {
        public List<string> Commands { get; } = [];

        public List<string> Probed { get; } = [];

        public ProcessResult Run(ProcessRequest request)
        {
            Commands.Add(string.Join(' ', [request.FileName, .. request.Arguments]));
            if (request.FileName == "blkid")
            {
                Probed.Add(request.Arguments[^1]);
                return ptuuids.TryGetValue(request.Arguments[^1], out var p) ? new ProcessResult(0, p + "\n", "", TimeSpan.Zero) : new ProcessResult(2, "", "", TimeSpan.Zero);
            }

            return new ProcessResult(0, "", "", TimeSpan.Zero);
        }

        public bool CanRun(string program) => true;
    }
}
