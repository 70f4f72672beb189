using System.Text;

namespace Mkcdrec.Core.Secrets;

/// <summary>
/// Finds every secret a recovery needs before it touches a disk: the backup's passphrase (when an archive is encrypted)
/// and the key of every LUKS container the plan makes, each from the explicit file, else the secrets directory, else
/// a prompt. Whatever is still missing stops the run with one error naming each secret and where to put it.
/// </summary>
public sealed class RecoverySecrets(SecretSources sources, SecretPrompter? prompter)
{
    /// <summary>One secret no file gave: how the error names it, how the prompt names it, and where the answer goes.</summary>
    private sealed record Missing(string Line, string What, string FileOnMedium, Action<string> Use);

    public ResolvedSecrets Resolve(bool backupEncrypted, IReadOnlyList<LuksKeyNeed> luks)
    {
        var dir = sources.Directory is { } d ? new SecretsDirectory(d) : null;
        var resolved = new ResolvedSecrets(sources.TemporaryDirectory);
        try
        {
            var missing = new List<Missing>();
            if (backupEncrypted && !BackupFromFiles(dir, resolved))
            {
                missing.Add(new Missing(SecretMessages.MissingBackup(), SecretMessages.BackupWhat, SecretsDirectory.BackupPassphraseFile,
                    typed => resolved.BackupPassphrase = Encoding.UTF8.GetBytes(typed)));
            }

            foreach (var need in luks)
            {
                if (!LuksFromFiles(need, dir, resolved))
                {
                    missing.Add(new Missing(SecretMessages.MissingLuks(need), need.Describe(),
                        $"{SecretsDirectory.LuksFolder}/{need.Uuid}{SecretsDirectory.PassphraseExtension}", typed => resolved.UsePassphrase(need.Token, typed)));
                }
            }

            AskFor(missing, dir);
            return resolved;
        }
        catch
        {
            resolved.Dispose();
            throw;
        }
    }

    /// <summary>Asks for each missing secret in turn; none to ask, or a timeout, stops with the error naming all still missing.</summary>
    private void AskFor(List<Missing> missing, SecretsDirectory? dir)
    {
        for (var i = 0; i < missing.Count; i++)
        {
            var typed = prompter?.Ask(SecretMessages.Prompt(missing[i].What, missing[i].FileOnMedium, prompter.Timeout), prompter.Timeout);
            if (typed is null)
            {
                throw SecretMessages.Missing([.. missing.Skip(i).Select(m => m.Line)], dir?.Path, timedOut: prompter is not null);
            }

            if (typed.Length == 0)
            {
                throw new MkcdrecException(ExitCode.Refused, $"Empty passphrase for {missing[i].What}; no disk was touched.",
                    "Run it again and type the passphrase, or put it on the keys medium (docs/secrets.md).");
            }

            missing[i].Use(typed);
        }
    }

    /// <summary>--passphrase-file, else backup.passphrase; "-" goes straight to the prompt.</summary>
    private bool BackupFromFiles(SecretsDirectory? dir, ResolvedSecrets resolved)
    {
        if (sources.PassphraseFile is { } file)
        {
            if (file == "-")
            {
                return false;
            }

            resolved.BackupPassphrase = PassphraseText.Read(file);
            return true;
        }

        resolved.BackupPassphrase = dir?.BackupPassphrase();
        return resolved.BackupPassphrase is not null;
    }

    /// <summary>--key-file for every container, else the container's file in the secrets directory (a .key as it is, a .passphrase's first line).</summary>
    private bool LuksFromFiles(LuksKeyNeed need, SecretsDirectory? dir, ResolvedSecrets resolved)
    {
        if (sources.KeyFile is { } kf)
        {
            if (!File.Exists(kf))
            {
                throw new MkcdrecException(ExitCode.BadInput, $"The key file '{kf}' does not exist; no disk was touched.",
                    "Give an existing file with --key-file, or leave it out to use the keys medium or be asked for the passphrase.");
            }

            resolved.UseKeyFile(need.Token, kf);
            return true;
        }

        switch (dir?.LuksKey(need.Uuid))
        {
            case { Kind: LuksSecretKind.KeyFile } key:
                if (new FileInfo(key.Path).Length == 0)
                {
                    throw new MkcdrecException(ExitCode.BadInput, $"The key file {key.Path} for {need.Describe()} is empty; no disk was touched.", "Put the key in it.");
                }

                resolved.UseKeyFile(need.Token, key.Path);
                return true;
            case { Kind: LuksSecretKind.Passphrase } pass:
                var bytes = PassphraseText.Read(pass.Path);
                resolved.UsePassphrase(need.Token, bytes);
                Array.Clear(bytes);
                return true;
            default:
                return false;
        }
    }
}
