using System.CommandLine;
using Mkcdrec.Core.Boot.SecureBoot;

namespace Mkcdrec.Cli.Commands;

/// <summary>--secure-boot of mkrescue and mkbackup: which UEFI boot chain the ISO gets (docs/secure-boot.md).</summary>
internal static class SecureBootOption
{
    public static Option<string> Create()
    {
        var o = new Option<string>("--secure-boot")
        {
            Description = "UEFI boot chain of the ISO: auto (default) the distribution's signed shim and GRUB when installed, so it boots with Secure Boot on; "
                          + "on: those or an error; off: mkcdrec's own GRUB (Secure Boot off only). docs/secure-boot.md",
            HelpName = "auto|on|off",
            DefaultValueFactory = _ => "auto",
        };
        o.AcceptOnlyFromAmong("auto", "on", "off");
        return o;
    }

    public static SecureBootMode Mode(string? value) => value switch
    {
        "on" => SecureBootMode.On,
        "off" => SecureBootMode.Off,
        _ => SecureBootMode.Auto,
    };
}
