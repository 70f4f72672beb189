namespace Mkcdrec.Core.Archive;

/// <summary>
/// Where the archive reader gets a backup volume's bytes: files (<see cref="IVolumeLocator"/>), or a destination
/// off the machine whose volumes stream into the restore as they are read (Destinations.Routing.StoreVolumes).
/// </summary>
public interface IVolumeSource
{
    /// <summary>The size of <paramref name="file"/> when it can be read now, without asking anybody; else null.</summary>
    long? SizeNow(string backupDir, string file);

    /// <summary>The volume opened for reading front to back, brought first when needed (another medium). Throws when it cannot.</summary>
    Stream Open(string backupDir, string file);

    /// <summary>Whether a volume that is not there now can still be brought later (so its absence is not an error yet).</summary>
    bool CanObtainLater(string file);

    /// <summary>
    /// Volumes come over the network as they are read: a check that reads them all before the restore would transfer the
    /// backup twice, so their chunks are checked as they arrive instead.
    /// </summary>
    bool Streams { get; }

    /// <summary>Where the volumes are, for messages: the backup directory, or the destination's backup.</summary>
    string Where(string backupDir);
}

/// <summary>
/// Volumes as files. The default looks only in the backup directory; the rescue system's media-aware locator
/// (Mkcdrec.Core.Media.MediaVolumeLocator) asks for the medium that holds it.
/// </summary>
public interface IVolumeLocator : IVolumeSource
{
    /// <summary>The path of <paramref name="file"/> when it can be read now, without asking anybody; else null.</summary>
    string? Find(string backupDir, string file);

    /// <summary>The path of <paramref name="file"/>, bringing it first when needed (e.g. asking for another medium). Throws when it cannot.</summary>
    string Obtain(string backupDir, string file);

    long? IVolumeSource.SizeNow(string backupDir, string file) => Find(backupDir, file) is { } p ? new FileInfo(p).Length : null;

    Stream IVolumeSource.Open(string backupDir, string file) =>
        new FileStream(Obtain(backupDir, file), FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);

    bool IVolumeSource.Streams => false;

    string IVolumeSource.Where(string backupDir) => backupDir;
}

/// <summary>
/// Volumes are files on a network filesystem mounted where the backup lies (an nfs:// backup read in place): read as
/// they stream over the network, so each is read once, like a backup at an sftp:// or s3:// destination.
/// </summary>
public sealed class MountedVolumes(string display) : IVolumeLocator
{
    public string? Find(string backupDir, string file) => DirectoryVolumeLocator.Instance.Find(backupDir, file);

    public string Obtain(string backupDir, string file) => DirectoryVolumeLocator.Instance.Obtain(backupDir, file);

    public bool CanObtainLater(string file) => false;

    bool IVolumeSource.Streams => true;

    string IVolumeSource.Where(string backupDir) => display;
}

/// <summary>Volumes are files in the backup directory, nowhere else.</summary>
public sealed class DirectoryVolumeLocator : IVolumeLocator
{
    public static readonly DirectoryVolumeLocator Instance = new();

    public string? Find(string backupDir, string file)
    {
        var p = Path.Combine(backupDir, file);
        return File.Exists(p) ? p : null;
    }

    public string Obtain(string backupDir, string file) => Find(backupDir, file) ?? throw new MkcdrecException(ExitCode.BadInput,
        $"The backup volume {Path.Combine(backupDir, file)} is missing.",
        "Copy or insert the missing volume into the backup directory and run the command again.");

    public bool CanObtainLater(string file) => false;
}
