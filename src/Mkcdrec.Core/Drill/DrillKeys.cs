using System.Text;
using System.Text.RegularExpressions;
using Mkcdrec.Core.Platform;
using Mkcdrec.Core.Secrets;
using Mkcdrec.Model.Layout;

namespace Mkcdrec.Core.Drill;

/// <summary>
/// `drill --keys DIR`: the drilled system's secrets, laid out like the keys medium (docs/secrets.md). The rescue machine
/// gets them as a small ISO (volume id MKCDREC-KEYS) in an extra read-only CD drive, made in the work directory and
/// deleted right after the recovery, failed or not; the recovered system never sees it. At its first boot the drill
/// types the LUKS passphrase the initramfs asks for on the serial console, read from DIR on the host, never logged.
/// </summary>
public sealed partial class DrillKeys(string? directory)
{
    public const string Label = "MKCDREC-KEYS";
    public const string IsoName = "keys.iso";

    /// <summary>Debian's cryptsetup-initramfs askpass: "Please unlock disk NAME: ".</summary>
    [GeneratedRegex(@"Please unlock disk (?<name>[^\s:]+):")]
    private static partial Regex UnlockPrompt();

    public string? Directory => directory;

    /// <summary>Makes the keys ISO in <paramref name="workDir"/> with xorriso; null without --keys.</summary>
    public string? BuildMedium(IProcessRunner run, string workDir)
    {
        if (directory is null)
        {
            return null;
        }

        var iso = Path.Combine(workDir, IsoName);
        var r = run.Run(new ProcessRequest("xorriso", ["-as", "mkisofs", "-quiet", "-R", "-V", Label, "-o", iso, directory]));
        if (r.ExitCode != 0)
        {
            Delete(iso);
            throw new MkcdrecException(ExitCode.CommandFailed, $"xorriso could not make the keys medium from {directory}: {r.StandardError.Trim()}",
                "Check that the directory is readable (docs/secrets.md shows its layout).");
        }

        return iso;
    }

    public static void Delete(string? iso)
    {
        if (iso is not null && File.Exists(iso))
        {
            File.Delete(iso);
        }
    }

    /// <summary>The rescue kernel's command line with the keys medium's label, which /init then waits for.</summary>
    public static string CommandLine(string commandLine, string? iso) => iso is null ? commandLine : $"{commandLine} mkcdrec.keys={Label}";

    /// <summary>The answer to the recovered system's LUKS passphrase prompt: once per container (asked again: the passphrase was wrong).</summary>
    public ConsolePrompt LuksPrompt(LayoutDocument? layout, Action<string> progress)
    {
        var asked = new HashSet<string>(StringComparer.Ordinal);
        return new ConsolePrompt(UnlockPrompt(), m =>
        {
            var name = m.Groups["name"].Value;
            if (!asked.Add(name))
            {
                return PromptAnswer.Refuse($"The recovered system asked again for the passphrase of {name}: the one from {directory} did not unlock it.");
            }

            var answer = Answer(name, UuidOf(name, layout));
            if (answer.Text is not null)
            {
                progress($"answered the passphrase prompt for {name}");
            }

            return answer;
        });
    }

    private PromptAnswer Answer(string name, string? uuid)
    {
        var what = uuid is null ? name : $"{name} (LUKS {uuid})";
        if (directory is null)
        {
            return PromptAnswer.Refuse($"The recovered system asks for the passphrase of {what} at boot; give the drill its secrets with --keys DIR "
                + $"({SecretsDirectory.LuksFolder}/UUID{SecretsDirectory.PassphraseExtension}, docs/secrets.md).");
        }

        LuksSecret? secret;
        try
        {
            secret = new SecretsDirectory(directory).LuksKey(uuid ?? SecretsDirectory.AnyContainer);
        }
        catch (MkcdrecException e)
        {
            return PromptAnswer.Refuse(e.Message);
        }

        var file = $"{SecretsDirectory.LuksFolder}/{uuid ?? SecretsDirectory.AnyContainer}{SecretsDirectory.PassphraseExtension}";
        return secret switch
        {
            null => PromptAnswer.Refuse($"The recovered system asks for the passphrase of {what}, and {directory} has none: put it in {file} "
                + $"or {SecretsDirectory.LuksFolder}/{SecretsDirectory.AnyContainer}{SecretsDirectory.PassphraseExtension}."),
            { Kind: LuksSecretKind.KeyFile } => PromptAnswer.Refuse($"The recovered system asks for the passphrase of {what}, and {directory} has only a key file "
                + $"for it ({Path.GetFileName(secret.Path)}): the drill cannot type a key file at a passphrase prompt. Put the passphrase in {file}."),
            _ => PromptAnswer.Type(Encoding.UTF8.GetString(PassphraseText.Read(secret.Path)) + "\n"),
        };
    }

    /// <summary>The UUID of the container the initramfs calls <paramref name="name"/> (its crypttab or mapped name); null when the layout does not say.</summary>
    private static string? UuidOf(string name, LayoutDocument? layout)
    {
        var luks = layout?.Luks.FirstOrDefault(l => l.Crypttab?.Name == name || l.MappedName == name);
        if (luks is not null)
        {
            return luks.Uuid;
        }

        var device = layout?.Config.CrypttabEntries.FirstOrDefault(c => c.Name == name)?.Device;
        return device is not null && device.StartsWith("UUID=", StringComparison.Ordinal) ? device["UUID=".Length..] : null;
    }
}
