using System.Text;

namespace Mkcdrec.Core.Platform;

/// <summary>
/// Replaces a file of a restored system (fstab, crypttab, hostname…) so that a power cut leaves either the old or the new
/// content, never half of it: an <see cref="AtomicFile"/> that first takes the old file's owner, mode and extended
/// attributes (ACLs, SELinux label), which a rename would otherwise drop with the old inode.
/// </summary>
public static class AtomicReplace
{
    /// <summary>Writes <paramref name="content"/> (UTF-8) over <paramref name="path"/>; a new file gets root:root 0644.</summary>
    /// <exception cref="InvalidOperationException">When <paramref name="path"/> is a symbolic link (its target is a file of its own).</exception>
    public static void WriteText(IFileSystemAccess fs, string path, string content)
    {
        var pathBytes = Encoding.UTF8.GetBytes(path);
        var exists = fs.TryLStat(pathBytes, out var old, out _);
        if (exists && old.Type == FileStatus.Symlink)
        {
            throw new InvalidOperationException($"{path} is a symbolic link: the file it points to is written by its own name.");
        }

        using var file = AtomicFile.Create(path, fs);
        file.Stream.Write(Encoding.UTF8.GetBytes(content));
        file.Stream.Flush();
        var fd = (int)file.Stream.SafeFileHandle.DangerousGetHandle();
        // Owner before mode (chown clears set-id bits); the ACL xattrs last, as they were beside that mode.
        fs.FChown(fd, exists ? old.Uid : 0, exists ? old.Gid : 0);
        fs.FChmod(fd, exists ? old.Permissions : 0x1A4);
        if (exists)
        {
            CopyXattrs(fs, pathBytes, Encoding.UTF8.GetBytes(file.TempPath));
        }

        file.Commit();
    }

    private static void CopyXattrs(IFileSystemAccess fs, byte[] from, byte[] to)
    {
        var names = new List<string>();
        fs.ListXattrs(from, names);
        foreach (var name in names)
        {
            if (fs.GetXattr(from, name) is { } value)
            {
                fs.SetXattr(to, name, value);
            }
        }
    }
}
