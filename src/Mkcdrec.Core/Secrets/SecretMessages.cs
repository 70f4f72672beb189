using System.Globalization;

namespace Mkcdrec.Core.Secrets;

/// <summary>What a recovery says about a secret it lacks: where to put it, the prompt that asks for it, the error that stops it.</summary>
public static class SecretMessages
{
    public const string BackupWhat = "the encrypted backup";

    public static string MissingLuks(LuksKeyNeed need) =>
        $"{need.Describe()}: no key. Put it on the keys medium as {SecretsDirectory.LuksFolder}/{need.Uuid}{SecretsDirectory.PassphraseExtension} or {SecretsDirectory.KeyExtension}, or run recover from the menu to type it.";

    public static string MissingBackup() =>
        $"The encrypted backup: no passphrase. Put it on the keys medium as {SecretsDirectory.BackupPassphraseFile}, give --passphrase-file FILE, or run recover from the menu to type it.";

    /// <summary>The one error naming every missing secret, raised before the first destructive step.</summary>
    public static MkcdrecException Missing(IReadOnlyList<string> lines, string? directory, bool timedOut)
    {
        var where = directory is null ? " (no keys medium and no --secrets directory)" : $" in {directory} (nor in --passphrase-file/--key-file)";
        var why = timedOut ? " and nobody typed it in time" : "";
        return new MkcdrecException(ExitCode.Refused,
            $"The recovery needs {lines.Count} secret(s) it could not find{where}{why}; no disk was touched:\n  " + string.Join("\n  ", lines),
            "The keys medium is any filesystem labelled MKCDREC-KEYS (or the label of mkcdrec.keys=LABEL), read-only, see docs/secrets.md; "
            + "an unattended recovery can also ask on its console: recover --secret-timeout SECONDS (kernel option mkcdrec.secret-timeout=SECONDS).");
    }

    /// <summary>The prompt for a secret: short when a person started the recovery, explained (and with its deadline) when it runs unattended.</summary>
    public static string Prompt(string what, string fileOnMedium, TimeSpan? timeout)
    {
        var ask = $"Passphrase for {what}: ";
        if (timeout is not { } t)
        {
            return ask;
        }

        var seconds = Math.Ceiling(t.TotalSeconds).ToString(CultureInfo.InvariantCulture);
        return $"\nmkcdrec: the unattended recovery needs the passphrase for {what}, and no file gives it "
            + $"(the keys medium would hold it as {fileOnMedium}).\n"
            + $"mkcdrec: type it within {seconds} s (it is not shown), or the recovery stops with nothing touched.\n" + ask;
    }
}
