using System.Text;
using Mkcdrec.Core.Platform;

namespace Mkcdrec.Core.Archive;

/// <summary>
/// Keeps every write of a restore inside its target: a directory above an entry that is a symbolic link in the target
/// (one a crafted archive made a few entries earlier, pointing at /etc) would send the entry's write outside it. Each
/// directory above an entry is checked once with lstat; a missing one is made here, before a later entry could put a
/// symbolic link in its place. A backup's own walk never lists anything below a symbolic link.
/// </summary>
internal sealed class TargetPathGuard(IFileSystemAccess fs, byte[] target)
{
    /// <summary>Directories (relative, bytes as Latin-1) known to be real directories in the target.</summary>
    private readonly HashSet<string> _directories = new(StringComparer.Ordinal);

    /// <summary>The parent checked last: consecutive entries mostly share it.</summary>
    private byte[] _lastParent = [];

    /// <summary>After an increment renamed or removed names: what was checked may have changed.</summary>
    public void Forget()
    {
        _directories.Clear();
        _lastParent = [];
    }

    /// <summary>Fails (a problem of this entry) when a directory above <paramref name="rel"/> is a symbolic link or not a directory.</summary>
    public void CheckParents(ReadOnlySpan<byte> rel)
    {
        var slash = rel.LastIndexOf((byte)'/');
        if (slash <= 0)
        {
            return;
        }

        var parent = rel[..slash];
        if (parent.SequenceEqual(_lastParent))
        {
            return;
        }

        var at = 0;
        while (at < parent.Length)
        {
            var next = parent[at..].IndexOf((byte)'/');
            var end = next < 0 ? parent.Length : at + next;
            var prefix = parent[..end];
            var key = Encoding.Latin1.GetString(prefix);
            if (!_directories.Contains(key))
            {
                Check(prefix);
                _directories.Add(key);
            }

            at = end + 1;
        }

        _lastParent = parent.ToArray();
    }

    private void Check(ReadOnlySpan<byte> prefix)
    {
        var full = ArchiveExtractor.Join(target, prefix);
        if (!fs.TryLStat(full, out var st, out _))
        {
            fs.MakeDirectory(full, 0x1ED);
            return;
        }

        if (st.Type != FileStatus.Directory)
        {
            var what = st.Type == FileStatus.Symlink ? "a symbolic link" : "not a directory";
            throw new FileSystemException(
                $"'{Encoding.UTF8.GetString(prefix)}' in the target is {what}: nothing is written through it (a crafted or damaged archive, or a target laid out otherwise than the backup)",
                FileSystemException.ENOTDIR);
        }
    }
}
