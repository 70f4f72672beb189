namespace Mkcdrec.Core.Secrets;

/// <summary>Where a recovery's secrets may come from, in the order they are tried: the explicit files, the secrets directory, a prompt.</summary>
public sealed record SecretSources
{
    /// <summary>--passphrase-file: the backup's passphrase on its first line; "-" asks for it.</summary>
    public string? PassphraseFile { get; init; }

    /// <summary>--key-file: one key file for every LUKS container, used as it is.</summary>
    public string? KeyFile { get; init; }

    /// <summary>--secrets: a directory laid out like the keys medium (<see cref="SecretsDirectory"/>).</summary>
    public string? Directory { get; init; }

    /// <summary>Where passphrases become private files for cryptsetup; null: /run (a tmpfs) when writable, else the temporary directory.</summary>
    public string? TemporaryDirectory { get; init; }
}

/// <summary>
/// How to ask a person for a secret no file gives: <see cref="Ask"/> shows the prompt, reads without echo and returns
/// null when <see cref="Timeout"/> ran out (null timeout: waits as long as it takes).
/// </summary>
public sealed record SecretPrompter(Func<string, TimeSpan?, string?> Ask, TimeSpan? Timeout);
