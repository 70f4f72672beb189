using System.Text;

namespace Mkcdrec.Core.Secrets;

/// <summary>
/// The secrets of one run, found before any disk is touched: the backup's passphrase and a key file per {keyfile:…}
/// token. A passphrase becomes a private temporary file (0600, in /run when writable) so cryptsetup reads it byte for
/// byte and no command line ever holds it; <see cref="Dispose"/> deletes those files and clears the passphrase.
/// </summary>
public sealed class ResolvedSecrets(string? temporaryDirectory = null) : IDisposable
{
    private readonly Dictionary<string, string> _keyFiles = new(StringComparer.Ordinal);
    private readonly List<string> _tempFiles = [];

    /// <summary>The encrypted backup's passphrase; null when the backup is not encrypted.</summary>
    public byte[]? BackupPassphrase { get; internal set; }

    /// <summary>{keyfile:…} token → the file cryptsetup reads with --key-file.</summary>
    public IReadOnlyDictionary<string, string> KeyFiles => _keyFiles;

    /// <summary>The temporary files holding passphrases (deleted by <see cref="Dispose"/>).</summary>
    public IReadOnlyList<string> TemporaryFiles => _tempFiles;

    internal void UseKeyFile(string token, string path) => _keyFiles[token] = path;

    /// <summary>Writes the passphrase (no newline) to a new file only its owner can read, and uses it for the token.</summary>
    internal void UsePassphrase(string token, byte[] passphrase)
    {
        var dir = temporaryDirectory ?? (Directory.Exists("/run") && IsWritable("/run") ? "/run" : Path.GetTempPath());
        var path = Path.Combine(dir, $"mkcdrec-key-{Environment.ProcessId}-{Guid.NewGuid():N}");
        var fso = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            fso.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var f = new FileStream(path, fso))
        {
            _tempFiles.Add(path);
            f.Write(passphrase);
        }

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
            try
            {
                File.Delete(f);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
            }
        }

        _tempFiles.Clear();
    }

    private static bool IsWritable(string dir)
    {
        try
        {
            var probe = Path.Combine(dir, $".mkcdrec-probe-{Environment.ProcessId}");
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
