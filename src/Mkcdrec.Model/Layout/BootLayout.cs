namespace Mkcdrec.Model.Layout;

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
