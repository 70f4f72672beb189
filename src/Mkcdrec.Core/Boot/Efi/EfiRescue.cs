using Mkcdrec.Core.Storage;
using Mkcdrec.Model.Layout;

namespace Mkcdrec.Core.Boot.Efi;

public sealed partial class EfiTechnology
{
    public static readonly RescueComponent EfiComponent = new("efi", "UEFI boot entries")
    {
        // grub-install registers its own entry (libefivar) when efivarfs is mounted; efibootmgr only makes one when it did
        // not. A system without efibootmgr (a minimal Debian: it is only recommended) still gets a rescue medium.
        Programs = [new RescueProgram("efibootmgr", "efibootmgr") { AlwaysOptional = true }],
        Modules = ["efivarfs"],
        RequiredWhen = n => n.Layout?.Boot.Firmware == FirmwareKinds.Uefi,
    };

    /// <summary>efibootmgr and efivarfs in the rescue system.</summary>
    public IReadOnlyList<RescueComponent> RescueComponents { get; } = [EfiComponent];
}
