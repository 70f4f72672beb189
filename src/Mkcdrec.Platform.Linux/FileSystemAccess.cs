using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using Mkcdrec.Core.Platform;

namespace Mkcdrec.Platform.Linux;

/// <summary>
/// <see cref="IFileSystemAccess"/> over glibc with source-generated P/Invoke. statx gives an architecture-independent
/// layout; paths are copied into a NUL-terminated stack buffer (no allocation per call).
/// </summary>
public sealed unsafe partial class FileSystemAccess : IFileSystemAccess
{
    private const int AT_FDCWD = -100;
    private const int AT_SYMLINK_NOFOLLOW = 0x100;
    private const int AT_EMPTY_PATH = 0x1000;
    private const uint STATX_BASIC_STATS = 0x7FF;
    private const int SEEK_DATA = 3, SEEK_HOLE = 4;
    private const int MaxPath = 4096;

    private Dictionary<uint, string?>? _users;
    private Dictionary<uint, string?>? _groups;
    private bool _noAtime = true;

    [LibraryImport("libc", SetLastError = true)]
    private static partial int statx(int dirfd, byte* path, int flags, uint mask, byte* buf);

    [LibraryImport("libc", SetLastError = true)]
    internal static partial int open(byte* path, int flags, uint mode);

    [LibraryImport("libc", SetLastError = true)]
    internal static partial int close(int fd);

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint read(int fd, byte* buf, nuint count);

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint pread(int fd, byte* buf, nuint count, long offset);

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint write(int fd, byte* buf, nuint count);

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint pwrite(int fd, byte* buf, nuint count, long offset);

    [LibraryImport("libc", SetLastError = true)]
    private static partial long lseek(int fd, long offset, int whence);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int ftruncate(int fd, long length);

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint opendir(byte* path);

    [LibraryImport("libc", SetLastError = true)]
    private static partial byte* readdir64(nint dir);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int closedir(nint dir);

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint readlink(byte* path, byte* buf, nuint size);

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint llistxattr(byte* path, byte* list, nuint size);

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint lgetxattr(byte* path, byte* name, byte* value, nuint size);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int lsetxattr(byte* path, byte* name, byte* value, nuint size, int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int mkdir(byte* path, uint mode);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int mknod(byte* path, uint mode, ulong dev);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int mkfifo(byte* path, uint mode);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int symlink(byte* target, byte* path);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int link(byte* existing, byte* path);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int unlink(byte* path);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int rmdir(byte* path);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int lchown(byte* path, uint uid, uint gid);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int chmod(byte* path, uint mode);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int utimensat(int dirfd, byte* path, long* times, int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial byte* strerror(int errnum);

    internal static int Errno => Marshal.GetLastPInvokeError();

    private static string Show(ReadOnlySpan<byte> path) => Encoding.UTF8.GetString(path);

    internal static string ErrorText(int errno)
    {
        var p = strerror(errno);
        return p == null ? $"errno {errno}" : Marshal.PtrToStringUTF8((nint)p) ?? $"errno {errno}";
    }

    internal static FileSystemException Fail(string op, ReadOnlySpan<byte> path, int errno) =>
        new($"{op} '{Show(path)}': {ErrorText(errno)}", errno);

    /// <summary>Copies a path into a NUL-terminated buffer.</summary>
    private static void Terminate(ReadOnlySpan<byte> path, Span<byte> buf)
    {
        if (path.Length >= buf.Length)
        {
            throw new FileSystemException($"path '{Show(path)}' is longer than {MaxPath - 1} bytes", 36);
        }

        path.CopyTo(buf);
        buf[path.Length] = 0;
    }

    private static void Fill(byte* b, out FileStatus s)
    {
        var sp = new ReadOnlySpan<byte>(b, 256);
        s = default;
        s.Nlink = BinaryPrimitives.ReadUInt32LittleEndian(sp[16..]);
        s.Uid = BinaryPrimitives.ReadUInt32LittleEndian(sp[20..]);
        s.Gid = BinaryPrimitives.ReadUInt32LittleEndian(sp[24..]);
        s.Mode = BinaryPrimitives.ReadUInt16LittleEndian(sp[28..]);
        s.Inode = BinaryPrimitives.ReadUInt64LittleEndian(sp[32..]);
        s.Size = BinaryPrimitives.ReadInt64LittleEndian(sp[40..]);
        s.Blocks = BinaryPrimitives.ReadInt64LittleEndian(sp[48..]);
        s.CTimeSeconds = BinaryPrimitives.ReadInt64LittleEndian(sp[96..]);
        s.CTimeNanoseconds = BinaryPrimitives.ReadUInt32LittleEndian(sp[104..]);
        s.MTimeSeconds = BinaryPrimitives.ReadInt64LittleEndian(sp[112..]);
        s.MTimeNanoseconds = BinaryPrimitives.ReadUInt32LittleEndian(sp[120..]);
        s.RdevMajor = BinaryPrimitives.ReadUInt32LittleEndian(sp[128..]);
        s.RdevMinor = BinaryPrimitives.ReadUInt32LittleEndian(sp[132..]);
        s.DevMajor = BinaryPrimitives.ReadUInt32LittleEndian(sp[136..]);
        s.DevMinor = BinaryPrimitives.ReadUInt32LittleEndian(sp[140..]);
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("big-endian statx decoding is not implemented");
        }
    }

    public bool TryLStat(ReadOnlySpan<byte> path, out FileStatus status, out int errno)
    {
        Span<byte> p = stackalloc byte[MaxPath];
        Terminate(path, p);
        var buf = stackalloc byte[256];
        fixed (byte* pp = p)
        {
            if (statx(AT_FDCWD, pp, AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, buf) != 0)
            {
                errno = Errno;
                status = default;
                return false;
            }
        }

        Fill(buf, out status);
        errno = 0;
        return true;
    }

    public FileStatus FStat(int fd)
    {
        var buf = stackalloc byte[256];
        byte empty = 0;
        if (statx(fd, &empty, AT_EMPTY_PATH, STATX_BASIC_STATS, buf) != 0)
        {
            throw new FileSystemException($"fstat of descriptor {fd}: {ErrorText(Errno)}", Errno);
        }

        Fill(buf, out var s);
        return s;
    }

    public void ReadDirectory(ReadOnlySpan<byte> path, List<byte[]> names)
    {
        Span<byte> p = stackalloc byte[MaxPath];
        Terminate(path, p);
        nint dir;
        fixed (byte* pp = p)
        {
            dir = opendir(pp);
        }

        if (dir == 0)
        {
            throw Fail("opendir", path, Errno);
        }

        try
        {
            while (true)
            {
                Marshal.SetLastPInvokeError(0);
                var ent = readdir64(dir);
                if (ent == null)
                {
                    var e = Errno;
                    if (e != 0)
                    {
                        throw Fail("readdir", path, e);
                    }

                    break;
                }

                var name = MemoryMarshal.CreateReadOnlySpanFromNullTerminated(ent + 19);
                if (name.SequenceEqual("."u8) || name.SequenceEqual(".."u8))
                {
                    continue;
                }

                names.Add(name.ToArray());
            }
        }
        finally
        {
            closedir(dir);
        }
    }

    public byte[] ReadLink(ReadOnlySpan<byte> path)
    {
        Span<byte> p = stackalloc byte[MaxPath];
        Terminate(path, p);
        var buf = stackalloc byte[MaxPath];
        nint n;
        fixed (byte* pp = p)
        {
            n = readlink(pp, buf, MaxPath);
        }

        if (n < 0)
        {
            throw Fail("readlink", path, Errno);
        }

        return new ReadOnlySpan<byte>(buf, (int)n).ToArray();
    }

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

    public int OpenRead(ReadOnlySpan<byte> path)
    {
        Span<byte> p = stackalloc byte[MaxPath];
        Terminate(path, p);
        fixed (byte* pp = p)
        {
            if (_noAtime)
            {
                var fd = open(pp, OpenFlags.RdOnly | OpenFlags.NoFollow | OpenFlags.CloExec | OpenFlags.NoAtime, 0);
                if (fd >= 0)
                {
                    return fd;
                }

                if (Errno != FileSystemException.EPERM)
                {
                    throw Fail("open", path, Errno);
                }

                _noAtime = false; // not the owner and not root: O_NOATIME is refused
            }

            var fd2 = open(pp, OpenFlags.RdOnly | OpenFlags.NoFollow | OpenFlags.CloExec, 0);
            if (fd2 < 0)
            {
                throw Fail("open", path, Errno);
            }

            return fd2;
        }
    }

    public int CreateFile(ReadOnlySpan<byte> path, uint mode)
    {
        Span<byte> p = stackalloc byte[MaxPath];
        Terminate(path, p);
        fixed (byte* pp = p)
        {
            var fd = open(pp, OpenFlags.WrOnly | OpenFlags.Creat | OpenFlags.Excl | OpenFlags.NoFollow | OpenFlags.CloExec, mode);
            if (fd < 0)
            {
                throw Fail("create", path, Errno);
            }

            return fd;
        }
    }

    public int Read(int fd, Span<byte> buffer)
    {
        fixed (byte* b = buffer)
        {
            while (true)
            {
                var n = read(fd, b, (nuint)buffer.Length);
                if (n >= 0)
                {
                    return (int)n;
                }

                if (Errno != 4)
                {
                    throw new FileSystemException($"read: {ErrorText(Errno)}", Errno);
                }
            }
        }
    }

    public int PRead(int fd, Span<byte> buffer, long offset)
    {
        fixed (byte* b = buffer)
        {
            while (true)
            {
                var n = pread(fd, b, (nuint)buffer.Length, offset);
                if (n >= 0)
                {
                    return (int)n;
                }

                if (Errno != 4)
                {
                    throw new FileSystemException($"read: {ErrorText(Errno)}", Errno);
                }
            }
        }
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int fcntl(int fd, int cmd, int arg);

    private const int F_GETFL = 3, F_SETFL = 4;

    public bool TrySetDirect(int fd)
    {
        var fl = fcntl(fd, F_GETFL, 0);
        return fl >= 0 && fcntl(fd, F_SETFL, fl | OpenFlags.Direct) == 0;
    }

    /// <summary>Whether the open file is in direct I/O (O_DIRECT) now.</summary>
    internal static bool IsDirect(int fd) => fcntl(fd, F_GETFL, 0) is var fl && fl >= 0 && (fl & OpenFlags.Direct) != 0;

    /// <summary>EINVAL from a write: when the file is in direct I/O (the write was not aligned), turns that off and says so.</summary>
    private static bool LeftDirect(int fd)
    {
        var fl = fcntl(fd, F_GETFL, 0);
        return fl >= 0 && (fl & OpenFlags.Direct) != 0 && fcntl(fd, F_SETFL, fl & ~OpenFlags.Direct) == 0;
    }

    public void WriteAll(int fd, ReadOnlySpan<byte> data)
    {
        fixed (byte* b = data)
        {
            var done = 0;
            while (done < data.Length)
            {
                var n = write(fd, b + done, (nuint)(data.Length - done));
                if (n < 0)
                {
                    var errno = Errno;
                    if (errno == 4 || (errno == FileSystemException.EINVAL && LeftDirect(fd)))
                    {
                        continue;
                    }

                    throw new FileSystemException($"write: {ErrorText(errno)}", errno);
                }

                if (n == 0)
                {
                    throw new FileSystemException($"write: {ErrorText(28)}", 28); // ENOSPC: a regular file that takes no bytes
                }

                done += (int)n;
            }
        }
    }

    public void PWriteAll(int fd, ReadOnlySpan<byte> data, long offset)
    {
        fixed (byte* b = data)
        {
            var done = 0;
            while (done < data.Length)
            {
                var n = pwrite(fd, b + done, (nuint)(data.Length - done), offset + done);
                if (n < 0)
                {
                    if (Errno == 4)
                    {
                        continue;
                    }

                    throw new FileSystemException($"write: {ErrorText(Errno)}", Errno);
                }

                done += (int)n;
            }
        }
    }

    public long SeekData(int fd, long offset)
    {
        var r = lseek(fd, offset, SEEK_DATA);
        if (r < 0)
        {
            var e = Errno;
            if (e == FileSystemException.ENXIO)
            {
                return -1;
            }

            throw new FileSystemException($"lseek SEEK_DATA: {ErrorText(e)}", e);
        }

        return r;
    }

    public long SeekHole(int fd, long offset)
    {
        var r = lseek(fd, offset, SEEK_HOLE);
        if (r < 0)
        {
            throw new FileSystemException($"lseek SEEK_HOLE: {ErrorText(Errno)}", Errno);
        }

        return r;
    }

    public void Truncate(int fd, long size)
    {
        if (ftruncate(fd, size) != 0)
        {
            throw new FileSystemException($"ftruncate: {ErrorText(Errno)}", Errno);
        }
    }

    public void Close(int fd) => close(fd);

    [LibraryImport("libc", SetLastError = true)]
    internal static partial int fsync(int fd);

    public IOutputFile CreateOutputFile(string path) => new DirectOutputFile(this, path);

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

    [LibraryImport("libc", SetLastError = true)]
    private static partial int fchown(int fd, uint uid, uint gid);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int fchmod(int fd, uint mode);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int futimens(int fd, long* times);

    public void FChown(int fd, uint uid, uint gid)
    {
        if (fchown(fd, uid, gid) != 0)
        {
            throw new FileSystemException($"fchown: {ErrorText(Errno)}", Errno);
        }
    }

    public void FChmod(int fd, uint mode)
    {
        if (fchmod(fd, mode) != 0)
        {
            throw new FileSystemException($"fchmod: {ErrorText(Errno)}", Errno);
        }
    }

    public void FSetTimes(int fd, long seconds, uint nanoseconds)
    {
        var times = stackalloc long[4];
        times[0] = seconds;
        times[1] = nanoseconds;
        times[2] = seconds;
        times[3] = nanoseconds;
        if (futimens(fd, times) != 0)
        {
            throw new FileSystemException($"futimens: {ErrorText(Errno)}", Errno);
        }
    }

    private delegate int PathCall(byte* p);

    private static void Call1(string op, ReadOnlySpan<byte> path, PathCall call)
    {
        Span<byte> p = stackalloc byte[MaxPath];
        Terminate(path, p);
        fixed (byte* pp = p)
        {
            if (call(pp) != 0)
            {
                throw Fail(op, path, Errno);
            }
        }
    }

    public void MakeDirectory(ReadOnlySpan<byte> path, uint mode) => Call1("mkdir", path, p => mkdir(p, mode));

    public void MakeNode(ReadOnlySpan<byte> path, uint mode, uint major, uint minor)
    {
        // glibc's makedev encoding.
        var dev = ((ulong)(major & 0xFFFFF000) << 32) | ((ulong)(major & 0xFFF) << 8) | ((ulong)(minor & 0xFFFFFF00) << 12) | (minor & 0xFF);
        Call1("mknod", path, p => mknod(p, mode, dev));
    }

    public void MakeFifo(ReadOnlySpan<byte> path, uint mode) => Call1("mkfifo", path, p => mkfifo(p, mode));

    public void Symlink(ReadOnlySpan<byte> target, ReadOnlySpan<byte> path)
    {
        Span<byte> t = stackalloc byte[MaxPath];
        Terminate(target, t);
        fixed (byte* tp = t)
        {
            var tpp = tp;
            Call1("symlink", path, p => symlink(tpp, p));
        }
    }

    public void Link(ReadOnlySpan<byte> existing, ReadOnlySpan<byte> path)
    {
        Span<byte> t = stackalloc byte[MaxPath];
        Terminate(existing, t);
        fixed (byte* tp = t)
        {
            var tpp = tp;
            Call1("link", path, p => link(tpp, p));
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

    public void LChown(ReadOnlySpan<byte> path, uint uid, uint gid) => Call1("lchown", path, p => lchown(p, uid, gid));

    public void Chmod(ReadOnlySpan<byte> path, uint mode) => Call1("chmod", path, p => chmod(p, mode));

    public void SetTimes(ReadOnlySpan<byte> path, long seconds, uint nanoseconds)
    {
        var times = stackalloc long[4];
        times[0] = seconds;
        times[1] = nanoseconds;
        times[2] = seconds;
        times[3] = nanoseconds;
        var tp = times;
        Call1("utimensat", path, p => utimensat(AT_FDCWD, p, tp, AT_SYMLINK_NOFOLLOW));
    }

    public string? UserName(uint uid) => Lookup(ref _users, "/etc/passwd", uid);

    public string? GroupName(uint gid) => Lookup(ref _groups, "/etc/group", gid);

    public uint? UserId(string name) => Reverse(ref _users, "/etc/passwd", name);

    public uint? GroupId(string name) => Reverse(ref _groups, "/etc/group", name);

    private static Dictionary<uint, string?> Load(string file)
    {
        var d = new Dictionary<uint, string?>();
        try
        {
            foreach (var line in File.ReadLines(file))
            {
                var f = line.Split(':');
                if (f.Length >= 3 && uint.TryParse(f[2], out var id))
                {
                    d.TryAdd(id, f[0]);
                }
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        return d;
    }

    private static string? Lookup(ref Dictionary<uint, string?>? cache, string file, uint id)
    {
        cache ??= Load(file);
        return cache.TryGetValue(id, out var n) ? n : null;
    }

    private static uint? Reverse(ref Dictionary<uint, string?>? cache, string file, string name)
    {
        cache ??= Load(file);
        foreach (var (id, n) in cache)
        {
            if (n == name)
            {
                return id;
            }
        }

        return null;
    }
}
