using Mkcdrec.Model.Layout;
using Mkcdrec.Model.Plan;
using Mkcdrec.Core.Storage;

namespace Mkcdrec.Core.Tests.Planning;

/// <summary>Layouts to plan from: the real captured corpus, and stacked layouts built by hand with the model classes.</summary>
internal static class PlanFixtures
{
    public const long MiB = 1L << 20;
    public const long GiB = 1L << 30;

    public static readonly Guid Esp = new("c12a7328-f81f-11d2-ba4b-00a0c93ec93b");
    public static readonly Guid LinuxRaid = new("a19d880f-05fc-4d3b-a006-743f0f84911e");
    public static readonly Guid LinuxFs = new("0fc63daf-8483-4772-8e79-3d69d8477de4");

    public static LayoutDocument Corpus(string name) =>
        LayoutSerializer.Deserialize(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Capture", "corpus", name, "layout.json")), name);

    public static LayoutDocument Gpt() => Corpus("host-loop-gpt");

    public static LayoutDocument Mbr() => Corpus("host-loop-mbr");

    public static TargetDisk Target(string name, long size, string? serial = null, int sector = 512) => new()
    {
        Path = "/dev/" + name,
        KernelName = name,
        SizeBytes = size,
        LogicalSectorSize = sector,
        Serial = serial,
        ByIdLinks = serial is null ? [] : ["/dev/disk/by-id/virtio-" + serial],
    };

    /// <summary>A GPT disk with partitions laid out from 1 MiB; a size of 0 takes the rest.</summary>
    public static Disk GptDisk(string name, long size, string? serial, params (long Size, Guid Type, string? UsedBy)[] parts)
    {
        var id = "disk:" + (serial ?? name);
        var sectors = size / 512;
        var d = new Disk
        {
            Id = id, KernelName = name, Path = "/dev/" + name, SizeBytes = size, Serial = serial,
            PartitionTable = new PartitionTable { Kind = PartitionTableKinds.Gpt, DiskGuid = Guid.NewGuid(), FirstUsableLba = 34, LastUsableLba = sectors - 34, GptEntryCount = 128 },
        };
        long start = 2048;
        var n = 0;
        foreach (var (psize, type, usedBy) in parts)
        {
            n++;
            var count = psize > 0 ? psize / 512 : (sectors - 34 - start + 1) / 2048 * 2048;
            d.Partitions.Add(new Partition
            {
                Id = $"{id}/p{n}", Number = n, KernelName = name + n, Path = $"/dev/{name}{n}", Kind = PartitionKinds.Gpt,
                StartSector = start, SizeSectors = count, SizeBytes = count * 512, TypeGuid = type, PartUuid = Guid.NewGuid().ToString(), UsedBy = usedBy,
            });
            start += count;
        }

        return d;
    }

    /// <summary>
    /// Two 20 GiB disks: ESP (vfat, /boot/efi) and a RAID1 member each; RAID1 → LUKS2 → LVM PV → vg0 with root (ext4, /),
    /// swap, and a thin pool holding a 20 GiB thin volume (xfs, /srv).
    /// </summary>
    public static LayoutDocument RaidLuksLvmThin()
    {
        var a = GptDisk("sda", 20 * GiB, "SA", (512 * MiB, Esp, "fs:vfat:1A2B-3C4D"), (0, LinuxRaid, "md:aaaa:bbbb:cccc:dddd"));
        var b = GptDisk("sdb", 20 * GiB, "SB", (512 * MiB, Esp, null), (0, LinuxRaid, "md:aaaa:bbbb:cccc:dddd"));
        var member = a.Partitions[1].SizeBytes;
        var mdSize = member - 8 * MiB;
        var luksSize = mdSize - 16 * MiB;
        const long ext = 4 * MiB;
        var pvSize = (luksSize - MiB) / ext * ext;
        var doc = new LayoutDocument
        {
            Host = new HostInfo { Hostname = "web1" },
            Disks = [a, b],
            MdArrays =
            [
                new MdArray
                {
                    Id = "md:aaaa:bbbb:cccc:dddd", KernelName = "md127", Path = "/dev/md127", Name = "web1:pv", NamedPath = "/dev/md/pv", Level = "raid1",
                    Metadata = "1.2", Uuid = "aaaa:bbbb:cccc:dddd", RaidDevices = 2, SizeBytes = mdSize, Bitmap = "internal",
                    Members = [new MdMember { DeviceId = a.Partitions[1].Id, Slot = 0 }, new MdMember { DeviceId = b.Partitions[1].Id, Slot = 1 }],
                    UsedBy = "luks:0a1b2c3d-0000-4000-8000-000000000001",
                },
            ],
            Luks =
            [
                new LuksDevice
                {
                    Id = "luks:0a1b2c3d-0000-4000-8000-000000000001", DeviceId = "md:aaaa:bbbb:cccc:dddd", Version = 2, Uuid = "0a1b2c3d-0000-4000-8000-000000000001",
                    Label = "cryptpv", Cipher = "aes-xts-plain64", KeySizeBits = 512, Hash = "sha256", Pbkdf = "argon2id", DataOffsetBytes = 16 * MiB, SectorSize = 512,
                    MappedName = "cryptpv", MappedPath = "/dev/mapper/cryptpv", UsedBy = "pv:PVUUID-1",
                },
            ],
            Lvm = new LvmInfo
            {
                PhysicalVolumes = [new PhysicalVolume { Id = "pv:PVUUID-1", DeviceId = "luks:0a1b2c3d-0000-4000-8000-000000000001", Uuid = "PVUUID-1", VgName = "vg0", SizeBytes = pvSize, PeStartBytes = MiB }],
                VolumeGroups = [new VolumeGroup { Id = "vg:vg0", Name = "vg0", Uuid = "VGUUID", ExtentSizeBytes = ext, SizeBytes = pvSize, FreeBytes = pvSize - (8 * GiB + GiB + 6 * GiB + 2 * 64 * MiB), PhysicalVolumeIds = ["pv:PVUUID-1"] }],
                LogicalVolumes =
                [
                    new LogicalVolume { Id = "lv:vg0/root", VgName = "vg0", Name = "root", SizeBytes = 8 * GiB, SegmentType = "linear", UsedBy = "fs:ext4:11111111-2222-3333-4444-555555555555", PhysicalVolumeIds = ["pv:PVUUID-1"] },
                    new LogicalVolume { Id = "lv:vg0/swap", VgName = "vg0", Name = "swap", SizeBytes = GiB, SegmentType = "linear", UsedBy = "fs:swap:66666666-7777-8888-9999-000000000000" },
                    new LogicalVolume { Id = "lv:vg0/pool", VgName = "vg0", Name = "pool", SizeBytes = 6 * GiB, SegmentType = "thin-pool", ChunkSizeBytes = 64 * 1024, MetadataSizeBytes = 64 * MiB },
                    new LogicalVolume { Id = "lv:vg0/pool_tdata", VgName = "vg0", Name = "pool_tdata", SizeBytes = 6 * GiB, SegmentType = "linear", Hidden = true },
                    new LogicalVolume { Id = "lv:vg0/data", VgName = "vg0", Name = "data", SizeBytes = 20 * GiB, SegmentType = "thin", PoolLv = "pool", UsedBy = "fs:xfs:abcdabcd-0000-4000-8000-00000000000a" },
                ],
            },
            Filesystems =
            [
                new Filesystem { Id = "fs:vfat:1A2B-3C4D", Type = "vfat", Uuid = "1A2B-3C4D", Label = "EFI", DeviceIds = [a.Partitions[0].Id], SizeBytes = 512 * MiB, UsedBytes = 30 * MiB, Vfat = new VfatParameters { FatSize = "FAT32" } },
                new Filesystem
                {
                    Id = "fs:ext4:11111111-2222-3333-4444-555555555555", Type = "ext4", Uuid = "11111111-2222-3333-4444-555555555555", Label = "root", DeviceIds = ["lv:vg0/root"],
                    SizeBytes = 8 * GiB, UsedBytes = 3 * GiB,
                    Ext = new ExtParameters { BlockSize = 4096, InodeSize = 256, InodeCount = 524288, BlockCount = 2097152, ReservedBlockCount = 104857, Features = ["has_journal", "extent", "64bit", "flex_bg", "metadata_csum"] },
                },
                new Filesystem { Id = "fs:swap:66666666-7777-8888-9999-000000000000", Type = "swap", Uuid = "66666666-7777-8888-9999-000000000000", DeviceIds = ["lv:vg0/swap"], SizeBytes = GiB },
                new Filesystem
                {
                    Id = "fs:xfs:abcdabcd-0000-4000-8000-00000000000a", Type = "xfs", Uuid = "abcdabcd-0000-4000-8000-00000000000a", Label = "srv", DeviceIds = ["lv:vg0/data"],
                    SizeBytes = 20 * GiB, UsedBytes = 2 * GiB, Xfs = new XfsParameters { BlockSize = 4096, InodeSize = 512, AgCount = 4, SectorSize = 512, Crc = true, Finobt = true, Reflink = true, Bigtime = true, LogBlocks = 10240 },
                },
            ],
            Mounts =
            [
                new Mount { Target = "/srv", FilesystemId = "fs:xfs:abcdabcd-0000-4000-8000-00000000000a", Type = "xfs" },
                new Mount { Target = "/boot/efi", FilesystemId = "fs:vfat:1A2B-3C4D", Type = "vfat" },
                new Mount { Target = "/", FilesystemId = "fs:ext4:11111111-2222-3333-4444-555555555555", Type = "ext4" },
            ],
            Boot = new BootInfo { Firmware = FirmwareKinds.Uefi, EspFilesystemId = "fs:vfat:1A2B-3C4D", EspMountPoint = "/boot/efi" },
        };
        return doc;
    }

    public const string LuksRootUuid = "5e1f0000-aaaa-4000-8000-00000000000a";
    public const string LuksHomeUuid = "5e1f0000-bbbb-4000-8000-00000000000b";

    /// <summary>One 10 GiB disk with two LUKS2 partitions, each holding an ext4 filesystem: / in crypt-root, /home in crypt-home.</summary>
    public static LayoutDocument TwoLuksPartitions()
    {
        var d = GptDisk("sda", 10 * GiB, "SL", (4 * GiB, LinuxFs, "luks:" + LuksRootUuid), (0, LinuxFs, "luks:" + LuksHomeUuid));
        var doc = new LayoutDocument { Host = new HostInfo { Hostname = "vault" }, Disks = [d] };
        foreach (var (uuid, part, name, fs, target) in new[]
                 {
                     (LuksRootUuid, d.Partitions[0], "crypt-root", "f5000000-0000-4000-8000-00000000000a", "/"),
                     (LuksHomeUuid, d.Partitions[1], "crypt-home", "f5000000-0000-4000-8000-00000000000b", "/home"),
                 })
        {
            doc.Luks.Add(new LuksDevice
            {
                Id = "luks:" + uuid, DeviceId = part.Id, Version = 2, Uuid = uuid, Cipher = "aes-xts-plain64", KeySizeBits = 512, Hash = "sha256",
                Pbkdf = "argon2id", DataOffsetBytes = 16 * MiB, MappedName = name, MappedPath = "/dev/mapper/" + name, UsedBy = "fs:ext4:" + fs,
            });
            doc.Filesystems.Add(new Filesystem
            {
                Id = "fs:ext4:" + fs, Type = "ext4", Uuid = fs, DeviceIds = ["luks:" + uuid], SizeBytes = part.SizeBytes - 16 * MiB, UsedBytes = GiB,
                Ext = new ExtParameters { BlockSize = 4096, InodeSize = 256, Features = ["has_journal", "extent", "64bit"] },
            });
            doc.Mounts.Add(new Mount { Target = target, FilesystemId = "fs:ext4:" + fs, Type = "ext4" });
        }

        return doc;
    }

    public static readonly Guid BiosBoot = new("21686148-6449-6e6f-744e-656564454649");

    /// <summary>
    /// A BIOS machine whose RAID1 ran on one member when it was captured: sda (20 GiB) has a BIOS boot partition, an
    /// ESP (vfat) and the one member of md "root" (raid-devices 2, slot 1 missing), which holds ext4 /. GRUB is in sda's boot code.
    /// </summary>
    public static LayoutDocument DegradedRaid1Bios()
    {
        const string mdId = "md:1111:2222:3333:4444";
        const string rootId = "fs:ext4:aaaaaaaa-0000-4000-8000-000000000001";
        var a = GptDisk("sda", 20 * GiB, "SA", (MiB, BiosBoot, null), (256 * MiB, Esp, "fs:vfat:ABCD-0001"), (0, LinuxRaid, mdId));
        a.Partitions[0].Name = "bios";
        a.Partitions[1].Name = "EFI system";
        a.Partitions[2].Name = "raid-root";
        var member = a.Partitions[2].SizeBytes;
        return new LayoutDocument
        {
            Host = new HostInfo { Hostname = "solo" },
            Disks = [a],
            MdArrays =
            [
                new MdArray
                {
                    Id = mdId, KernelName = "md127", Path = "/dev/md127", Name = "solo:root", NamedPath = "/dev/md/root", Level = "raid1", Metadata = "1.2",
                    Uuid = "1111:2222:3333:4444", RaidDevices = 2, SizeBytes = member - 8 * MiB, Bitmap = "internal",
                    Members = [new MdMember { DeviceId = a.Partitions[2].Id, Slot = 0, State = "in_sync" }], UsedBy = rootId,
                },
            ],
            Filesystems =
            [
                new Filesystem { Id = "fs:vfat:ABCD-0001", Type = "vfat", Uuid = "ABCD-0001", DeviceIds = [a.Partitions[1].Id], SizeBytes = 256 * MiB, UsedBytes = 5 * MiB, Vfat = new VfatParameters { FatSize = "FAT32" } },
                new Filesystem
                {
                    Id = rootId, Type = "ext4", Uuid = "aaaaaaaa-0000-4000-8000-000000000001", DeviceIds = [mdId], SizeBytes = member - 8 * MiB, UsedBytes = 2 * GiB,
                    Ext = new ExtParameters { BlockSize = 4096, InodeSize = 256, InodeCount = 1245184, BlockCount = (member - 8 * MiB) / 4096, Features = ["has_journal", "extent", "64bit"] },
                },
            ],
            Mounts =
            [
                new Mount { Target = "/", FilesystemId = rootId, Type = "ext4" },
                new Mount { Target = "/boot/efi", FilesystemId = "fs:vfat:ABCD-0001", Type = "vfat" },
            ],
            Boot = new BootInfo { Firmware = FirmwareKinds.Bios, Bootloader = "grub2", BiosBootDiskIds = [a.Id] },
        };
    }

    /// <summary>RAID5 over four 10 GiB disks captured with three: sda, sdb, sdd in slots 0, 1, 3 (slot 2 missing); xfs /srv on it.</summary>
    public static LayoutDocument DegradedRaid5()
    {
        const string mdId = "md:5555:6666:7777:8888";
        const string fsId = "fs:xfs:bbbbbbbb-0000-4000-8000-000000000005";
        var disks = new[] { "sda", "sdb", "sdd" }.Select(n => GptDisk(n, 10 * GiB, "S" + n[^1..].ToUpperInvariant(), (0, LinuxRaid, mdId))).ToList();
        var member = disks[0].Partitions[0].SizeBytes;
        return new LayoutDocument
        {
            Host = new HostInfo { Hostname = "store" },
            Disks = disks,
            MdArrays =
            [
                new MdArray
                {
                    Id = mdId, KernelName = "md0", Path = "/dev/md0", Name = "store:data", Level = "raid5", Metadata = "1.2", Uuid = "5555:6666:7777:8888",
                    RaidDevices = 4, ChunkBytes = 512 * 1024, Layout = "left-symmetric", SizeBytes = 3 * (member - 8 * MiB), UsedBy = fsId,
                    Members = [.. new[] { 0, 1, 3 }.Select((slot, i) => new MdMember { DeviceId = disks[i].Partitions[0].Id, Slot = slot, State = "in_sync" })],
                },
            ],
            Filesystems =
            [
                new Filesystem
                {
                    Id = fsId, Type = "xfs", Uuid = "bbbbbbbb-0000-4000-8000-000000000005", DeviceIds = [mdId], SizeBytes = 3 * (member - 8 * MiB), UsedBytes = 4 * GiB,
                    Xfs = new XfsParameters { BlockSize = 4096, InodeSize = 512, AgCount = 4, SectorSize = 512, Crc = true },
                },
            ],
            Mounts = [new Mount { Target = "/srv", FilesystemId = fsId, Type = "xfs" }],
        };
    }

    /// <summary>btrfs RAID1 over two disks (one partition each) with subvolumes @ (default), @home and a read-only @snaps/base.</summary>
    public static LayoutDocument BtrfsTwoDisks(long sizeC = 10 * GiB, long sizeD = 10 * GiB)
    {
        const string fsId = "fs:btrfs:b7f5e1c2-0000-4000-8000-000000000001";
        var c = GptDisk("vdc", sizeC, "SC", (0, LinuxFs, fsId));
        var d = GptDisk("vdd", sizeD, "SD", (0, LinuxFs, fsId));
        return new LayoutDocument
        {
            Host = new HostInfo { Hostname = "nas" },
            Disks = [c, d],
            Filesystems =
            [
                new Filesystem
                {
                    Id = fsId, Type = "btrfs", Uuid = "b7f5e1c2-0000-4000-8000-000000000001", Label = "pool", DeviceIds = [c.Partitions[0].Id, d.Partitions[0].Id],
                    SizeBytes = c.Partitions[0].SizeBytes + d.Partitions[0].SizeBytes, UsedBytes = 3 * GiB,
                    Btrfs = new BtrfsParameters
                    {
                        DataProfile = "raid1", MetadataProfile = "raid1", SystemProfile = "raid1", NodeSize = 16384, SectorSize = 4096, DefaultSubvolumeId = 256,
                        Subvolumes =
                        [
                            new BtrfsSubvolume { Id = 258, ParentId = 5, Path = "@snaps/base", ReadOnly = true },
                            new BtrfsSubvolume { Id = 257, ParentId = 5, Path = "@home" },
                            new BtrfsSubvolume { Id = 256, ParentId = 5, Path = "@" },
                        ],
                        Devices = [new BtrfsDevice { DevId = 2, DeviceId = d.Partitions[0].Id }, new BtrfsDevice { DevId = 1, DeviceId = c.Partitions[0].Id }],
                    },
                },
            ],
            Mounts =
            [
                new Mount { Target = "/home", FilesystemId = fsId, Type = "btrfs", Subvolume = "/@home" },
                new Mount { Target = "/", FilesystemId = fsId, Type = "btrfs", Subvolume = "/@" },
            ],
        };
    }
}
