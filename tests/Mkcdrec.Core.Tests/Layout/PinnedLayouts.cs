using Mkcdrec.Core.Tests.Planning;
using Mkcdrec.Model.Layout;
using static Mkcdrec.Core.Tests.Planning.PlanFixtures;

namespace Mkcdrec.Core.Tests.Layout;

/// <summary>The layouts and layout changes whose `layout show` and `layout check` text is pinned (fixed ids, no random GUIDs).</summary>
internal static class PinnedLayouts
{
    public static readonly string[] Names = ["stack", "btrfs", "gpt", "mbr", "misc", "bcache"];

    public static readonly string[] ChangeNames = ["partitions", "md", "luks", "lvm", "filesystems", "btrfs", "mounts", "boot", "network", "misc", "bcache"];

    public static LayoutDocument Get(string name) => name switch
    {
        "stack" => Fixed(Stack()),
        "btrfs" => Fixed(BtrfsTwoDisks()),
        "gpt" => Gpt(),
        "mbr" => Mbr(),
        "misc" => Fixed(Misc()),
        "bcache" => Fixed(BcacheFixtures.Stack()),
        _ => throw new ArgumentException(name),
    };

    /// <summary>A layout before and after one technology's part changed.</summary>
    public static (LayoutDocument Before, LayoutDocument After) Change(string name)
    {
        var source = name is "btrfs" or "misc" or "bcache" ? name : "stack";
        var after = Get(source);
        Action<LayoutDocument> change = name switch
        {
            "partitions" => ChangePartitions,
            "md" => ChangeMd,
            "luks" => ChangeLuks,
            "lvm" => ChangeLvm,
            "filesystems" => ChangeFilesystems,
            "btrfs" => ChangeBtrfs,
            "mounts" => ChangeMounts,
            "boot" => ChangeBoot,
            "network" => d => d.Network.Interfaces[0].Addresses.Add("198.51.100.9/24"),
            "misc" => ChangeMisc,
            "bcache" => ChangeBcache,
            _ => throw new ArgumentException(name),
        };
        change(after);
        return (Get(source), after);
    }

    /// <summary>The stacked fixture with a spare md member, GRUB, a network interface, fstab and crypttab.</summary>
    private static LayoutDocument Stack()
    {
        var doc = RaidLuksLvmThin();
        doc.Host = new HostInfo { Hostname = "web1", Architecture = "x86_64", KernelRelease = "6.1.0-28-amd64", OsPrettyName = "Debian GNU/Linux 12 (bookworm)" };
        doc.MdArrays[0].Members.Add(new MdMember { DeviceId = doc.Disks[1].Partitions[0].Id, Spare = true });
        doc.Boot.Bootloader = "grub2";
        doc.Network.Interfaces.Add(new NetworkInterface { Name = "eth0", Mac = "52:54:00:12:34:56", Addresses = ["192.0.2.10/24"], Dhcp = true });
        doc.Mounts[0].Options = "rw,relatime";
        doc.Config.FstabEntries.Add(new FstabEntry { Spec = "UUID=11111111-2222-3333-4444-555555555555", Target = "/", Type = "ext4", Options = "errors=remount-ro" });
        doc.Config.CrypttabEntries.Add(new CrypttabEntry { Name = "cryptpv", Device = "UUID=0a1b2c3d-0000-4000-8000-000000000001", KeyFile = "none", Options = "luks" });
        doc.Filesystems[2].Swap = new SwapParameters { Active = true };
        return doc;
    }

    /// <summary>
    /// What the other fixtures do not have: a whole disk as an LVM PV, a VG on two PVs, 4 KiB sectors, MBR logical
    /// partitions, a closed LUKS, an unknown holder, inactive swap, an unmounted filesystem, unsupported devices, warnings.
    /// </summary>
    private static LayoutDocument Misc()
    {
        var whole = new Disk { Id = "disk:W1", KernelName = "sdw", Path = "/dev/sdw", SizeBytes = 100 * GiB, Serial = "W1", Model = "QEMU HARDDISK", UsedBy = "pv:WHOLE" };
        var mbr = new Disk
        {
            Id = "disk:M1", KernelName = "sdm", Path = "/dev/sdm", SizeBytes = 8 * GiB, Transport = "usb", LogicalSectorSize = 4096,
            PartitionTable = new PartitionTable { Kind = PartitionTableKinds.Mbr, MbrDiskId = "1234abcd", BootCode = "grub" },
        };
        mbr.Partitions.Add(MbrPart(mbr, 1, PartitionKinds.Primary, "83", "pv:PART", bootable: true));
        mbr.Partitions.Add(MbrPart(mbr, 2, PartitionKinds.Extended, "5", null));
        mbr.Partitions.Add(MbrPart(mbr, 5, PartitionKinds.Logical, "82", "fs:swap:5"));
        mbr.Partitions.Add(MbrPart(mbr, 6, PartitionKinds.Logical, "83", "luks:closed"));
        mbr.Partitions.Add(MbrPart(mbr, 7, PartitionKinds.Logical, "8e", "dm:mystery"));
        mbr.Partitions.Add(MbrPart(mbr, 8, PartitionKinds.Logical, "83", "fs:ext3:8"));
        return new LayoutDocument
        {
            MkcdrecVersion = "0.9.0",
            CapturedAt = new DateTimeOffset(2025, 1, 2, 3, 4, 5, TimeSpan.Zero),
            Host = new HostInfo { Hostname = "odd", Architecture = "x86_64", KernelRelease = "6.1.0", OsId = "debian" },
            Disks = [whole, mbr],
            Luks = [new LuksDevice { Id = "luks:closed", DeviceId = "disk:M1/p6", Version = 1, Uuid = "c105ed00-0000-4000-8000-000000000006", Cipher = "aes-cbc-essiv:sha256", KeySizeBits = 256 }],
            Lvm = new LvmInfo
            {
                PhysicalVolumes =
                [
                    new PhysicalVolume { Id = "pv:WHOLE", DeviceId = "disk:W1", Uuid = "WHOLE", VgName = "big", SizeBytes = 100 * GiB },
                    new PhysicalVolume { Id = "pv:PART", DeviceId = "disk:M1/p1", Uuid = "PART", VgName = "big", SizeBytes = 2 * GiB },
                ],
                VolumeGroups = [new VolumeGroup { Id = "vg:big", Name = "big", Uuid = "BIGUUID", ExtentSizeBytes = 4 * MiB, SizeBytes = 102 * GiB, FreeBytes = 50 * GiB, PhysicalVolumeIds = ["pv:WHOLE", "pv:PART"] }],
                LogicalVolumes =
                [
                    new LogicalVolume { Id = "lv:big/data", VgName = "big", Name = "data", SizeBytes = 52 * GiB, SegmentType = "striped", Stripes = 2, UsedBy = "fs:ext4:data" },
                    new LogicalVolume { Id = "lv:big/empty", VgName = "big", Name = "empty", SizeBytes = 1 * MiB, SegmentType = "linear" },
                ],
            },
            Filesystems =
            [
                new Filesystem { Id = "fs:swap:5", Type = "swap", Uuid = "55555555-0000-4000-8000-000000000005", DeviceIds = ["disk:M1/p5"], SizeBytes = GiB, Swap = new SwapParameters { Active = false } },
                new Filesystem { Id = "fs:ext3:8", Type = "ext3", Uuid = "88888888-0000-4000-8000-000000000008", Label = "old", DeviceIds = ["disk:M1/p8"], SizeBytes = 100 * MiB, UsedBytes = 5 * MiB },
                new Filesystem { Id = "fs:ext4:data", Type = "ext4", Uuid = "daddadda-0000-4000-8000-000000000001", DeviceIds = ["lv:big/data"], SizeBytes = 52 * GiB, UsedBytes = 1000 },
            ],
            Mounts = [new Mount { Target = "/data", FilesystemId = "fs:ext4:data", Type = "ext4", Subvolume = "/" }],
            Boot = new BootInfo { Bootloader = "grub2", BiosBootDiskIds = ["disk:M1"] },
            Unsupported = [new UnsupportedDevice { Device = "/dev/dm-7", Kind = "multipath", Reason = "multipath is not supported" }],
            Warnings = ["sdm has 4096-byte sectors", "a second warning"],
        };
    }

    private static Partition MbrPart(Disk d, int n, string kind, string type, string? usedBy) => MbrPart(d, n, kind, type, usedBy, bootable: false);

    private static Partition MbrPart(Disk d, int n, string kind, string type, string? usedBy, bool bootable) => new()
    {
        Id = $"{d.Id}/p{n}", Number = n, KernelName = d.KernelName + n, Path = d.Path + n, Kind = kind, StartSector = n * 1000L,
        SizeSectors = 256 * 1024, SizeBytes = 256L * 1024 * d.LogicalSectorSize, MbrType = type, UsedBy = usedBy, Bootable = bootable,
        Name = n == 8 ? "legacy" : null, TypeName = n == 1 ? "Linux" : null,
    };

    /// <summary>Replaces the fixtures' random GUIDs with ones made from the position, and fixes the capture time.</summary>
    private static LayoutDocument Fixed(LayoutDocument doc)
    {
        var n = 0;
        foreach (var d in doc.Disks)
        {
            if (d.PartitionTable.DiskGuid is not null)
            {
                d.PartitionTable.DiskGuid = new Guid($"00000000-0000-4000-8000-{++n:x12}");
            }

            foreach (var p in d.Partitions.Where(p => p.PartUuid is not null))
            {
                p.PartUuid = $"11111111-0000-4000-8000-{++n:x12}";
            }
        }

        doc.CapturedAt = new DateTimeOffset(2025, 6, 7, 8, 9, 10, TimeSpan.Zero);
        doc.MkcdrecVersion = "1.0.0";
        return doc;
    }

    private static void ChangePartitions(LayoutDocument d)
    {
        d.Disks[0].Partitions[1].SizeSectors += 2048;
        d.Disks[0].Partitions[0].Name = "EFI system";
        d.Disks[1].Path = "/dev/vdb";
        d.Disks[1].PartitionTable.BootCode = "grub";
    }

    /// <summary>A recreated bcache: a new backing UUID (cannot be kept: does not matter), another cache mode and bucket size.</summary>
    private static void ChangeBcache(LayoutDocument d)
    {
        d.Bcache[0].BackingUuid = "bacc0000-0000-4000-8000-0000000000ff";
        d.Bcache[0].CacheMode = "writethrough";
        d.Bcache[1].Cache!.BucketSizeBytes = 2 * MiB;
        d.Bcache[2].Label = null;
    }

    private static void ChangeMd(LayoutDocument d)
    {
        var md = d.MdArrays[0];
        md.Level = "raid10";
        md.RaidDevices = 4;
        md.ChunkBytes = 512 * 1024;
        md.SizeBytes -= MiB;
        md.Members.RemoveAt(2);
    }

    private static void ChangeLuks(LayoutDocument d)
    {
        d.Luks[0].Cipher = "serpent-xts-plain64";
        d.Luks[0].Label = null;
        d.Luks[0].MappedName = "crypt0";
    }

    private static void ChangeLvm(LayoutDocument d)
    {
        d.Lvm.LogicalVolumes[4].SizeBytes = 30 * GiB;
        d.Lvm.LogicalVolumes[2].SegmentType = "linear";
        d.Lvm.LogicalVolumes[0].Stripes = 2;
        d.Lvm.VolumeGroups[0].FreeBytes -= GiB;
        d.Lvm.VolumeGroups[0].ExtentSizeBytes = 8 * MiB;
        d.Lvm.PhysicalVolumes[0].VgName = "vg1";
        d.Lvm.LogicalVolumes.Add(new LogicalVolume { Id = "lv:vg0/new", VgName = "vg0", Name = "new", SizeBytes = GiB, SegmentType = "thin", PoolLv = "pool" });
    }

    private static void ChangeFilesystems(LayoutDocument d)
    {
        d.Filesystems[0].Label = "ESP";
        d.Filesystems[1].Ext!.Features.Add("quota");
        d.Filesystems[1].Ext!.InodeSize = 128;
        d.Filesystems[1].UsedBytes = 4 * GiB;
        d.Filesystems[3].Xfs!.Reflink = false;
        d.Filesystems.RemoveAt(2);
    }

    private static void ChangeBtrfs(LayoutDocument d)
    {
        var b = d.Filesystems[0].Btrfs!;
        b.DataProfile = "single";
        b.DefaultSubvolumeId = 257;
        b.Subvolumes[0].ReadOnly = false;
        b.Subvolumes.Add(new BtrfsSubvolume { Id = 259, ParentId = 5, Path = "@var" });
        b.Subvolumes.RemoveAt(1);
    }

    private static void ChangeMounts(LayoutDocument d)
    {
        d.Mounts[0].Options = "ro";
        d.Mounts[1].Target = "/efi";
        d.Mounts.Add(new Mount { Target = "/home", FilesystemId = "fs:xfs:abcdabcd-0000-4000-8000-00000000000a", Subvolume = "/home" });
        d.Config.FstabEntries[0].Options = "defaults";
        d.Config.CrypttabEntries[0].Options = "luks,discard";
    }

    private static void ChangeBoot(LayoutDocument d)
    {
        d.Boot.Firmware = FirmwareKinds.Bios;
        d.Boot.Bootloader = null;
        d.Boot.BiosBootDiskIds = ["disk:SA", "disk:SB"];
        d.Boot.EspFilesystemId = null;
        d.Host.KernelRelease = "6.1.0-30-amd64";
        d.Host.Hostname = "web2";
    }

    private static void ChangeMisc(LayoutDocument d)
    {
        d.Unsupported.Add(new UnsupportedDevice { Device = "/dev/bcache0", Kind = "bcache", Reason = "bcache is not supported" });
        d.Unsupported[0].Kind = "dm-multipath";
        d.Disks[1].Partitions[0].Bootable = false;
        d.Disks[1].Partitions[0].Attributes = 4;
        d.Disks[0].UsedBy = null;
        d.Disks[1].PartitionTable.MbrDiskId = "abcd1234";
        d.Disks[0].LogicalSectorSize = 4096;
    }
}
