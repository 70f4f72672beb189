using Mkcdrec.Core.Platform;
using Mkcdrec.Formats.Pe;

namespace Mkcdrec.Core.Boot.SecureBoot;

/// <summary>The boot chain a rescue medium gets, and the line the report shows about Secure Boot.</summary>
public sealed record SecureBootChoice(SignedBootChain? Chain, string Summary);

/// <summary>
/// Chooses the UEFI boot chain of a rescue medium (<c>--secure-boot auto|on|off</c>): the distribution's signed chain
/// when the host has it, and says plainly when the medium will not boot with Secure Boot on and what to install.
/// The kernel must carry the distribution's signature too: shim checks it before GRUB starts it.
/// </summary>
public static class SecureBootMedia
{
    /// <param name="machine">The machine the medium is made for (the host's): only x86_64 media get a signed chain so far.</param>
    public static SecureBootChoice Choose(SecureBootMode mode, MachineArchitecture machine, string kernelPath, bool? sourceHadSecureBoot, ILog log, string root = "/")
    {
        if (mode == SecureBootMode.Off)
        {
            return new SecureBootChoice(null, "Secure Boot: off (--secure-boot off): UEFI boots mkcdrec's own GRUB image, with Secure Boot disabled only");
        }

        if (!HasSignedChain(machine))
        {
            CheckAvailable(mode, machine, root, out _);
            var none = $"Secure Boot: not made for {machine.Uname} media yet: the medium boots UEFI with Secure Boot off";
            if (sourceHadSecureBoot == true)
            {
                log.Warn($"this system booted with Secure Boot on, and media for {machine.Uname} get no signed boot chain yet: the medium boots UEFI with Secure Boot off");
            }

            return new SecureBootChoice(null, none);
        }

        var chain = CheckAvailable(mode, machine, root, out var missing);
        if (chain is null)
        {
            var install = "apt-get install " + string.Join(' ', missing);
            var text = $"the rescue medium boots UEFI only with Secure Boot off: the signed boot chain ({string.Join(", ", missing)}) is not installed; for one that boots with Secure Boot on: {install}";
            log.Warn(sourceHadSecureBoot == true ? "this system booted with Secure Boot on, and " + text : text);
            return new SecureBootChoice(null, $"Secure Boot: not supported by this medium (install {string.Join(" ", missing)} for it)");
        }

        var kernel = Signers(kernelPath);
        if (kernel is null)
        {
            var why = $"the rescue kernel {kernelPath} carries no signature, so shim refuses to start it with Secure Boot on";
            if (mode == SecureBootMode.On)
            {
                throw new MkcdrecException(ExitCode.BadInput, $"--secure-boot on: {why}.",
                    "Use a kernel signed by the distribution (Debian: apt-get install linux-image-amd64) with --kernel, or --secure-boot auto.");
            }

            log.Warn(why + "; the medium boots UEFI with Secure Boot off only");
            return new SecureBootChoice(chain, $"Secure Boot: signed shim and GRUB, but the kernel is unsigned: boots with Secure Boot off only");
        }

        log.Info($"Secure Boot chain: {chain.Shim} ({Signers(chain.Shim) ?? "no signature"}), {chain.Grub} ({Signers(chain.Grub) ?? "no signature"}), kernel {kernelPath} ({kernel})" +
                 (chain.MokManager is null ? "; no MOK manager (shim-helpers-amd64-signed)" : ", " + chain.MokManager));
        return new SecureBootChoice(chain, $"Secure Boot: signed chain (shim, GRUB, kernel signed by {kernel})");
    }

    /// <summary>The signed chain, or null with the packages it lacks; with <see cref="SecureBootMode.On"/> their lack is an error (checked before a long backup).</summary>
    public static SignedBootChain? CheckAvailable(SecureBootMode mode, MachineArchitecture machine, string root, out IReadOnlyList<string> missing)
    {
        if (!HasSignedChain(machine))
        {
            missing = [];
            return mode == SecureBootMode.On
                ? throw new MkcdrecException(ExitCode.Usage, $"--secure-boot on: Secure Boot media are made for x86_64 only so far; this machine is {machine.Uname}.",
                    "Use --secure-boot auto or off: the medium boots by UEFI with Secure Boot disabled.")
                : null;
        }

        var chain = SignedBootChain.Find(root, out missing);
        if (chain is null && mode == SecureBootMode.On)
        {
            throw new MkcdrecException(ExitCode.Environment,
                $"--secure-boot on needs the distribution's signed boot chain, and {string.Join(" and ", missing)} {(missing.Count == 1 ? "is" : "are")} not installed.",
                $"Install {(missing.Count == 1 ? "it" : "them")} (Debian/Ubuntu: apt-get install {string.Join(' ', missing)}) and run the command again, or use --secure-boot auto for a medium that boots UEFI with Secure Boot off.");
        }

        return chain;
    }

    /// <summary>The signed chain's files (shim, GRUB, the MOK manager) are looked for as Debian installs them for x86_64.</summary>
    private static bool HasSignedChain(MachineArchitecture machine) => machine == MachineArchitecture.X86_64;

    /// <summary>The common names of the certificates that signed a PE image, or null when it carries no signature.</summary>
    public static string? Signers(string path)
    {
        try
        {
            var info = PeSignature.Read(path);
            return info.Signed ? string.Join("; ", info.SubjectNames.Distinct(StringComparer.Ordinal).Take(1).Concat(info.Signatures > 1 ? [$"{info.Signatures} signatures"] : [])) : null;
        }
        catch (InvalidDataException)
        {
            return null;
        }
    }
}
