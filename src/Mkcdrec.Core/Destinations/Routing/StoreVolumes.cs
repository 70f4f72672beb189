using Mkcdrec.Core.Archive;
using Mkcdrec.Core.Platform;
using Mkcdrec.Model.Manifest;

namespace Mkcdrec.Core.Destinations.Routing;

/// <summary>
/// A backup read where it lies at an sftp:// or s3:// destination: the volumes stream from the store into the restore
/// (or verify) as they are read, so recovery needs no spool as large as the backup, only its manifest and layout
/// (<see cref="CopyDescription"/>). A broken transfer is taken up again at the byte where it stopped.
/// </summary>
public sealed class StoreVolumes : IVolumeSource, IDisposable
{
    private readonly IBackupStore _store;
    private readonly Action<string> _warn;
    private readonly Dictionary<string, long> _sizes; // file name inside the backup → size at the store
    private readonly bool _ownsStore = true;
    private long _opened;

    /// <summary>The backup <paramref name="name"/> (HOST/TIME) in <paramref name="store"/>, which this owns from now on.</summary>
    public StoreVolumes(IBackupStore store, string name, Action<string> warn)
    {
        _store = store;
        _warn = warn;
        Name = name;
        _sizes = store.List(name + "/").ToDictionary(f => f.Name[(name.Length + 1)..], f => f.Size, StringComparer.Ordinal);
    }

    /// <summary>The backup's name at the store: HOST/TIME.</summary>
    public string Name { get; }

    /// <summary>Where it is, for messages: the destination (no secret in it) and the backup's name.</summary>
    public string Display => _store.DisplayOf(Name);

    /// <summary>The first pause before a broken transfer is taken up again; each next one is twice as long.</summary>
    public TimeSpan RetryPause { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>The bytes of the volumes opened so far (for the figures of a recovery).</summary>
    public long BytesOpened => Interlocked.Read(ref _opened);

    /// <summary>Opens the backup DEST/HOST/TIME (or HOST/latest, the newest complete one) at an sftp:// or s3:// destination.</summary>
    /// <param name="credentials">A secrets directory's ssh and s3 files (the keys medium in the rescue system); null: the admin's own.</param>
    public static StoreVolumes Open(string location, Action<string> warn, IProcessRunner runner, IPipedProcessStarter processes, DestinationCredentials? credentials)
    {
        var path = StoredBackupPath.Parse(DestinationUrl.Parse(location));
        var store = BackupStores.Open(path.Destination, warn, runner, processes, credentials);
        try
        {
            return new StoreVolumes(store, path.Resolve(store), warn);
        }
        catch
        {
            store.Dispose();
            throw;
        }
    }

    /// <summary>Copies the backup's manifest and layout (what plans and checks the recovery) into <paramref name="dir"/>.</summary>
    public void CopyDescription(string dir)
    {
        if (!_sizes.ContainsKey(BackupFiles.Manifest))
        {
            throw new MkcdrecException(ExitCode.BadInput, $"{Display} has no {BackupFiles.Manifest}: it is not a complete backup.",
                $"List the backups there with: mkcdrec backups list {_store.Display}");
        }

        foreach (var file in new[] { BackupFiles.Manifest, BackupFiles.Layout }.Where(_sizes.ContainsKey))
        {
            var temp = Path.Combine(dir, "." + file + ".partial");
            using (var from = _store.OpenRead(Name + "/" + file))
            using (var to = new FileStream(temp, FileMode.Create, FileAccess.Write))
            {
                from.CopyTo(to);
            }

            File.Move(temp, Path.Combine(dir, file), overwrite: true);
        }
    }

    public long? SizeNow(string backupDir, string file) => _sizes.TryGetValue(file, out var size) ? size : null;

    public Stream Open(string backupDir, string file)
    {
        var size = SizeNow(backupDir, file) ?? throw new MkcdrecException(ExitCode.BadInput, $"The backup volume {file} is missing from {Display}.",
            "The backup at the destination is incomplete: recover from another backup of this host (mkcdrec backups list DEST).");
        Interlocked.Add(ref _opened, size);
        return new ResumingReadStream(_store, Name + "/" + file, size, _warn, RetryPause);
    }

    public bool CanObtainLater(string file) => false;

    public bool Streams => true;

    public string Where(string backupDir) => Display;

    /// <summary>Another backup at the same store (the parent of an increment), read over the same connection; this one keeps owning the store.</summary>
    public StoreVolumes Sibling(string name) => new(_store, name, _warn, ownsStore: false) { RetryPause = RetryPause };

    private StoreVolumes(IBackupStore store, string name, Action<string> warn, bool ownsStore)
        : this(store, name, warn) => _ownsStore = ownsStore;

    public void Dispose()
    {
        if (_ownsStore)
        {
            _store.Dispose();
        }
    }
}
