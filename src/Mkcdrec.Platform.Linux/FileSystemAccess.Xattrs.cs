using System.Text;
using Mkcdrec.Core.Platform;

namespace Mkcdrec.Platform.Linux;

public sealed unsafe partial class FileSystemAccess
{
    public void ListXattrs(ReadOnlySpan<byte> path, List<string> names)
    {
        Span<byte> p = stackalloc byte[MaxPath];
        Terminate(path, p);
        var stack = stackalloc byte[1024];
        fixed (byte* pp = p)
        {
            var n = llistxattr(pp, stack, 1024);
            byte[]? heap = null;
            if (n < 0 && Errno == 34) // ERANGE
            {
                var size = llistxattr(pp, null, 0);
                heap = new byte[Math.Max(0, (int)size) + 1024];
                fixed (byte* h = heap)
                {
                    n = llistxattr(pp, h, (nuint)heap.Length);
                }
            }

            if (n < 0)
            {
                var e = Errno;
                if (e is FileSystemException.EOPNOTSUPP)
                {
                    return;
                }

                throw Fail("listxattr", path, e);
            }

            var list = heap is null ? new ReadOnlySpan<byte>(stack, (int)n) : heap.AsSpan(0, (int)n);
            while (list.Length > 0)
            {
                var z = list.IndexOf((byte)0);
                if (z < 0)
                {
                    z = list.Length;
                }

                if (z > 0)
                {
                    names.Add(Encoding.UTF8.GetString(list[..z]));
                }

                list = list[Math.Min(list.Length, z + 1)..];
            }
        }
    }

    public byte[]? GetXattr(ReadOnlySpan<byte> path, string name)
    {
        Span<byte> p = stackalloc byte[MaxPath];
        Terminate(path, p);
        Span<byte> nm = stackalloc byte[512];
        Terminate(Encoding.UTF8.GetBytes(name), nm);
        var stack = stackalloc byte[4096];
        fixed (byte* pp = p, np = nm)
        {
            var n = lgetxattr(pp, np, stack, 4096);
            if (n >= 0)
            {
                return new ReadOnlySpan<byte>(stack, (int)n).ToArray();
            }

            var e = Errno;
            if (e == 34)
            {
                var size = lgetxattr(pp, np, null, 0);
                var heap = new byte[Math.Max(0, (int)size)];
                fixed (byte* h = heap)
                {
                    n = lgetxattr(pp, np, h, (nuint)heap.Length);
                }

                if (n >= 0)
                {
                    return heap.AsSpan(0, (int)n).ToArray();
                }

                e = Errno;
            }

            if (e is FileSystemException.ENODATA or FileSystemException.EOPNOTSUPP)
            {
                return null;
            }

            throw Fail($"getxattr {name}", path, e);
        }
    }

    public void SetXattr(ReadOnlySpan<byte> path, string name, ReadOnlySpan<byte> value)
    {
        Span<byte> p = stackalloc byte[MaxPath];
        Terminate(path, p);
        Span<byte> nm = stackalloc byte[512];
        Terminate(Encoding.UTF8.GetBytes(name), nm);
        fixed (byte* pp = p, np = nm, vp = value)
        {
            byte dummy = 0;
            if (lsetxattr(pp, np, vp == null ? &dummy : vp, (nuint)value.Length, 0) != 0)
            {
                throw Fail($"setxattr {name}", path, Errno);
            }
        }
    }

    public void RemoveXattr(ReadOnlySpan<byte> path, string name)
    {
        Span<byte> p = stackalloc byte[MaxPath];
        Terminate(path, p);
        Span<byte> nm = stackalloc byte[512];
        Terminate(Encoding.UTF8.GetBytes(name), nm);
        fixed (byte* pp = p, np = nm)
        {
            if (lremovexattr(pp, np) != 0 && Errno != FileSystemException.ENODATA)
            {
                throw Fail($"removexattr {name}", path, Errno);
            }
        }
    }
}
