namespace Mkcdrec.Core.Storage.Partitions;

/// <summary>Readable names for the partition types a Linux server uses.</summary>
public static class PartitionTypes
{
    public static readonly Guid EfiSystem = new("c12a7328-f81f-11d2-ba4b-00a0c93ec93b");
    public static readonly Guid BiosBoot = new("21686148-6449-6e6f-744e-656564454649");
    public static readonly Guid LinuxFilesystem = new("0fc63daf-8483-4772-8e79-3d69d8477de4");
    public static readonly Guid LinuxSwap = new("0657fd6d-a4ab-43c4-84e5-0933c84b4f4f");
    public static readonly Guid LinuxLvm = new("e6d6d379-f507-44c2-a23c-238f2a3df928");
    public static readonly Guid LinuxRaid = new("a19d880f-05fc-4d3b-a006-743f0f84911e");
    public static readonly Guid LinuxLuks = new("ca7d7ccb-63ed-4c53-861c-1742536059cc");
    public static readonly Guid LinuxRootX86_64 = new("4f68bce3-e8cd-4db1-96e7-fbcaf984b709");
    public static readonly Guid LinuxHome = new("933ac7e1-2eb4-4f13-b844-0e14e2aef915");
    public static readonly Guid LinuxServerData = new("3b8f8425-20e0-4f3b-907f-1a25a76f98e8");
    public static readonly Guid LinuxExtendedBoot = new("bc13c2ff-59e6-4262-a352-b275fd6f7172");
    public static readonly Guid MicrosoftBasicData = new("ebd0a0a2-b9e5-4433-87c0-68b6b72699c7");

    private static readonly Dictionary<Guid, string> GptNames = new()
    {
        [EfiSystem] = "EFI System",
        [BiosBoot] = "BIOS boot",
        [LinuxFilesystem] = "Linux filesystem",
        [LinuxSwap] = "Linux swap",
        [LinuxLvm] = "Linux LVM",
        [LinuxRaid] = "Linux RAID",
        [LinuxLuks] = "Linux LUKS",
        [LinuxRootX86_64] = "Linux root (x86-64)",
        [LinuxHome] = "Linux home",
        [LinuxServerData] = "Linux server data",
        [LinuxExtendedBoot] = "Linux extended boot",
        [MicrosoftBasicData] = "Microsoft basic data",
    };

    private static readonly Dictionary<byte, string> MbrNames = new()
    {
        [0x05] = "Extended",
        [0x0f] = "W95 Ext'd (LBA)",
        [0x85] = "Linux extended",
        [0x06] = "FAT16",
        [0x0b] = "W95 FAT32",
        [0x0c] = "W95 FAT32 (LBA)",
        [0x07] = "HPFS/NTFS/exFAT",
        [0x82] = "Linux swap",
        [0x83] = "Linux",
        [0x8e] = "Linux LVM",
        [0xfd] = "Linux raid autodetect",
        [0xef] = "EFI (FAT-12/16/32)",
        [0xee] = "GPT protective",
        [0xda] = "Non-FS data",
    };

    public static string? Name(Guid type) => GptNames.GetValueOrDefault(type);

    public static string? Name(byte mbrType) => MbrNames.GetValueOrDefault(mbrType);
}
