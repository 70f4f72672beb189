namespace Mkcdrec.Core.Secrets;

/// <summary>
/// A directory laid out like the keys medium (docs/secrets.md): <c>backup.passphrase</c>, <c>luks/UUID.key</c> or
/// <c>luks/UUID.passphrase</c>, and <c>luks/any.key</c> or <c>luks/any.passphrase</c> for every container without its own.
/// It only says which file holds a secret; nothing is copied out of it. UUIDs in file names match case-insensitively.
/// </summary>
public sealed class SecretsDirectory
{
    public const string BackupPassphraseFile = "backup.passphrase";
    public const string LuksFolder = "luks";
    public const string AnyContainer = "any";
    public const string KeyExtension = ".key";
    public const string PassphraseExtension = ".passphrase";

    public SecretsDirectory(string path) => Path = Existing(path);

    /// <summary>The path of a --secrets directory (the keys medium), refused when it is not there.</summary>
    public static string Existing(string path) => Directory.Exists(path)
        ? path
        : throw new MkcdrecException(ExitCode.BadInput, $"The secrets directory '{path}' does not exist.",
            "Give the directory laid out like the keys medium: backup.passphrase, luks/, ssh/, s3/ (docs/secrets.md; the keys medium is mounted at /run/mkcdrec/keys in the rescue system). Nothing was done.");

    public string Path { get; }

    /// <summary>The encrypted backup's passphrase (first line of backup.passphrase), or null when the file is not there.</summary>
    public byte[]? BackupPassphrase()
    {
        var file = System.IO.Path.Combine(Path, BackupPassphraseFile);
        return File.Exists(file) ? PassphraseText.Read(file) : null;
    }

    /// <summary>The secret of the LUKS container <paramref name="uuid"/>: its own file, else the one for any container; null: none.</summary>
    /// <exception cref="MkcdrecException">Both a .key and a .passphrase (or two spellings of one name) for the same container.</exception>
    public LuksSecret? LuksKey(string uuid) => Find(uuid) ?? Find(AnyContainer);

    private LuksSecret? Find(string name)
    {
        var folder = System.IO.Path.Combine(Path, LuksFolder);
        if (!Directory.Exists(folder))
        {
            return null;
        }

        var found = Directory.EnumerateFiles(folder)
            .Select(f => (File: f, Kind: KindOf(System.IO.Path.GetFileName(f), name)))
            .Where(x => x.Kind is not null)
            .Select(x => new LuksSecret(x.Kind!.Value, x.File))
            .ToList();
        if (found.Count > 1)
        {
            var names = string.Join(" and ", found.Select(f => LuksFolder + "/" + System.IO.Path.GetFileName(f.Path)).Order(StringComparer.Ordinal));
            throw new MkcdrecException(ExitCode.BadInput,
                $"The secrets in {Path} are ambiguous for LUKS {name}: {names} — it is not clear which one is the key; nothing was written and no disk was touched.",
                $"Keep one of them: {LuksFolder}/{name}{KeyExtension} (a key file, used byte for byte) or {LuksFolder}/{name}{PassphraseExtension} (a passphrase, its first line).");
        }

        return found.SingleOrDefault();
    }

    private static LuksSecretKind? KindOf(string fileName, string name) =>
        fileName.Equals(name + KeyExtension, StringComparison.OrdinalIgnoreCase) ? LuksSecretKind.KeyFile
        : fileName.Equals(name + PassphraseExtension, StringComparison.OrdinalIgnoreCase) ? LuksSecretKind.Passphrase
        : null;
}
