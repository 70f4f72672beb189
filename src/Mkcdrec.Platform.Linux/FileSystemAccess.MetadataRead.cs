using System.Buffers.Binary;
using Mkcdrec.Core.Platform;

namespace Mkcdrec.Platform.Linux;

public sealed unsafe partial class FileSystemAccess
{
    private static void DecodeStatx(byte* b, out FileStatus s)
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

        DecodeStatx(buf, out status);
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

        DecodeStatx(buf, out var s);
        return s;
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
}
