using System.Text;
using Mkcdrec.Core.Platform;
using Mkcdrec.Formats.Tar;

namespace Mkcdrec.Core.Archive;

/// <summary>
/// Applying an increment the way GNU tar's --listed-incremental extraction does: a directory member with a GNU dumpdir
/// first renames what GNU tar recorded as renamed, then removes from the directory on disk every name the dumpdir does
/// not list and every name whose kind changed (a directory where the dumpdir lists a file, or the reverse).
/// </summary>
public sealed partial class ArchiveExtractor
{
    /// <summary>Names removed by increments (deleted or replaced since the previous archive of the chain).</summary>
    public long Removed { get; private set; }

    /// <summary>The archive is an increment (its root came with a dumpdir): entries land among what earlier archives restored.</summary>
    private bool _increment;

    private readonly List<byte[]> _names = [];
    private readonly List<bool?> _kinds = [];

    /// <summary>
    /// An increment lands in directories that exist: a directory kept from the previous archive still has the xattrs it
    /// had then, and a new entry inherits its parent's default ACL. What the archive does not give the entry goes, as
    /// GNU tar removes what it did not restore (the SELinux label stays: the policy owns it).
    /// </summary>
    private void RemoveOtherXattrs(TarEntry e, byte[] path)
    {
        var names = new List<string>(); // not shared: file writers call this too
        _fs.ListXattrs(path, names);
        foreach (var name in names)
        {
            var kept = name switch
            {
                PosixAcl.AccessXattr => e.AclAccess is not null || e.Xattrs.Exists(x => x.Key == name),
                PosixAcl.DefaultXattr => e.AclDefault is not null || e.Xattrs.Exists(x => x.Key == name),
                "security.selinux" => true,
                _ => e.Xattrs.Exists(x => x.Key == name),
            };
            if (!kept)
            {
                _fs.RemoveXattr(path, name);
            }
        }
    }

    private void ApplyDumpDir(TarEntry dir, byte[] path, string display, byte[] target)
    {
        var entries = GnuDumpDir.Parse(dir.DumpDir, $"archive member '{display}' (byte {Reader.EntryOffset})");
        if (entries.Exists(x => x.Code == GnuDumpDir.RenameFrom))
        {
            // A rename moves a directory named from the root, which may hold files still queued. The purge needs no wait:
            // it removes names in this directory only, and no queued file is in it (its members come after it).
            _pool?.Drain();
        }

        var removedBefore = Removed;
        var renamed = ApplyRenames(entries, target);
        try
        {
            Purge(entries, path);
        }
        finally
        {
            if (renamed || Removed != removedBefore)
            {
                _guard!.Forget(); // a checked directory may be gone, or another thing now
            }
        }
    }

    /// <summary>Removes from the directory every name the dumpdir does not list, or lists as another kind.</summary>
    private void Purge(List<DumpDirEntry> entries, byte[] path)
    {
        var listed = new Dictionary<string, byte>(StringComparer.Ordinal);
        foreach (var e in entries)
        {
            if (e.Code is GnuDumpDir.InArchive or GnuDumpDir.Unchanged or GnuDumpDir.Directory)
            {
                listed[Encoding.Latin1.GetString(e.Name)] = e.Code;
            }
        }

        if (!_fs.TryLStat(path, out var self, out _))
        {
            return;
        }

        _names.Clear();
        _kinds.Clear();
        _fs.ReadDirectory(path, _names, _kinds);
        for (var i = 0; i < _names.Count; i++)
        {
            var name = _names[i];
            var isDir = _kinds[i];
            if (isDir is null)
            {
                if (!_fs.TryLStat(Join(path, name), out var st, out _))
                {
                    continue;
                }

                isDir = st.Type == FileStatus.Directory;
            }

            var keep = listed.TryGetValue(Encoding.Latin1.GetString(name), out var code) && (code == GnuDumpDir.Directory) == isDir;
            if (!keep)
            {
                RemoveTree(Join(path, name), self);
            }
        }
    }

    /// <summary>GNU tar's R/T pairs (a renamed directory): paths from the archive's root, moved before the purge.</summary>
    private bool ApplyRenames(List<DumpDirEntry> entries, byte[] target)
    {
        var any = false;
        for (var i = 0; i + 1 < entries.Count; i++)
        {
            if (entries[i].Code != GnuDumpDir.RenameFrom || entries[i + 1].Code != GnuDumpDir.RenameTo)
            {
                continue;
            }

            var from = EntryBuilder.RelativeOf(entries[i].Name);
            var to = EntryBuilder.RelativeOf(entries[i + 1].Name);
            if (!IsSafe(from) || (to.Length > 0 && !IsSafe(to)))
            {
                throw new InvalidDataException($"a GNU dumpdir renames '{Encoding.UTF8.GetString(from)}' outside the target directory; refusing it.");
            }

            _guard!.CheckParents(from);
            if (to.Length > 0)
            {
                _guard.CheckParents(to);
            }

            var fromPath = Join(target, from);
            if (to.Length == 0)
            {
                RemoveTree(fromPath, null);
            }
            else if (_fs.TryLStat(fromPath, out _, out _))
            {
                _fs.Rename(fromPath, Join(target, to));
                any = true;
            }
        }

        return any;
    }

    /// <summary>Removes a file, or a directory with everything in it, never crossing into another mounted filesystem.</summary>
    private void RemoveTree(byte[] path, FileStatus? parent)
    {
        if (!_fs.TryLStat(path, out var st, out _))
        {
            return;
        }

        if (st.Type == FileStatus.Directory)
        {
            if (parent is { } p && !st.SameDevice(p))
            {
                throw new FileSystemException($"'{Encoding.UTF8.GetString(path)}' is gone from the backup but is a mount point here; not removed", FileSystemException.EPERM);
            }

            var names = new List<byte[]>();
            _fs.ReadDirectory(path, names);
            foreach (var n in names)
            {
                RemoveTree(Join(path, n), st);
            }
        }

        _fs.Remove(path);
        Removed++;
    }
}
