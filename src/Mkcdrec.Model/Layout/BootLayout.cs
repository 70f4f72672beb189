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

    /// <summary>UEFI: the firmware enforced Secure Boot when the layout was captured; null: BIOS, or no SecureBoot variable.</summary>
    public bool? SecureBoot { get; set; }

    /// <summary>Local module-signing keys (DKMS) found on the system, and whether the firmware had each enrolled as a MOK.</summary>
    public List<MokKeyFile> MokKeys { get; set; } = [];
}

/// <summary>A machine owner key file of the system (DER certificate) and whether shim's MokList held it at capture.</summary>
public sealed class MokKeyFile
{
    public string Path { get; set; } = "";

    public string Subject { get; set; } = "";

    public bool Enrolled { get; set; }
}

public sealed class EfiBootEntry
{
    public string Number { get; set; } = "";

    public string Label { get; set; } = "";

    public bool Active { get; set; }

    public string? PartUuid { get; set; }

    public string? Loader { get; set; }
}
