using System.Runtime.InteropServices;
using Mkcdrec.Core.Platform;

namespace Mkcdrec.Platform.Linux;

public sealed unsafe partial class FileSystemAccess
{
    private const byte DtUnknown = 0, DtDir = 4;

    public void ReadDirectory(ReadOnlySpan<byte> path, List<byte[]> names) => ReadDirectory(path, names, null);

    public void ReadDirectory(ReadOnlySpan<byte> path, List<byte[]> names, List<bool?>? isDirectory)
    {
        var dir = OpenDir(path);
        try
        {
            for (var ent = NextEntry(dir, path); ent != null; ent = NextEntry(dir, path))
            {
                var name = MemoryMarshal.CreateReadOnlySpanFromNullTerminated(ent + 19);
                if (name.SequenceEqual("."u8) || name.SequenceEqual(".."u8))
                {
                    continue;
                }

                names.Add(name.ToArray());
                isDirectory?.Add(ent[18] switch { DtDir => true, DtUnknown => null, _ => false }); // d_type; some filesystems do not fill it
            }
        }
        finally
        {
            closedir(dir);
        }
    }

    public void ReadDirectoryStatus(ReadOnlySpan<byte> path, Func<byte[], bool> include, List<DirectoryEntryStatus> entries)
    {
        var dir = OpenDir(path);
        try
        {
            var fd = dirfd(dir);
            var buf = stackalloc byte[256];
            for (var ent = NextEntry(dir, path); ent != null; ent = NextEntry(dir, path))
            {
                var name = MemoryMarshal.CreateReadOnlySpanFromNullTerminated(ent + 19);
                if (name.SequenceEqual("."u8) || name.SequenceEqual(".."u8) || name.ToArray() is not { } bytes || !include(bytes))
                {
                    continue;
                }

                // statx relative to the open directory, on the NUL-terminated name in the dirent itself
                var ok = statx(fd, ent + 19, AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, buf) == 0;
                var status = default(FileStatus);
                if (ok)
                {
                    DecodeStatx(buf, out status);
                }

                entries.Add(new DirectoryEntryStatus(bytes, status, ok ? 0 : Errno));
            }
        }
        finally
        {
            closedir(dir);
        }
    }

    /// <summary>opendir; a failure throws.</summary>
    private static nint OpenDir(ReadOnlySpan<byte> path)
    {
        Span<byte> p = stackalloc byte[MaxPath];
        Terminate(path, p);
        nint dir;
        fixed (byte* pp = p)
        {
            dir = opendir(pp);
        }

        return dir != 0 ? dir : throw Fail("opendir", path, Errno);
    }

    /// <summary>readdir64: the next entry, null at the end; a read error throws.</summary>
    private static byte* NextEntry(nint dir, ReadOnlySpan<byte> path)
    {
        Marshal.SetLastPInvokeError(0);
        var ent = readdir64(dir);
        if (ent == null && Errno is var e and not 0)
        {
            throw Fail("readdir", path, e);
        }

        return ent;
    }

    public void SyncDirectory(ReadOnlySpan<byte> path)
    {
        Span<byte> p = stackalloc byte[MaxPath];
        Terminate(path, p);
        fixed (byte* pp = p)
        {
            var fd = open(pp, OpenFlags.RdOnly | OpenFlags.Directory | OpenFlags.CloExec, 0);
            if (fd < 0)
            {
                throw Fail("open", path, Errno);
            }

            try
            {
                if (fsync(fd) != 0)
                {
                    throw Fail("fsync", path, Errno);
                }
            }
            finally
            {
                close(fd);
            }
        }
    }
}
