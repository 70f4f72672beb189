using System.CommandLine;
using Mkcdrec.Core;
using Mkcdrec.Core.Rescue;

namespace Mkcdrec.Cli.Commands;

/// <summary>
/// What the admin adds to the rescue system beyond what the layout needs, shared by mkrescue and mkbackup
/// (docs/rescue-system.md, "Extras"): sshd with their own keys, firmware, more programs and kernel modules.
/// </summary>
internal sealed class RescueExtrasOptions
{
    public Option<bool> Sshd { get; } = new("--sshd")
    {
        Description = "Start OpenSSH's server in the rescue system: root logs in with a public key only (no passwords); host keys are made at "
                      + "each boot, never the server's own.",
    };

    public Option<string?> AuthorizedKeys { get; } = new("--authorized-keys")
    {
        Description = "With --sshd: the public keys allowed to log in to the rescue system (default /root/.ssh/authorized_keys).",
        HelpName = "FILE",
    };

    public Option<bool> Firmware { get; } = new("--firmware")
    {
        Description = "Carry the firmware files (/lib/firmware) that the rescue system's kernel modules ask for: NICs and storage controllers "
                      + "that need it work in the rescue system.",
    };

    public Option<string[]> Programs { get; } = new("--add-program")
    {
        Description = "Carry PROG too (a name in PATH or an absolute path; repeatable), with the libraries it needs. A program that is not found stops the run.",
        HelpName = "PROG",
    };

    public Option<string[]> Modules { get; } = new("--add-module")
    {
        Description = "Carry kernel module MOD too (a name or alias; repeatable), with its dependencies. A module the kernel does not have stops the run.",
        HelpName = "MOD",
    };

    public IEnumerable<Option> All => [Sshd, AuthorizedKeys, Firmware, Programs, Modules];

    /// <summary>The extras given, checked; <paramref name="prebuilt"/>: --initrd names an initramfs these cannot change.</summary>
    public RescueExtras Extras(ParseResult p, bool prebuilt, Action<string> warn)
    {
        var keys = p.GetValue(AuthorizedKeys);
        var extras = new RescueExtras(p.GetValue(Sshd), keys is null ? null : Path.GetFullPath(keys), p.GetValue(Firmware),
            p.GetValue(Programs) ?? [], p.GetValue(Modules) ?? []);
        if (keys is not null && !extras.Sshd)
        {
            // A warning, not an error: an admin who turns rescue-sshd off for a while keeps the keys line in the file.
            warn("--authorized-keys (rescue-authorized-keys) has no effect without --sshd (rescue-sshd = yes): the rescue system runs no sshd.");
        }

        if (prebuilt && extras.Any)
        {
            throw new MkcdrecException(ExitCode.Usage, "--initrd uses an initramfs as it is: --sshd, --firmware, --add-program and --add-module cannot change it.",
                "Drop --initrd to build the rescue system with the extras, or drop the extras.");
        }

        return extras;
    }
}

/// <summary>The admin's additions to the rescue system (<see cref="RescueExtrasOptions"/>).</summary>
internal sealed record RescueExtras(bool Sshd, string? AuthorizedKeysFile, bool Firmware, IReadOnlyList<string> Programs, IReadOnlyList<string> Modules)
{
    public static readonly RescueExtras None = new(false, null, false, [], []);

    public bool Any => Sshd || Firmware || Programs.Count > 0 || Modules.Count > 0;

    public RescueSystemOptions ApplyTo(RescueSystemOptions options) => options with
    {
        Sshd = Sshd,
        AuthorizedKeysFile = AuthorizedKeysFile,
        Firmware = Firmware,
        ExtraPrograms = Programs,
        ExtraModules = Modules,
    };
}
