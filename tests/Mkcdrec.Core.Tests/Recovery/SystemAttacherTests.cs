using Mkcdrec.Core.Recovery;
using Mkcdrec.Model.Layout;

namespace Mkcdrec.Core.Tests.Recovery;

/// <summary>`mkcdrec mount`/`umount` against a simulated machine: stacking orders, what is missing, read-only, taking down.</summary>
public sealed class SystemAttacherTests
{
    private readonly List<string> _said = [];

    /// <summary>/boot on RAID1 md/boot; LUKS on RAID1 md/data; LVM vg0 on it with root (ext4) and srv (xfs); swap LV.</summary>
    private static (LayoutDocument, SimulatedStorage) RaidLuksLvm()
    {
        var doc = new LayoutDocument { Host = new HostInfo { Hostname = "db1" } };
        foreach (var d in new[] { "a", "b" })
        {
            var disk = new Disk { Id = "disk:" + d, Path = "/dev/sd" + d, KernelName = "sd" + d };
            disk.Partitions.Add(new Partition { Id = $"disk:{d}/p1", Number = 1, Path = $"/dev/sd{d}1" });
            disk.Partitions.Add(new Partition { Id = $"disk:{d}/p2", Number = 2, Path = $"/dev/sd{d}2" });
            doc.Disks.Add(disk);
        }

        doc.MdArrays.Add(new MdArray { Id = "md:B", Uuid = "B", Name = "db1:boot", Path = "/dev/md0", Level = "raid1", Members = [new() { DeviceId = "disk:a/p1" }, new() { DeviceId = "disk:b/p1" }] });
        doc.MdArrays.Add(new MdArray { Id = "md:D", Uuid = "D", Name = "db1:data", Path = "/dev/md1", Level = "raid1", Members = [new() { DeviceId = "disk:a/p2" }, new() { DeviceId = "disk:b/p2" }] });
        doc.Luks.Add(new LuksDevice { Id = "luks:L", DeviceId = "md:D", Uuid = "L", MappedName = "cryptdata" });
        doc.Lvm.VolumeGroups.Add(new VolumeGroup { Id = "vg:V", Name = "vg0", Uuid = "V" });
        doc.Filesystems.Add(new Filesystem { Id = "fs:ext4:R", Type = "ext4", Uuid = "R", DeviceIds = ["lv:root"] });
        doc.Filesystems.Add(new Filesystem { Id = "fs:xfs:S", Type = "xfs", Uuid = "S", DeviceIds = ["lv:srv"] });
        doc.Filesystems.Add(new Filesystem { Id = "fs:ext4:BT", Type = "ext4", Uuid = "BT", DeviceIds = ["md:B"] });
        doc.Filesystems.Add(new Filesystem { Id = "fs:swap:W", Type = "swap", Uuid = "W", DeviceIds = ["lv:swap"] });
        doc.Mounts.Add(new Mount { Target = "/srv", FilesystemId = "fs:xfs:S" });
        doc.Mounts.Add(new Mount { Target = "/boot", FilesystemId = "fs:ext4:BT" });
        doc.Mounts.Add(new Mount { Target = "/", FilesystemId = "fs:ext4:R" });
        doc.Mounts.Add(new Mount { Target = "[SWAP]", FilesystemId = "fs:swap:W" });

        var sim = new SimulatedStorage();
        sim.Present.UnionWith(["/dev/sda1", "/dev/sda2", "/dev/sdb1", "/dev/sdb2"]);
        sim.Arrays["B"] = ("/dev/md/boot", ["/dev/sda1", "/dev/sdb1"]);
        sim.Arrays["D"] = ("/dev/md/data", ["/dev/sda2", "/dev/sdb2"]);
        sim.Uuids["L"] = "/dev/md/data";
        sim.Groups["V"] = ("/dev/mapper/cryptdata", ["/dev/vg0/root", "/dev/vg0/srv", "/dev/vg0/swap"]);
        sim.Uuids["R"] = "/dev/vg0/root";
        sim.Uuids["S"] = "/dev/vg0/srv";
        sim.Uuids["BT"] = "/dev/md/boot";
        sim.Uuids["W"] = "/dev/vg0/swap";
        return (doc, sim);
    }

    private static Dictionary<string, string> Key => new(StringComparer.Ordinal) { ["L"] = "/run/key" };

    private SystemAttacher Attacher(SimulatedStorage sim) => new(sim, sim, _said.Add);

    [Fact]
    public void Raid_luks_lvm_comes_up_in_stacking_order_and_mounts_parents_first_without_swap()
    {
        var (doc, sim) = RaidLuksLvm();
        var context = Attacher(sim).Attach(doc, "/mnt/local", false, Key);
        Assert.Equal(["/mnt/local", "/mnt/local/boot", "/mnt/local/srv"], sim.Mounted.Select(m => m.Dir));
        Assert.Equal(["/dev/vg0/root", "/dev/md/boot", "/dev/vg0/srv"], sim.Mounted.Select(m => m.Device));
        Assert.All(sim.Mounted, m => Assert.Equal("", m.Options));
        var order = sim.Commands.Where(c => c.StartsWith("mdadm --assemble", StringComparison.Ordinal) || c.StartsWith("cryptsetup open", StringComparison.Ordinal)
            || c.StartsWith("vgchange", StringComparison.Ordinal) || c.StartsWith("mount", StringComparison.Ordinal)).ToList();
        Assert.Equal("mdadm --assemble /dev/md/boot --uuid=B --run", order[0]);
        Assert.Equal("mdadm --assemble /dev/md/data --uuid=D --run", order[1]);
        Assert.Equal("cryptsetup open /dev/md/data cryptdata --key-file /run/key", order[2]);
        Assert.Equal("vgchange --activate y --select vg_uuid=V", order[3]);
        Assert.Equal(7, context.Changed);
        Assert.DoesNotContain(sim.Commands, c => c.Contains("swapon", StringComparison.Ordinal));

        // A second run finds everything up and changes nothing.
        sim.Commands.Clear();
        var again = Attacher(sim).Attach(doc, "/mnt/local", false, new Dictionary<string, string>(StringComparer.Ordinal));
        Assert.Equal(0, again.Changed);
        Assert.Equal(3, sim.Mounted.Count);
        Assert.DoesNotContain(sim.Commands, c => c.StartsWith("mount", StringComparison.Ordinal) || c.StartsWith("mdadm --assemble", StringComparison.Ordinal));
    }

    [Fact]
    public void Raid_over_luks_needs_a_second_pass_and_gets_it()
    {
        // Each disk's partition encrypted on its own, RAID1 over the two open containers (registry order: md before LUKS).
        var (doc, sim) = RaidLuksLvm();
        doc.Luks.Clear();
        doc.Luks.Add(new LuksDevice { Id = "luks:La", DeviceId = "disk:a/p2", Uuid = "La", MappedName = "crypta" });
        doc.Luks.Add(new LuksDevice { Id = "luks:Lb", DeviceId = "disk:b/p2", Uuid = "Lb", MappedName = "cryptb" });
        sim.Uuids["La"] = "/dev/sda2";
        sim.Uuids["Lb"] = "/dev/sdb2";
        sim.Arrays["D"] = ("/dev/md/data", ["/dev/mapper/crypta", "/dev/mapper/cryptb"]);
        sim.Groups["V"] = ("/dev/md/data", ["/dev/vg0/root", "/dev/vg0/srv", "/dev/vg0/swap"]);
        var keys = new Dictionary<string, string>(StringComparer.Ordinal) { ["La"] = "/run/ka", ["Lb"] = "/run/kb" };
        Attacher(sim).Attach(doc, "/mnt/local", false, keys);
        Assert.Equal(3, sim.Mounted.Count);
        Assert.Equal(2, sim.Commands.Count(c => c == "mdadm --assemble /dev/md/data --uuid=D --run"));
        Assert.True(sim.Commands.IndexOf("cryptsetup open /dev/sdb2 cryptb --key-file /run/kb") < sim.Commands.LastIndexOf("mdadm --assemble /dev/md/data --uuid=D --run"));
    }

    [Fact]
    public void A_missing_disk_is_named_what_stands_on_it_is_pending_and_what_came_up_stays_up()
    {
        var (doc, sim) = RaidLuksLvm();
        sim.Uuids.Remove("L"); // the LUKS header is not found (wrong disks attached)
        var e = Assert.Throws<MkcdrecException>(() => Attacher(sim).Attach(doc, "/mnt/local", false, Key));
        Assert.Equal(ExitCode.Incomplete, e.Code);
        Assert.Contains("LUKS L (was on /dev/md1): no attached device has this UUID", e.Message, StringComparison.Ordinal);
        Assert.Contains("volume group vg0 (V): LVM does not see it", e.Message, StringComparison.Ordinal);
        Assert.Contains("/ (ext4 R): no attached device has this filesystem", e.Message, StringComparison.Ordinal);
        Assert.Contains("/boot: its parent / is not mounted", e.Message, StringComparison.Ordinal);
        Assert.Contains("mkcdrec umount", e.Hint, StringComparison.Ordinal);
        Assert.Equal(2, sim.Assembled.Count); // the arrays stay assembled
        Assert.Empty(sim.Mounted); // and /boot is not mounted into the rescue system's own directories
    }

    [Fact]
    public void A_key_that_does_not_open_the_container_says_so()
    {
        var (doc, sim) = RaidLuksLvm();
        var wrong = new Dictionary<string, string>(StringComparer.Ordinal) { ["L"] = SimulatedStorage.WrongKey };
        var e = Assert.Throws<MkcdrecException>(() => Attacher(sim).Attach(doc, "/mnt/local", false, wrong));
        Assert.Contains("LUKS L on /dev/md/data: No key available with this passphrase. (the key does not open it)", e.Message, StringComparison.Ordinal);
        Assert.Empty(sim.Open);
    }

    [Fact]
    public void Read_only_asks_every_layer_not_to_write()
    {
        var (doc, sim) = RaidLuksLvm();
        Attacher(sim).Attach(doc, "/mnt/local", true, Key);
        Assert.Contains("mdadm --assemble /dev/md/data --uuid=D --run --readonly", sim.Commands);
        Assert.Contains("cryptsetup open /dev/md/data cryptdata --key-file /run/key --readonly", sim.Commands);
        Assert.Equal(["ro,noload", "ro,noload", "ro,norecovery"], sim.Mounted.Select(m => m.Options));
        Assert.Contains(_said, s => s.Contains("read-only", StringComparison.Ordinal));
    }

    [Fact]
    public void Check_runs_each_filesystems_own_checker_read_only_and_leaves_a_damaged_one_unmounted()
    {
        var (doc, sim) = RaidLuksLvm();
        sim.Damaged.Add("/dev/vg0/srv");
        var e = Assert.Throws<MkcdrecException>(() => Attacher(sim).Attach(doc, "/mnt/local", false, Key, check: true));
        Assert.Contains("e2fsck -f -n /dev/vg0/root", sim.Commands);
        Assert.Contains("e2fsck -f -n /dev/md/boot", sim.Commands);
        Assert.Contains("xfs_repair -n /dev/vg0/srv", sim.Commands);
        Assert.Contains("/srv: xfs_repair found problems on /dev/vg0/srv (exit 4", e.Message, StringComparison.Ordinal);
        Assert.Contains("xfs_repair /dev/vg0/srv", e.Message, StringComparison.Ordinal);
        Assert.Equal(["/mnt/local", "/mnt/local/boot"], sim.Mounted.Select(m => m.Dir));
        Assert.Contains("Checked /dev/vg0/root (ext4, e2fsck): clean.", _said);
        Assert.Equal(1, sim.Commands.Count(c => c == "e2fsck -f -n /dev/vg0/root")); // once, whatever the passes
    }

    [Fact]
    public void A_btrfs_subvolume_mounts_as_it_was()
    {
        var doc = new LayoutDocument { Host = new HostInfo { Hostname = "ws" } };
        doc.Filesystems.Add(new Filesystem { Id = "fs:btrfs:P", Type = "btrfs", Uuid = "P", DeviceIds = ["disk:a/p2"] });
        doc.Mounts.Add(new Mount { Target = "/", FilesystemId = "fs:btrfs:P", Subvolume = "/@" });
        doc.Mounts.Add(new Mount { Target = "/home", FilesystemId = "fs:btrfs:P", Subvolume = "/@home" });
        var sim = new SimulatedStorage();
        sim.Present.Add("/dev/vda2");
        sim.Uuids["P"] = "/dev/vda2";
        Attacher(sim).Attach(doc, "/mnt/x", true, new Dictionary<string, string>(StringComparer.Ordinal));
        Assert.Equal(["subvol=/@,ro,rescue=nologreplay", "subvol=/@home,ro,rescue=nologreplay"], sim.Mounted.Select(m => m.Options));
        Assert.Equal(["/mnt/x", "/mnt/x/home"], sim.Mounted.Select(m => m.Dir));
    }

    [Fact]
    public void Umount_takes_it_down_deepest_first_then_lvm_luks_raid()
    {
        var (doc, sim) = RaidLuksLvm();
        Attacher(sim).Attach(doc, "/mnt/local", false, Key);
        sim.Mounted.Add(("/mnt/local/dev", "/dev", "")); // a chroot's bind
        sim.Commands.Clear();
        var context = Attacher(sim).Detach(doc, "/mnt/local");
        var down = sim.Commands.Where(c => c is not "sync" && !c.StartsWith("blkid", StringComparison.Ordinal) && !c.StartsWith("mdadm --detail", StringComparison.Ordinal) && !c.StartsWith("cryptsetup status", StringComparison.Ordinal) && c is not "vgs --noheadings -o vg_uuid").ToList();
        Assert.Equal(["umount /mnt/local/boot", "umount /mnt/local/dev", "umount /mnt/local/srv"], down.Take(3).Order(StringComparer.Ordinal));
        Assert.Equal(["umount /mnt/local", "vgchange --activate n --select vg_uuid=V", "cryptsetup close cryptdata", "mdadm --stop /dev/md/boot", "mdadm --stop /dev/md/data"], down.Skip(3));
        Assert.Equal(8, context.Changed);
        Assert.Empty(sim.Mounted);
        Assert.Empty(sim.Assembled);
    }

    [Fact]
    public void Umount_on_the_running_system_itself_takes_down_only_the_mounts_below_the_target()
    {
        // The layout is this machine's own (mkcdrec mount on the live server): its root LV is mounted on /.
        var (doc, sim) = RaidLuksLvm();
        sim.Assembled.UnionWith(["B", "D"]);
        sim.Open.Add("cryptdata");
        sim.Active.Add("V");
        sim.Running.Add(("/", "/dev/vg0/root"));
        sim.Running.Add(("/boot", "/dev/md/boot"));
        Attacher(sim).Attach(doc, "/mnt/local", true, Key);
        Assert.Equal(3, sim.Mounted.Count);
        sim.Commands.Clear();
        Attacher(sim).Detach(doc, "/mnt/local");
        Assert.Empty(sim.Mounted);
        Assert.DoesNotContain(sim.Commands, c => c.StartsWith("vgchange", StringComparison.Ordinal) || c.StartsWith("cryptsetup close", StringComparison.Ordinal) || c.StartsWith("mdadm --stop", StringComparison.Ordinal));
        Assert.Equal(2, sim.Assembled.Count);
        Assert.Contains(_said, s => s.Contains("running here (/dev/vg0/root is mounted on /)", StringComparison.Ordinal) && s.Contains("stay up", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("/")]
    [InlineData("relative")]
    public void The_root_or_a_relative_target_is_refused(string target)
    {
        var (doc, sim) = RaidLuksLvm();
        var e = Assert.Throws<MkcdrecException>(() => Attacher(sim).Attach(doc, target, false, Key));
        Assert.Equal(ExitCode.Usage, e.Code);
        Assert.Empty(sim.Commands);
    }
}
