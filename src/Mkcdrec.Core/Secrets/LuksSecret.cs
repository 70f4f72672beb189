namespace Mkcdrec.Core.Secrets;

public enum LuksSecretKind
{
    /// <summary>A key file: handed to cryptsetup as it is, every byte (a trailing newline included).</summary>
    KeyFile,

    /// <summary>A passphrase file: its first line, without the newline, is what one would type.</summary>
    Passphrase,
}

/// <summary>The secret of a LUKS container as a secrets directory holds it: which file, and how it is read.</summary>
public sealed record LuksSecret(LuksSecretKind Kind, string Path);
