namespace Mkcdrec.Core.Platform;

/// <summary>
/// What differs between the machines mkcdrec makes boot: GRUB's UEFI target and package, the UEFI file names (the
/// removable path, GRUB and shim beside it), whether BIOS exists. x86_64 and aarch64 (docs/arm64.md).
/// </summary>
/// <param name="Uname">As <c>uname -m</c> and the layout name it: "x86_64", "aarch64".</param>
/// <param name="Debian">Debian's architecture name: "amd64", "arm64".</param>
/// <param name="EfiSuffix">The UEFI spec's machine suffix of file names: "x64" (BOOTX64.EFI), "aa64" (BOOTAA64.EFI).</param>
/// <param name="GrubEfiTarget">grub-install's --target for UEFI.</param>
/// <param name="HasBios">Whether the machine can boot by BIOS (GRUB's i386-pc); aarch64 boots only by UEFI.</param>
public sealed record MachineArchitecture(string Uname, string Debian, string EfiSuffix, string GrubEfiTarget, bool HasBios)
{
    public static readonly MachineArchitecture X86_64 = new("x86_64", "amd64", "x64", "x86_64-efi", HasBios: true);

    public static readonly MachineArchitecture Aarch64 = new("aarch64", "arm64", "aa64", "arm64-efi", HasBios: false);

    /// <summary>The machine this process runs on; null where mkcdrec makes nothing boot (e.g. ppc64le).</summary>
    public static MachineArchitecture? Host => For(HostArchitecture.UnameMachine);

    /// <summary>The UEFI removable-media loader's file name: BOOTX64.EFI, BOOTAA64.EFI.</summary>
    public string RemovableLoader => $"BOOT{EfiSuffix.ToUpperInvariant()}.EFI";

    /// <summary>GRUB's image as grub-install names it in \EFI\ID\: grubx64.efi, grubaa64.efi.</summary>
    public string GrubLoader => $"grub{EfiSuffix}.efi";

    /// <summary>shim as the distribution installs it in \EFI\ID\: shimx64.efi, shimaa64.efi.</summary>
    public string ShimLoader => $"shim{EfiSuffix}.efi";

    /// <summary>
    /// The rescue kernel's console= arguments: x86_64 names the screen and the first serial port; aarch64 names none,
    /// so the kernel takes the console the firmware describes (the device tree's stdout-path or ACPI's SPCR table: the
    /// serial port of servers and of QEMU's virt machine, ttyAMA0 or ttyS0 as the hardware has it).
    /// </summary>
    public string KernelConsoles => HasBios ? "console=tty0 console=ttyS0,115200" : "";

    /// <summary>
    /// Whether GRUB drives the serial port itself (x86's 8250 at COM1). On aarch64 GRUB has no such port ("serial port
    /// 'com0' isn't found"); the UEFI console it writes to already reaches the serial port.
    /// </summary>
    public bool GrubSerial => HasBios;

    /// <summary>Debian's package of GRUB's UEFI modules: grub-efi-amd64-bin, grub-efi-arm64-bin.</summary>
    public string GrubEfiPackage => $"grub-efi-{Debian}-bin";

    /// <summary>
    /// By a layout's or uname's name (Debian's names too). A layout from before the field was captured says "": every
    /// such layout came from x86_64, the only machine mkcdrec ran on then.
    /// </summary>
    public static MachineArchitecture? For(string? name) => name switch
    {
        "x86_64" or "amd64" or "" or null => X86_64,
        "aarch64" or "arm64" => Aarch64,
        _ => null,
    };
}
