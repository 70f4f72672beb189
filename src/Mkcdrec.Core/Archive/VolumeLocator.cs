namespace Mkcdrec.Core.Archive;

/// <summary>
/// Where the archive reader finds a backup volume. The default looks only in the backup directory; the rescue
/// system's media-aware locator (Mkcdrec.Core.Media.MediaVolumeLocator) asks for the medium that holds it.
/// </summary>
public interface IVolumeLocator
{
    /// <summary>The path of <paramref name="file"/> when it can be read now, without asking anybody; else null.</summary>
    string? Find(string backupDir, string file);

    /// <summary>The path of <paramref name="file"/>, bringing it first when needed (e.g. asking for another medium). Throws when it cannot.</summary>
    string Obtain(string backupDir, string file);

    /// <summary>Whether a volume that is not there now can still be brought later (so its absence is not an error yet).</summary>
    bool CanObtainLater(string file);
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
