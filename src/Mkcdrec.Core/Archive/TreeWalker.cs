using System.Text;
using Mkcdrec.Core.Platform;

namespace Mkcdrec.Core.Archive;

/// <summary>Receives the entries of a walk, parents before children, names in byte order.</summary>
public interface IWalkVisitor
{
    /// <summary>
    /// <paramref name="relative"/> is empty for the root itself. <paramref name="children"/>: for a directory the walk
    /// descends into when the walker lists first (<see cref="TreeWalker.ListChildrenFirst"/>), what it holds and will be
    /// visited next; null otherwise. Return false to not descend into a directory.
    /// </summary>
    bool Visit(ReadOnlySpan<byte> fullPath, ReadOnlySpan<byte> relative, in FileStatus status, IReadOnlyList<WalkChild>? children);
}

/// <summary>A name in a directory that the walk will visit (excludes, sockets and skipped directories already left out), with its lstat.</summary>
public readonly record struct WalkChild(byte[] Name, FileStatus Status);

/// <summary>
/// Walks one filesystem: never crosses a mount point (a mount point is visited, its content is not), applies the
/// exclude patterns, skips sockets and an excluded (destination) directory, and reports vanished or unreadable entries
/// as problems without stopping.
/// </summary>
public sealed class TreeWalker
{
    private readonly IFileSystemAccess _fs;
    private readonly Excludes _excludes;
    private readonly IArchiveEvents _events;
    private readonly List<(uint Major, uint Minor, ulong Ino)> _skipDirs = [];
    private byte[] _path = new byte[4096];
    private DirectoryLister? _lister;
    private DirectoryPrefetch? _prefetch;

    public TreeWalker(IFileSystemAccess fs, Excludes excludes, IArchiveEvents events)
    {
        _fs = fs;
        _excludes = excludes;
        _events = events;
    }

    /// <summary>
    /// Hand each directory its listing when it is visited (an incremental archive writes a directory's dumpdir before
    /// its content). The listing is read when the directory is reached either way; this only passes it on.
    /// </summary>
    public bool ListChildrenFirst { get; init; }

    /// <summary>
    /// Directories listed ahead of the walk at most (<see cref="DirectoryPrefetch"/>). A full backup needs only a few; an
    /// increment, whose walk waits at the root for the parent's tree and then does little per file, lets it run far ahead.
    /// </summary>
    public int ReadAhead { get; init; } = 64;

    /// <summary>Skip this directory (by identity), e.g. the backup destination inside the tree.</summary>
    public void SkipDirectory(string path)
    {
        if (_fs.TryLStat(Encoding.UTF8.GetBytes(path), out var st, out _))
        {
            _skipDirs.Add((st.DevMajor, st.DevMinor, st.Inode));
        }
    }

    public void Walk(string root, IWalkVisitor visitor)
    {
        var rootBytes = Encoding.UTF8.GetBytes(root.Length > 1 ? root.TrimEnd('/') : root);
        if (!_fs.TryLStat(rootBytes, out var st, out var errno))
        {
            throw new MkcdrecException(ExitCode.BadInput, $"Cannot read '{root}' (errno {errno}).", "Check the path given with --root.");
        }

        if (st.Type != FileStatus.Directory)
        {
            throw new MkcdrecException(ExitCode.BadInput, $"'{root}' is not a directory.", "Give the directory at the top of the filesystem to archive.");
        }

        rootBytes.CopyTo(_path, 0);
        var len = rootBytes.Length;
        if (len == 1 && rootBytes[0] == (byte)'/')
        {
            len = 0; // children become "/name"
        }

        // Two listers: each keeps a scratch path buffer, and the prefetch's runs on a thread of its own.
        _lister = new DirectoryLister(_fs, _excludes, [.. _skipDirs]);
        using var prefetch = new DirectoryPrefetch(new DirectoryLister(_fs, _excludes, [.. _skipDirs]), _path[..len], len + 1, st, ReadAhead);
        _prefetch = prefetch;
        try
        {
            var children = ListChildrenFirst ? List(len, len + 1) : null;
            if (visitor.Visit(rootBytes, [], st, children))
            {
                WalkDirectory(len, len + 1, st, visitor, children ?? List(len, len + 1));
            }
        }
        finally
        {
            _prefetch = null;
        }
    }

    /// <summary>Visits the listed children of the directory at _path[..len], descending into directories on the same device.</summary>
    private void WalkDirectory(int len, int relStart, in FileStatus rootStatus, IWalkVisitor visitor, List<WalkChild> children)
    {
        var dev = rootStatus;
        foreach (var (name, st) in children)
        {
            var childLen = DirectoryLister.AppendChild(ref _path, len, name);
            var full = _path.AsSpan(0, childLen);
            var rel = relStart <= childLen ? _path.AsSpan(relStart, childLen - relStart) : [];
            if (st.Type != FileStatus.Directory)
            {
                visitor.Visit(full, rel, st, null);
                continue;
            }

            var descend = st.SameDevice(dev); // a mount point is visited, its content is not
            var listing = descend && ListChildrenFirst ? List(childLen, relStart) : null;
            if (visitor.Visit(full, rel, st, listing) && descend)
            {
                WalkDirectory(childLen, relStart, dev, visitor, listing ?? List(childLen, relStart));
            }
        }
    }

    /// <summary>The entries of the directory at _path[..len] (from the prefetch when it has them), its problems reported now.</summary>
    private List<WalkChild> List(int len, int relStart)
    {
        var dir = _path.AsSpan(0, len);
        var listing = _prefetch?.Take(dir) ?? _lister!.List(dir, relStart);
        foreach (var (where, what) in listing.Problems)
        {
            _events.Problem(where, what);
        }

        return listing.Children;
    }

}
