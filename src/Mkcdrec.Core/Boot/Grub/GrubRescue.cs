using Mkcdrec.Core.Platform;
using Mkcdrec.Core.Storage;

namespace Mkcdrec.Core.Boot.Grub;

public sealed partial class GrubTechnology
{
    public static readonly RescueComponent GrubComponent = new("grub", "GRUB (BIOS and UEFI) to make the recovered disk boot")
    {
        Programs =
        [
            new RescueProgram("grub-install", "grub2-common"), new RescueProgram("grub-probe", "grub-common"), new RescueProgram("grub-mkimage", "grub-common"),
            new RescueProgram("grub-editenv", "grub-common"), new RescueProgram("grub-mkrelpath", "grub-common") { AlwaysOptional = true },
            new RescueProgram("grub-mkconfig", "grub2-common") { AlwaysOptional = true },
            new RescueProgram("grub-bios-setup", "grub-pc-bin") { Paths = ["/usr/sbin/grub-bios-setup", "/usr/lib/grub/i386-pc/grub-bios-setup"], AlwaysOptional = true },
        ],
        // The modules of the machine the rescue system runs on (an x86_64 host may hold arm64-efi too, for making media).
        DataPaths = ["/usr/lib/grub/i386-pc", "/usr/lib/grub/" + (MachineArchitecture.Host ?? MachineArchitecture.X86_64).GrubEfiTarget, "/usr/share/grub", "/usr/lib/grub/grub-mkconfig_lib", "/etc/grub.d", "/etc/default/grub"],
        RequiredWhen = n => n.Layout?.Boot.Bootloader == "grub2",
    };

    /// <summary>GRUB's programs and modules in the rescue system.</summary>
    public IReadOnlyList<RescueComponent> RescueComponents { get; } = [GrubComponent];
}
