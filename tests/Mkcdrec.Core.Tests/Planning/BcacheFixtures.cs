using Mkcdrec.Model.Layout;
using Mkcdrec.Model.Plan;
using static Mkcdrec.Core.Tests.Planning.PlanFixtures;

namespace Mkcdrec.Core.Tests.Planning;

/// <summary>A layout with bcache in every place the technology supports, built by hand with the model classes.</summary>
internal static class BcacheFixtures
{
    public const string Cset = "c5e7c5e7-0000-4000-8000-00000000c5e7";
    public const string RootFs = "fs:ext4:b0000000-0000-4000-8000-000000000001";
    public const string ScratchFs = "fs:ext4:b0000000-0000-4000-8000-000000000002";
    public const string SrvFs = "fs:xfs:b0000000-0000-4000-8000-000000000003";
    public const string MdId = "md:d00d:d00d:d00d:d00d";

    /// <summary>
    /// Five disks. sda (40 GiB): ESP, and the backing device of bcache0 (writeback, label "root", ext4 /). sdb and sdc
    /// (40 GiB): RAID1 "data", the backing device of bcache1 (data offset 2048 sectors), an LVM PV for vg "data" with lv
    /// srv (xfs /srv). sdd (8 GiB): bcache2 without a cache (writearound, ext4 /scratch). nvme0n1 (10 GiB): the cache
    /// device of cache set <see cref="Cset"/>, which caches bcache0 and bcache1.
    /// </summary>
    public static LayoutDocument Stack()
    {
        var hdd = GptDisk("sda", 40 * GiB, "HDD", (512 * MiB, Esp, "fs:vfat:B0B0-0001"), (0, LinuxFs, "bcache:disk:HDD/p2"));
        var r1 = GptDisk("sdb", 40 * GiB, "R1", (0, LinuxRaid, MdId));
        var r2 = GptDisk("sdc", 40 * GiB, "R2", (0, LinuxRaid, MdId));
        var plain = GptDisk("sdd", 8 * GiB, "PLAIN", (0, LinuxFs, "bcache:disk:PLAIN/p1"));
        var ssd = GptDisk("nvme0n1", 10 * GiB, "SSD", (0, LinuxFs, "bcache-cset:" + Cset));
        ssd.Partitions[0].KernelName = "nvme0n1p1";
        ssd.Partitions[0].Path = "/dev/nvme0n1p1";
        var root = hdd.Partitions[1].SizeBytes - 8 * 1024;
        var md = r1.Partitions[0].SizeBytes - 8 * MiB;
        var cachedMd = md - MiB;
        const long ext = 4 * MiB;
        var pv = (cachedMd - MiB) / ext * ext;
        var scratch = plain.Partitions[0].SizeBytes - 8 * 1024;
        var set = new BcacheCacheSet { Uuid = Cset, DeviceIds = [ssd.Partitions[0].Id], BlockSizeBytes = 4096, BucketSizeBytes = 512 * 1024, Replacement = "fifo", Discard = true };
        return new LayoutDocument
        {
            Host = new HostInfo { Hostname = "cachy" },
            Disks = [hdd, r1, r2, plain, ssd],
            MdArrays =
            [
                new MdArray
                {
                    Id = MdId, KernelName = "md127", Path = "/dev/md127", Name = "cachy:data", NamedPath = "/dev/md/data", Level = "raid1", Metadata = "1.2",
                    Uuid = "d00d:d00d:d00d:d00d", RaidDevices = 2, SizeBytes = md, UsedBy = "bcache:" + MdId,
                    Members = [new MdMember { DeviceId = r1.Partitions[0].Id, Slot = 0 }, new MdMember { DeviceId = r2.Partitions[0].Id, Slot = 1 }],
                },
            ],
            Bcache =
            [
                new BcacheDevice
                {
                    Id = "bcache:disk:HDD/p2", KernelName = "bcache0", Path = "/dev/bcache0", BackingDeviceId = hdd.Partitions[1].Id, BackingUuid = "bacc0000-0000-4000-8000-000000000000",
                    Label = "root", CacheMode = "writeback", BlockSizeBytes = 4096, Cache = set, SizeBytes = root, UsedBy = RootFs,
                },
                new BcacheDevice
                {
                    Id = "bcache:" + MdId, KernelName = "bcache1", Path = "/dev/bcache1", BackingDeviceId = MdId, BackingUuid = "bacc0000-0000-4000-8000-000000000001",
                    CacheMode = "writethrough", BlockSizeBytes = 4096, DataOffsetSectors = 2048, Cache = set, SizeBytes = cachedMd, UsedBy = "pv:BCPV",
                },
                new BcacheDevice
                {
                    Id = "bcache:disk:PLAIN/p1", KernelName = "bcache2", Path = "/dev/bcache2", BackingDeviceId = plain.Partitions[0].Id, BackingUuid = "bacc0000-0000-4000-8000-000000000002",
                    Label = "scratch", CacheMode = "writearound", BlockSizeBytes = 512, SizeBytes = scratch, UsedBy = ScratchFs,
                },
            ],
            Lvm = new LvmInfo
            {
                PhysicalVolumes = [new PhysicalVolume { Id = "pv:BCPV", DeviceId = "bcache:" + MdId, Uuid = "BCPV", VgName = "data", SizeBytes = pv, PeStartBytes = MiB }],
                VolumeGroups = [new VolumeGroup { Id = "vg:data", Name = "data", Uuid = "BCVG", ExtentSizeBytes = ext, SizeBytes = pv, FreeBytes = pv - 10 * GiB, PhysicalVolumeIds = ["pv:BCPV"] }],
                LogicalVolumes = [new LogicalVolume { Id = "lv:data/srv", VgName = "data", Name = "srv", Uuid = "BCLV", SizeBytes = 10 * GiB, SegmentType = "linear", UsedBy = SrvFs, PhysicalVolumeIds = ["pv:BCPV"] }],
            },
            Filesystems =
            [
                new Filesystem { Id = "fs:vfat:B0B0-0001", Type = "vfat", Uuid = "B0B0-0001", Label = "EFI", DeviceIds = [hdd.Partitions[0].Id], SizeBytes = 512 * MiB, UsedBytes = 20 * MiB, Vfat = new VfatParameters { FatSize = "FAT32" } },
                Ext(RootFs, "root", "bcache:disk:HDD/p2", root, 5 * GiB),
                Ext(ScratchFs, "scratch", "bcache:disk:PLAIN/p1", scratch, GiB),
                new Filesystem
                {
                    Id = SrvFs, Type = "xfs", Uuid = SrvFs[7..], Label = "srv", DeviceIds = ["lv:data/srv"], SizeBytes = 10 * GiB, UsedBytes = 2 * GiB,
                    Xfs = new XfsParameters { BlockSize = 4096, InodeSize = 512, AgCount = 4, SectorSize = 512, Crc = true, Finobt = true, Reflink = true, Bigtime = true, LogBlocks = 10240 },
                },
            ],
            Mounts =
            [
                new Mount { Target = "/", FilesystemId = RootFs, Type = "ext4" },
                new Mount { Target = "/boot/efi", FilesystemId = "fs:vfat:B0B0-0001", Type = "vfat" },
                new Mount { Target = "/srv", FilesystemId = SrvFs, Type = "xfs" },
                new Mount { Target = "/scratch", FilesystemId = ScratchFs, Type = "ext4" },
            ],
            Boot = new BootInfo { Firmware = FirmwareKinds.Uefi, EspFilesystemId = "fs:vfat:B0B0-0001", EspMountPoint = "/boot/efi" },
        };
    }

    private static Filesystem Ext(string id, string label, string device, long size, long used) => new()
    {
        Id = id, Type = "ext4", Uuid = id["fs:ext4:".Length..], Label = label, DeviceIds = [device], SizeBytes = size, UsedBytes = used,
        Ext = new ExtParameters { BlockSize = 4096, InodeSize = 256, InodeCount = size / 16384, BlockCount = size / 4096, ReservedBlockCount = size / 4096 / 20, Features = ["has_journal", "extent", "64bit", "flex_bg"] },
    };

    /// <summary>
    /// The targets for <see cref="Stack"/>: the same serials, the hard disks' sizes times <paramref name="factor"/>; the SSD
    /// as it was (a cache partition keeps its size: the sizing does not know what it holds), or left out when asked.
    /// </summary>
    public static TargetDisk[] Targets(double factor = 1, bool withSsd = true)
    {
        long Size(long s) => (long)(s * factor) / MiB * MiB;
        var t = new List<TargetDisk>
        {
            Target("vda", Size(40 * GiB), "HDD"), Target("vdb", Size(40 * GiB), "R1"), Target("vdc", Size(40 * GiB), "R2"), Target("vdd", Size(8 * GiB), "PLAIN"),
        };
        if (withSsd)
        {
            t.Add(Target("nvme1n1", 10 * GiB, "SSD"));
        }

        return [.. t];
    }
}
