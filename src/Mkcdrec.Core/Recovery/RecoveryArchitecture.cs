using Mkcdrec.Core.Platform;
using Mkcdrec.Model.Layout;

namespace Mkcdrec.Core.Recovery;

/// <summary>
/// A system recovered by a rescue system of another architecture would not boot: finalize runs the recovered
/// system's own programs in a chroot (grub-install, the initramfs), which cannot run here. Refused before any disk.
/// </summary>
public static class RecoveryArchitecture
{
    public static void Check(LayoutDocument layout, string hostMachine)
    {
        var wanted = Normal(layout.Host.Architecture);
        var here = Normal(hostMachine);
        if (wanted != here)
        {
            throw new MkcdrecException(ExitCode.Refused,
                $"The layout is of an {wanted} machine ({layout.Host.Hostname}); this rescue system runs on {here}, and could not run the recovered system's own programs to make it boot.",
                $"Boot a rescue medium made on an {wanted} machine (mkcdrec mkrescue there, or the medium made with this backup); no disk was touched.");
        }
    }

    // Debian's names and "" (layouts from before the field, all x86_64) as uname says them.
    private static string Normal(string? name) => MachineArchitecture.For(name)?.Uname ?? name!;
}
