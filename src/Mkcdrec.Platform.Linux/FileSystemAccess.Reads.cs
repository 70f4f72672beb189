using Mkcdrec.Core.Platform;

namespace Mkcdrec.Platform.Linux;

public sealed unsafe partial class FileSystemAccess
{
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

    public void Close(int fd) => close(fd);
}
