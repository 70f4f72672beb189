using System.Text;
using Mkcdrec.Core.Platform;

namespace Mkcdrec.Core.Archive;

/// <summary>A directory's entries as a walk visits them, and the problems met listing it (reported when the walk reaches it).</summary>
internal sealed record DirectoryListing(byte[] Path, List<WalkChild> Children, List<(string Where, string What)> Problems);

/// <summary>
/// Lists one directory for <see cref="TreeWalker"/>: names in byte order with their lstat; excluded names (never
/// stat'ed), sockets and skipped directories left out; vanished or unreadable entries noted as problems.
/// </summary>
internal sealed class DirectoryLister(IFileSystemAccess fs, Excludes excludes, IReadOnlyList<(uint Major, uint Minor, ulong Ino)> skipDirs)
{
    private byte[] _child = new byte[4096];

    /// <param name="dir">The directory's path; empty for "/" (children are "/name").</param>
    /// <param name="relStart">Where the path relative to the walk's root starts in a child's path.</param>
    public DirectoryListing List(ReadOnlySpan<byte> dir, int relStart)
    {
        var listing = new DirectoryListing(dir.ToArray(), [], []);
        var dirLen = dir.Length;
        if (dirLen >= _child.Length)
        {
            _child = new byte[dirLen * 2];
        }

        dir.CopyTo(_child); // each name is put after it to match the excludes
        var entries = new List<DirectoryEntryStatus>();
        try
        {
            fs.ReadDirectoryStatus(dirLen == 0 ? "/"u8 : dir, name => !excludes.IsExcluded(ChildRelative(AppendChild(ref _child, dirLen, name), relStart)), entries);
        }
        catch (FileSystemException e)
        {
            listing.Problems.Add((Show(listing.Path, relStart), e.IsNotFound ? "vanished before it could be read" : e.Message));
            return listing;
        }

        entries.Sort(static (a, b) => a.Name.AsSpan().SequenceCompareTo(b.Name));
        foreach (var (name, st, errno) in entries)
        {
            if (errno != 0)
            {
                listing.Problems.Add((Show(Child(listing.Path, name), relStart), errno == FileSystemException.ENOENT ? "vanished during the walk" : $"cannot be read (errno {errno})"));
            }
            else if (st.Type == FileStatus.Socket)
            {
                listing.Problems.Add((Show(Child(listing.Path, name), relStart), "socket skipped (sockets are recreated by their programs)"));
            }
            else if (st.Type != FileStatus.Directory || !IsSkipped(st))
            {
                listing.Children.Add(new WalkChild(name, st));
            }
        }

        return listing;
    }

    /// <summary>The path of <paramref name="name"/> in <paramref name="dir"/>: a new array.</summary>
    public static byte[] Child(byte[] dir, byte[] name)
    {
        var path = new byte[dir.Length + 1 + name.Length];
        dir.CopyTo(path, 0);
        AppendChild(ref path, dir.Length, name);
        return path;
    }

    /// <summary>Puts "/name" after buffer[..dirLen], growing the buffer (its first dirLen bytes kept); returns the child's length.</summary>
    public static int AppendChild(ref byte[] buffer, int dirLen, byte[] name)
    {
        var len = dirLen + 1 + name.Length;
        if (len > buffer.Length)
        {
            Array.Resize(ref buffer, Math.Max(buffer.Length * 2, len));
        }

        buffer[dirLen] = (byte)'/';
        name.CopyTo(buffer, dirLen + 1);
        return len;
    }

    /// <summary>The walk's "." for its root, else the path relative to it.</summary>
    public static string Show(ReadOnlySpan<byte> path, int relStart) => relStart < path.Length ? Encoding.UTF8.GetString(path[relStart..]) : ".";

    private ReadOnlySpan<byte> ChildRelative(int len, int relStart) => relStart <= len ? _child.AsSpan(relStart, len - relStart) : [];

    private bool IsSkipped(in FileStatus st)
    {
        foreach (var (ma, mi, ino) in skipDirs)
        {
            if (st.DevMajor == ma && st.DevMinor == mi && st.Inode == ino)
            {
                return true;
            }
        }

        return false;
    }
}
