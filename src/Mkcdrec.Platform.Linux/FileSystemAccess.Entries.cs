using Mkcdrec.Core.Platform;

namespace Mkcdrec.Platform.Linux;

public sealed unsafe partial class FileSystemAccess
{
    public void MakeDirectory(ReadOnlySpan<byte> path, uint mode) => CallWithPath("mkdir", path, p => mkdir(p, mode));

    public void MakeNode(ReadOnlySpan<byte> path, uint mode, uint major, uint minor)
    {
        // glibc's makedev encoding.
        var dev = ((ulong)(major & 0xFFFFF000) << 32) | ((ulong)(major & 0xFFF) << 8) | ((ulong)(minor & 0xFFFFFF00) << 12) | (minor & 0xFF);
        CallWithPath("mknod", path, p => mknod(p, mode, dev));
    }

    public void MakeFifo(ReadOnlySpan<byte> path, uint mode) => CallWithPath("mkfifo", path, p => mkfifo(p, mode));

    public void Symlink(ReadOnlySpan<byte> target, ReadOnlySpan<byte> path)
    {
        Span<byte> t = stackalloc byte[MaxPath];
        Terminate(target, t);
        fixed (byte* tp = t)
        {
            var tpp = tp;
            CallWithPath("symlink", path, p => symlink(tpp, p));
        }
    }

    public void Link(ReadOnlySpan<byte> existing, ReadOnlySpan<byte> path)
    {
        Span<byte> t = stackalloc byte[MaxPath];
        Terminate(existing, t);
        fixed (byte* tp = t)
        {
            var tpp = tp;
            CallWithPath("link", path, p => link(tpp, p));
        }
    }

    public void Rename(ReadOnlySpan<byte> from, ReadOnlySpan<byte> to)
    {
        Span<byte> f = stackalloc byte[MaxPath];
        Terminate(from, f);
        fixed (byte* fp = f)
        {
            var fpp = fp;
            CallWithPath("rename", to, p => rename(fpp, p));
        }
    }

    public void Remove(ReadOnlySpan<byte> path)
    {
        Span<byte> p = stackalloc byte[MaxPath];
        Terminate(path, p);
        fixed (byte* pp = p)
        {
            if (unlink(pp) == 0)
            {
                return;
            }

            var e = Errno;
            if (e == FileSystemException.ENOENT)
            {
                return;
            }

            if (e is 21 or FileSystemException.EPERM) // EISDIR
            {
                if (rmdir(pp) == 0)
                {
                    return;
                }

                e = Errno;
            }

            throw Fail("remove", path, e);
        }
    }
}
