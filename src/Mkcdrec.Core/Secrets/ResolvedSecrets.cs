using System.Text;
using Mkcdrec.Core.Platform;

namespace Mkcdrec.Core.Secrets;

/// <summary>
/// The secrets of one run, found before any disk is touched: the backup's passphrase and a key file per {keyfile:…}
/// token. A passphrase becomes a private temporary file (0600, in /run when writable) so cryptsetup reads it byte for
/// byte and no command line ever holds it; <see cref="Dispose"/> deletes those files (and the LUKS headers taken from
/// the backup, which hold keyslots) and clears the passphrase.
/// </summary>
public sealed class ResolvedSecrets(string? temporaryDirectory = null) : IDisposable
{
    private readonly Dictionary<string, string> _keyFiles = new(StringComparer.Ordinal);
    private readonly List<string> _tempFiles = [];
    private readonly List<string> _tempDirectories = [];

    /// <summary>The encrypted backup's passphrase; null when the backup is not encrypted.</summary>
    public byte[]? BackupPassphrase { get; internal set; }

    /// <summary>{keyfile:…} token → the file cryptsetup reads with --key-file.</summary>
    public IReadOnlyDictionary<string, string> KeyFiles => _keyFiles;

    /// <summary>Where private temporary files go; null: /run when writable.</summary>
    public string? TemporaryDirectory => temporaryDirectory;

    /// <summary>The temporary files holding passphrases (deleted by <see cref="Dispose"/>).</summary>
    public IReadOnlyList<string> TemporaryFiles => _tempFiles;

    internal void UseKeyFile(string token, string path) => _keyFiles[token] = path;

    /// <summary>The LUKS headers extracted from the backup into <paramref name="directory"/> (deleted with the key files): token → file.</summary>
    public void UseHeaderFiles(string directory, IEnumerable<KeyValuePair<string, string>> headers)
    {
        _tempDirectories.Add(directory);
        foreach (var (token, path) in headers)
        {
            _keyFiles[token] = path;
        }
    }

    /// <summary>Writes the passphrase (no newline) to a new file only its owner can read, and uses it for the token.</summary>
    internal void UsePassphrase(string token, byte[] passphrase)
    {
        var path = PrivateFile.Write(passphrase, "mkcdrec-key", temporaryDirectory);
        _tempFiles.Add(path);
        _keyFiles[token] = path;
    }

    internal void UsePassphrase(string token, string typed) => UsePassphrase(token, Encoding.UTF8.GetBytes(typed));

    public void Dispose()
    {
        DeleteTemporaryFiles();
        if (BackupPassphrase is { } p)
        {
            Array.Clear(p);
        }
    }

    /// <summary>Deletes the passphrase files now (once the layout is made nothing needs them); <see cref="Dispose"/> does it anyway.</summary>
    public void DeleteTemporaryFiles()
    {
        foreach (var f in _tempFiles)
        {
            PrivateFile.Delete(f);
        }

        _tempFiles.Clear();
        foreach (var d in _tempDirectories)
        {
            PrivateFile.DeleteDirectory(d);
        }

        _tempDirectories.Clear();
    }
}
