using System.Text.Json.Serialization;

namespace Mkcdrec.Model.Layout;

/// <summary>
/// The captured storage and system layout of one machine (docs/layout-format.md).
/// Devices form a graph; every device has a stable <c>id</c> and references are by id, never by /dev name.
/// </summary>
public sealed class LayoutDocument
{
    /// <summary>The version of this document's schema. Readers refuse versions they do not know.</summary>
    public const int CurrentFormatVersion = 1;

    public int FormatVersion { get; set; } = CurrentFormatVersion;

    public string MkcdrecVersion { get; set; } = "";

    public DateTimeOffset CapturedAt { get; set; }

    public HostInfo Host { get; set; } = new();

    /// <summary>Set when capture was restricted with --disk: the disks asked for (stable by-id paths where they exist).</summary>
    public List<string>? SelectedDisks { get; set; }

    public List<Disk> Disks { get; set; } = [];

    public List<MdArray> MdArrays { get; set; } = [];

    public List<LuksDevice> Luks { get; set; } = [];

    public LvmInfo Lvm { get; set; } = new();

    public List<Filesystem> Filesystems { get; set; } = [];

    public List<Mount> Mounts { get; set; } = [];

    public ConfigFiles Config { get; set; } = new();

    public BootInfo Boot { get; set; } = new();

    public NetworkInfo Network { get; set; } = new();

    /// <summary>Devices mkcdrec saw but cannot recreate (multipath, unknown device-mapper targets…).</summary>
    public List<UnsupportedDevice> Unsupported { get; set; } = [];

    /// <summary>Everything capture noticed that a human should read.</summary>
    public List<string> Warnings { get; set; } = [];

    /// <summary>Finds any device (disk, partition, md, luks, lv) by id.</summary>
    public string? DescribeDevice(string id)
    {
        foreach (var d in Disks)
        {
            if (d.Id == id)
            {
                return d.Path;
            }

            foreach (var p in d.Partitions)
            {
                if (p.Id == id)
                {
                    return p.Path;
                }
            }
        }

        return MdArrays.FirstOrDefault(m => m.Id == id)?.Path
            ?? Luks.FirstOrDefault(l => l.Id == id)?.MappedPath
            ?? Lvm.LogicalVolumes.FirstOrDefault(l => l.Id == id)?.Path;
    }
}

public sealed class HostInfo
{
    public string Hostname { get; set; } = "";

    public string Architecture { get; set; } = "";

    public string KernelRelease { get; set; } = "";

    public string? OsId { get; set; }

    public string? OsVersionId { get; set; }

    public string? OsPrettyName { get; set; }

    /// <summary>SELinux is enabled on the host (/sys/fs/selinux/enforce exists): recovery asks for a relabel at first boot. Null: not captured.</summary>
    public bool? SelinuxEnabled { get; set; }
}

public sealed class Disk
{
    /// <summary>Stable id: "disk:" + WWN, serial, or (lacking both) the kernel name.</summary>
    public string Id { get; set; } = "";

    public string KernelName { get; set; } = "";

    public string Path { get; set; } = "";

    public List<string> ByIdLinks { get; set; } = [];

    public string? ByPath { get; set; }

    public string? Serial { get; set; }

    public string? Wwn { get; set; }

    public string? Model { get; set; }

    public string? Vendor { get; set; }

    public string? Transport { get; set; }

    public long SizeBytes { get; set; }

    public int LogicalSectorSize { get; set; } = 512;

    public int PhysicalSectorSize { get; set; } = 512;

    public bool Rotational { get; set; }

    public bool Removable { get; set; }

    public PartitionTable PartitionTable { get; set; } = new();

    public List<Partition> Partitions { get; set; } = [];

    /// <summary>Id of the filesystem/LUKS/PV/md member written straight on the whole disk, if any (set by the layer above).</summary>
    public string? UsedBy { get; set; }
}

public static class PartitionTableKinds
{
    public const string None = "none";
    public const string Gpt = "gpt";
    public const string Mbr = "mbr";
}

public sealed class PartitionTable
{
    /// <summary>"gpt", "mbr" or "none".</summary>
    public string Kind { get; set; } = PartitionTableKinds.None;

    /// <summary>GPT disk GUID.</summary>
    public Guid? DiskGuid { get; set; }

    /// <summary>MBR disk signature, as 8 hex digits (what blkid calls PTUUID).</summary>
    public string? MbrDiskId { get; set; }

    public long? FirstUsableLba { get; set; }

    public long? LastUsableLba { get; set; }

    public int? GptEntryCount { get; set; }

    /// <summary>Whether the disk's first sector holds boot code (e.g. GRUB's boot.img).</summary>
    public string? BootCode { get; set; }

    public List<string> Warnings { get; set; } = [];
}

public static class PartitionKinds
{
    public const string Gpt = "gpt";
    public const string Primary = "primary";
    public const string Extended = "extended";
    public const string Logical = "logical";
}

public sealed class Partition
{
    /// <summary>Stable id: the disk id + "/p" + number.</summary>
    public string Id { get; set; } = "";

    public int Number { get; set; }

    public string KernelName { get; set; } = "";

    public string Path { get; set; } = "";

    /// <summary>"gpt", "primary", "extended" or "logical".</summary>
    public string Kind { get; set; } = PartitionKinds.Gpt;

    /// <summary>Start, in logical sectors of the disk.</summary>
    public long StartSector { get; set; }

    /// <summary>Size, in logical sectors of the disk.</summary>
    public long SizeSectors { get; set; }

    public long SizeBytes { get; set; }

    public Guid? TypeGuid { get; set; }

    /// <summary>MBR partition type byte, as two hex digits.</summary>
    public string? MbrType { get; set; }

    /// <summary>A readable name for the type ("EFI System", "Linux LVM", …).</summary>
    public string? TypeName { get; set; }

    /// <summary>GPT unique partition GUID, or the MBR form "xxxxxxxx-NN" blkid reports.</summary>
    public string? PartUuid { get; set; }

    public string? Name { get; set; }

    public ulong? Attributes { get; set; }

    public bool Bootable { get; set; }

    /// <summary>What the layer above is on this partition ("fs:…", "md:…", "luks:…", "pv:…"), if anything.</summary>
    public string? UsedBy { get; set; }
}

public sealed class MdArray
{
    /// <summary>Stable id: "md:" + array UUID.</summary>
    public string Id { get; set; } = "";

    public string KernelName { get; set; } = "";

    public string Path { get; set; } = "";

    /// <summary>The array's name in its superblock (e.g. "host:root").</summary>
    public string? Name { get; set; }

    /// <summary>/dev/md/NAME if that link exists.</summary>
    public string? NamedPath { get; set; }

    public string Level { get; set; } = "";

    public string Metadata { get; set; } = "";

    public string Uuid { get; set; } = "";

    public int RaidDevices { get; set; }

    public long? ChunkBytes { get; set; }

    public string? Layout { get; set; }

    public long SizeBytes { get; set; }

    public string? Bitmap { get; set; }

    public List<MdMember> Members { get; set; } = [];

    public string? UsedBy { get; set; }
}

public sealed class MdMember
{
    /// <summary>Id of the disk or partition.</summary>
    public string DeviceId { get; set; } = "";

    /// <summary>Slot (role) number; null for a spare.</summary>
    public int? Slot { get; set; }

    public bool Spare { get; set; }

    /// <summary>Kernel state, e.g. "in_sync", "faulty", "spare".</summary>
    public string? State { get; set; }
}

public sealed class LuksDevice
{
    /// <summary>Stable id: "luks:" + LUKS UUID.</summary>
    public string Id { get; set; } = "";

    /// <summary>Id of the device holding the LUKS header.</summary>
    public string DeviceId { get; set; } = "";

    public int Version { get; set; }

    public string Uuid { get; set; } = "";

    public string? Label { get; set; }

    /// <summary>Data cipher in cryptsetup's form, e.g. "aes-xts-plain64".</summary>
    public string Cipher { get; set; } = "";

    public int KeySizeBits { get; set; }

    public string? Hash { get; set; }

    /// <summary>PBKDF of the first active keyslot (argon2id, argon2i, pbkdf2).</summary>
    public string? Pbkdf { get; set; }

    /// <summary>That keyslot's cost, so the recreated keyslot is as strong as the original: argon2 time cost or PBKDF2 iterations.</summary>
    public int? PbkdfIterations { get; set; }

    /// <summary>Argon2 memory cost in KiB.</summary>
    public int? PbkdfMemoryKiB { get; set; }

    /// <summary>Argon2 parallel threads.</summary>
    public int? PbkdfParallel { get; set; }

    /// <summary>Data offset in bytes (header size).</summary>
    public long? DataOffsetBytes { get; set; }

    public int? SectorSize { get; set; }

    /// <summary>The dm name it is opened as (e.g. "cryptroot"), when open.</summary>
    public string? MappedName { get; set; }

    public string? MappedPath { get; set; }

    public CrypttabEntry? Crypttab { get; set; }

    public string? UsedBy { get; set; }
}

public sealed class LvmInfo
{
    public List<PhysicalVolume> PhysicalVolumes { get; set; } = [];

    public List<VolumeGroup> VolumeGroups { get; set; } = [];

    public List<LogicalVolume> LogicalVolumes { get; set; } = [];
}

public sealed class PhysicalVolume
{
    /// <summary>Stable id: "pv:" + PV UUID.</summary>
    public string Id { get; set; } = "";

    public string DeviceId { get; set; } = "";

    public string Uuid { get; set; } = "";

    public string? VgName { get; set; }

    public long SizeBytes { get; set; }

    public long? PeStartBytes { get; set; }
}

public sealed class VolumeGroup
{
    /// <summary>Stable id: "vg:" + name.</summary>
    public string Id { get; set; } = "";

    public string Name { get; set; } = "";

    public string Uuid { get; set; } = "";

    public long ExtentSizeBytes { get; set; }

    public long SizeBytes { get; set; }

    public long FreeBytes { get; set; }

    public List<string> PhysicalVolumeIds { get; set; } = [];
}

public sealed class LogicalVolume
{
    /// <summary>Stable id: "lv:" + vg + "/" + name.</summary>
    public string Id { get; set; } = "";

    public string VgName { get; set; } = "";

    public string Name { get; set; } = "";

    public string Uuid { get; set; } = "";

    public long SizeBytes { get; set; }

    /// <summary>LVM segment type: linear, striped, thin-pool, thin, raid1, mirror, cache…</summary>
    public string SegmentType { get; set; } = "";

    public int? Stripes { get; set; }

    public long? StripeSizeBytes { get; set; }

    /// <summary>For a thin volume: the pool's name.</summary>
    public string? PoolLv { get; set; }

    /// <summary>For a thin pool: chunk size and metadata size.</summary>
    public long? ChunkSizeBytes { get; set; }

    public long? MetadataSizeBytes { get; set; }

    /// <summary>LVM's attribute string (lv_attr).</summary>
    public string? Attributes { get; set; }

    /// <summary>Hidden internal volumes ([pool_tdata], [lvol0_pmspare], raid images) are recorded but recreated by their parent.</summary>
    public bool Hidden { get; set; }

    /// <summary>The PV devices (ids) holding its extents.</summary>
    public List<string> PhysicalVolumeIds { get; set; } = [];

    public string? Path { get; set; }

    public string? DmName { get; set; }

    public string? UsedBy { get; set; }
}

public static class FilesystemTypes
{
    public const string Ext2 = "ext2";
    public const string Ext3 = "ext3";
    public const string Ext4 = "ext4";
    public const string Xfs = "xfs";
    public const string Btrfs = "btrfs";
    public const string Vfat = "vfat";
    public const string Swap = "swap";
}

public sealed class Filesystem
{
    /// <summary>Stable id: "fs:" + type + ":" + UUID.</summary>
    public string Id { get; set; } = "";

    public string Type { get; set; } = "";

    public string? Uuid { get; set; }

    public string? Label { get; set; }

    /// <summary>Ids of the devices it lives on (several for multi-device btrfs).</summary>
    public List<string> DeviceIds { get; set; } = [];

    public long SizeBytes { get; set; }

    /// <summary>Bytes in use (from statfs when mounted, else from the superblock); null when unknown.</summary>
    public long? UsedBytes { get; set; }

    public ExtParameters? Ext { get; set; }

    public XfsParameters? Xfs { get; set; }

    public BtrfsParameters? Btrfs { get; set; }

    public VfatParameters? Vfat { get; set; }

    public SwapParameters? Swap { get; set; }
}

public sealed class ExtParameters
{
    public int BlockSize { get; set; }

    public int InodeSize { get; set; }

    public long InodeCount { get; set; }

    public long BlockCount { get; set; }

    public long ReservedBlockCount { get; set; }

    public List<string> Features { get; set; } = [];

    public string? HashSeed { get; set; }

    public string? DefaultMountOptions { get; set; }
}

public sealed class XfsParameters
{
    public int BlockSize { get; set; }

    public int InodeSize { get; set; }

    public int AgCount { get; set; }

    public int SectorSize { get; set; }

    public bool Crc { get; set; }

    public bool Reflink { get; set; }

    public bool Finobt { get; set; }

    public bool Rmapbt { get; set; }

    public bool Bigtime { get; set; }

    public long LogBlocks { get; set; }

    public bool InternalLog { get; set; } = true;

    public int? StripeUnitBlocks { get; set; }

    public int? StripeWidthBlocks { get; set; }
}

public sealed class BtrfsParameters
{
    public string? DataProfile { get; set; }

    public string? MetadataProfile { get; set; }

    public string? SystemProfile { get; set; }

    public int? NodeSize { get; set; }

    public int? SectorSize { get; set; }

    public long DefaultSubvolumeId { get; set; } = 5;

    public List<BtrfsSubvolume> Subvolumes { get; set; } = [];

    /// <summary>Per device: devid and the device id.</summary>
    public List<BtrfsDevice> Devices { get; set; } = [];
}

public sealed class BtrfsSubvolume
{
    public long Id { get; set; }

    public long ParentId { get; set; }

    /// <summary>Path relative to the top-level subvolume (id 5).</summary>
    public string Path { get; set; } = "";

    public bool ReadOnly { get; set; }
}

public sealed class BtrfsDevice
{
    public int DevId { get; set; }

    public string DeviceId { get; set; } = "";

    public string? SubUuid { get; set; }
}

public sealed class VfatParameters
{
    /// <summary>FAT12, FAT16 or FAT32.</summary>
    public string? FatSize { get; set; }

    public int? ClusterSize { get; set; }
}

public sealed class SwapParameters
{
    public bool Active { get; set; }

    public int? Priority { get; set; }

    public int? PageSize { get; set; }
}

public sealed class Mount
{
    public string Target { get; set; } = "";

    /// <summary>The filesystem mounted here.</summary>
    public string FilesystemId { get; set; } = "";

    public string Source { get; set; } = "";

    public string Type { get; set; } = "";

    public string Options { get; set; } = "";

    /// <summary>For btrfs: the subvolume path mounted.</summary>
    public string? Subvolume { get; set; }

    /// <summary>Whether /etc/fstab names this mount.</summary>
    public bool InFstab { get; set; }
}

public sealed class ConfigFiles
{
    public string? Fstab { get; set; }

    public string? Crypttab { get; set; }

    public string? MdadmConf { get; set; }

    public List<FstabEntry> FstabEntries { get; set; } = [];

    public List<CrypttabEntry> CrypttabEntries { get; set; } = [];
}

public sealed class FstabEntry
{
    public string Spec { get; set; } = "";

    public string Target { get; set; } = "";

    public string Type { get; set; } = "";

    public string Options { get; set; } = "";

    public int Dump { get; set; }

    public int Pass { get; set; }

    /// <summary>The filesystem id the spec resolves to, when capture could resolve it.</summary>
    public string? FilesystemId { get; set; }
}

public sealed class CrypttabEntry
{
    public string Name { get; set; } = "";

    public string Device { get; set; } = "";

    public string? KeyFile { get; set; }

    public string? Options { get; set; }
}

public static class FirmwareKinds
{
    public const string Bios = "bios";
    public const string Uefi = "uefi";
}

public sealed class BootInfo
{
    /// <summary>"bios" or "uefi": how this machine booted.</summary>
    public string Firmware { get; set; } = FirmwareKinds.Bios;

    /// <summary>"grub2", "systemd-boot" or null when none was recognised.</summary>
    public string? Bootloader { get; set; }

    /// <summary>Disks whose first sector carries BIOS boot code.</summary>
    public List<string> BiosBootDiskIds { get; set; } = [];

    /// <summary>The EFI system partition's filesystem id.</summary>
    public string? EspFilesystemId { get; set; }

    public string? EspMountPoint { get; set; }

    public string? GrubConfigPath { get; set; }

    public List<EfiBootEntry> EfiBootEntries { get; set; } = [];

    public List<string> EfiBootOrder { get; set; } = [];

    public string? KernelCommandLine { get; set; }
}

public sealed class EfiBootEntry
{
    public string Number { get; set; } = "";

    public string Label { get; set; } = "";

    public bool Active { get; set; }

    public string? PartUuid { get; set; }

    public string? Loader { get; set; }
}

public sealed class NetworkInfo
{
    public string Hostname { get; set; } = "";

    public List<NetworkInterface> Interfaces { get; set; } = [];

    public List<NetworkRoute> Routes { get; set; } = [];

    public List<string> Nameservers { get; set; } = [];

    public List<string> SearchDomains { get; set; } = [];
}

public sealed class NetworkInterface
{
    public string Name { get; set; } = "";

    public string? Mac { get; set; }

    public string? Driver { get; set; }

    public int? Mtu { get; set; }

    public string? State { get; set; }

    /// <summary>Addresses in CIDR form.</summary>
    public List<string> Addresses { get; set; } = [];

    public bool Dhcp { get; set; }
}

public sealed class NetworkRoute
{
    public string Destination { get; set; } = "";

    public string? Gateway { get; set; }

    public string? Device { get; set; }

    public int? Metric { get; set; }
}

public sealed class UnsupportedDevice
{
    public string Device { get; set; } = "";

    public string Kind { get; set; } = "";

    public string Reason { get; set; } = "";
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UseStringEnumConverter = true)]
[JsonSerializable(typeof(LayoutDocument))]
public sealed partial class LayoutJsonContext : JsonSerializerContext
{
}
