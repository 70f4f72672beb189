namespace Mkcdrec.Formats.Partitioning;

/// <summary>Well-known GPT partition type GUIDs (the ones sgdisk calls ef00, ef02, 8300, 8200, 8e00, fd00, ...).</summary>
public static class GptPartitionTypes
{
    /// <summary>EFI System Partition (sgdisk ef00).</summary>
    public static readonly Guid EfiSystem = new("C12A7328-F81F-11D2-BA4B-00A0C93EC93B");

    /// <summary>BIOS boot partition for GRUB's core.img (sgdisk ef02).</summary>
    public static readonly Guid BiosBoot = new("21686148-6449-6E6F-744E-656564454649");

    /// <summary>Linux filesystem data (sgdisk 8300).</summary>
    public static readonly Guid LinuxFilesystem = new("0FC63DAF-8483-4772-8E79-3D69D8477DE4");

    /// <summary>Linux swap (sgdisk 8200).</summary>
    public static readonly Guid LinuxSwap = new("0657FD6D-A4AB-43C4-84E5-0933C84B4F4F");

    /// <summary>Linux LVM physical volume (sgdisk 8e00).</summary>
    public static readonly Guid LinuxLvm = new("E6D6D379-F507-44C2-A23C-238F2A3DF928");

    /// <summary>Linux software RAID member (sgdisk fd00).</summary>
    public static readonly Guid LinuxRaid = new("A19D880F-05FC-4D3B-A006-743F0F84911E");

    /// <summary>Linux LUKS (sgdisk 8309).</summary>
    public static readonly Guid LinuxLuks = new("CA7D7CCB-63ED-4C53-861C-1742536059CC");

    /// <summary>Linux root, x86-64 (discoverable partitions spec; sgdisk 8304).</summary>
    public static readonly Guid LinuxRootX8664 = new("4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709");

    /// <summary>Linux /home (sgdisk 8302).</summary>
    public static readonly Guid LinuxHome = new("933AC7E1-2EB4-4F13-B844-0E14E2AEF915");

    /// <summary>Linux extended boot / XBOOTLDR (sgdisk ea00).</summary>
    public static readonly Guid LinuxExtendedBoot = new("BC13C2FF-59E6-4262-A352-B275FD6F7172");

    /// <summary>Microsoft basic data (sgdisk 0700).</summary>
    public static readonly Guid MicrosoftBasicData = new("EBD0A0A2-B9E5-4433-87C0-68B6B72699C7");

    /// <summary>Microsoft reserved (sgdisk 0c01).</summary>
    public static readonly Guid MicrosoftReserved = new("E3C9E316-0B5C-4DB8-817D-F92DF00215AE");
}
