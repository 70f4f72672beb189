using Mkcdrec.Core.Platform;

namespace Mkcdrec.Core.Destinations.Local;

/// <summary>
/// Backups kept as HOST/TIME/ directories under a directory of this machine: a USB disk, or an NFS export mounted by
/// <see cref="Nfs.NfsBackupStore"/>. Files are written as NAME.partial and renamed over NAME when synced, so NAME
/// exists only complete (on NFS too: rename is atomic on the server).
/// </summary>
public class DirectoryBackupStore(string root, string display) : IBackupStore
{
    public const string PartialSuffix = ".partial";

    /// <summary>The directory the names are relative to.</summary>
    public string Root { get; } = root;

    public string Display { get; } = display;

    /// <summary>A store over an existing directory; a clear error when it is missing.</summary>
    public static DirectoryBackupStore Open(string directory, string? display = null)
    {
        if (!Directory.Exists(directory))
        {
            throw new MkcdrecException(ExitCode.BadInput, $"There is no directory {directory}.",
                "Create it (mkdir -p) or correct the path; a USB disk must be mounted first.");
        }

        return new DirectoryBackupStore(directory, display ?? directory);
    }

    public IOutputFile Create(string name) => new CommittedFile(PathOf(name));

    public void Put(string name, ReadOnlyMemory<byte> data)
    {
        using var f = Create(name);
        f.Write(data.Span);
        f.Commit();
    }

    public IEnumerable<StoredFile> List(string prefix)
    {
        var slash = prefix.LastIndexOf('/');
        var start = slash < 0 ? Root : PathOf(prefix[..slash]);
        if (!Directory.Exists(start))
        {
            return [];
        }

        var options = new EnumerationOptions { RecurseSubdirectories = true, MaxRecursionDepth = 4, AttributesToSkip = 0, IgnoreInaccessible = true };
        return new DirectoryInfo(start).EnumerateFiles("*", options)
            .Where(f => (f.Attributes & FileAttributes.ReparsePoint) == 0)
            .Select(f => new StoredFile(Path.GetRelativePath(Root, f.FullName).Replace(Path.DirectorySeparatorChar, '/'), f.Length, f.LastWriteTimeUtc))
            .Where(f => f.Name.StartsWith(prefix, StringComparison.Ordinal))
            .OrderBy(f => f.Name, StringComparer.Ordinal)
            .ToList();
    }

    public void Delete(string name)
    {
        if (File.Exists(PathOf(name)))
        {
            File.Delete(PathOf(name));
        }

        for (var dir = Path.GetDirectoryName(name); !string.IsNullOrEmpty(dir); dir = Path.GetDirectoryName(dir))
        {
            var full = PathOf(dir);
            if (!Directory.Exists(full) || Directory.EnumerateFileSystemEntries(full).Any())
            {
                break;
            }

            Directory.Delete(full); // an emptied HOST/TIME goes with its last file
        }
    }

    public Stream OpenRead(string name, long offset = 0) =>
        new FileStream(PathOf(name), FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16) { Position = offset };

    public virtual void Dispose()
    {
        GC.SuppressFinalize(this);
    }

    /// <summary>The full path of a stored name; names never climb out of the root.</summary>
    public string PathOf(string name)
    {
        if (name.Split('/').Any(p => p is ".." or "."))
        {
            throw new ArgumentException($"'{name}' is not a name inside the destination.", nameof(name));
        }

        return Path.Combine(Root, name);
    }

    /// <summary>NAME.partial, synced and renamed over NAME on Commit; removed when abandoned.</summary>
    private sealed class CommittedFile : IOutputFile
    {
        private readonly string _final;
        private readonly BufferedOutputFile _file;
        private bool _committed;

        public CommittedFile(string path)
        {
            _final = path;
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
            _file = new BufferedOutputFile(path + PartialSuffix);
        }

        public string Path => _final;

        public bool BypassesPageCache => false;

        public void Write(ReadOnlySpan<byte> data) => _file.Write(data);

        public void Commit()
        {
            _file.Commit();
            _file.Dispose();
            File.Move(_file.Path, _final, overwrite: true);
            PosixDirectorySync.Instance.SyncDirectory(System.IO.Path.GetDirectoryName(_final)!);
            _committed = true;
        }

        public void Dispose()
        {
            _file.Dispose();
            if (!_committed)
            {
                File.Delete(_file.Path);
            }
        }
    }
}
