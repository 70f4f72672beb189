using Mkcdrec.Core.Platform;

namespace Mkcdrec.Platform.Linux;

public sealed unsafe partial class FileSystemAccess
{
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

    public void Truncate(int fd, long size)
    {
        if (ftruncate(fd, size) != 0)
        {
            throw new FileSystemException($"ftruncate: {ErrorText(Errno)}", Errno);
        }
    }

    public IOutputFile CreateOutputFile(string path) => new DirectOutputFile(this, path);
}
