using System.Runtime.InteropServices;
using System.Text;
using Mkcdrec.Core.Platform;

namespace Mkcdrec.Platform.Linux;

/// <summary>
/// An <see cref="IOutputFile"/> written with O_DIRECT: whole aligned blocks go from our buffer to the device without the
/// kernel copying them into the page cache (in a VM that copy costs about as much CPU as zstd -3 spends compressing
/// the same bytes). The tail that is not a whole block is written through the page cache at <see cref="Commit"/>.
/// Where the file system refuses O_DIRECT (tmpfs before Linux 6.6, some FUSE file systems), or a write does not meet its
/// alignment, the file simply continues through the page cache: same bytes, same durability.
/// </summary>
internal sealed unsafe partial class DirectOutputFile : IOutputFile
{
    /// <summary>Buffer alignment and the unit of direct writes: the largest logical block size in common use.</summary>
    internal const int Alignment = 4096;

    private const int BufferSize = 4 << 20;
    private const int F_GETFL = 3, F_SETFL = 4, EINTR = 4;

    private readonly int _fd;
    private byte* _buffer;
    private int _length;

    [LibraryImport("libc", SetLastError = true)]
    private static partial int open(byte* path, int flags, uint mode);

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint write(int fd, byte* buf, nuint count);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int fcntl(int fd, int cmd, int arg);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int fsync(int fd);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int close(int fd);

    public DirectOutputFile(string path)
    {
        Path = path;
        var p = Encoding.UTF8.GetBytes(path + "\0");
        const int flags = OpenFlags.WrOnly | OpenFlags.Creat | OpenFlags.Trunc | OpenFlags.CloExec;
        fixed (byte* pp = p)
        {
            _fd = open(pp, flags | OpenFlags.Direct, 438); // 0666 & umask, as FileStream
            IsDirect = _fd >= 0;
            if (_fd < 0 && FileSystemAccess.Errno == FileSystemException.EINVAL)
            {
                _fd = open(pp, flags, 438); // the file system has no O_DIRECT
            }

            if (_fd < 0)
            {
                throw FileSystemAccess.Fail("create", p.AsSpan(0, p.Length - 1), FileSystemAccess.Errno);
            }
        }

        _buffer = (byte*)NativeMemory.AlignedAlloc(BufferSize, Alignment);
    }

    public string Path { get; }

    public bool BypassesPageCache => IsDirect;

    private bool IsDirect { get; set; }

    public void Write(ReadOnlySpan<byte> data)
    {
        ObjectDisposedException.ThrowIf(_buffer == null, this);
        if (_length == 0 && IsDirect && data.Length >= Alignment)
        {
            // The caller's memory is aligned too (the volume writer's blocks are): its whole blocks go out as they are.
            fixed (byte* p = data)
            {
                if ((nuint)p % Alignment == 0)
                {
                    var whole = data.Length & ~(Alignment - 1);
                    WriteOut(p, whole);
                    data = data[whole..];
                }
            }
        }

        while (data.Length > 0)
        {
            var n = Math.Min(data.Length, BufferSize - _length);
            data[..n].CopyTo(new Span<byte>(_buffer + _length, n));
            _length += n;
            data = data[n..];
            if (_length == BufferSize)
            {
                WriteOut(_buffer, BufferSize);
                _length = 0;
            }
        }
    }

    public void Commit()
    {
        ObjectDisposedException.ThrowIf(_buffer == null, this);
        var whole = _length & ~(Alignment - 1);
        if (whole > 0)
        {
            WriteOut(_buffer, whole);
        }

        if (_length > whole)
        {
            StopDirect(); // O_DIRECT writes whole blocks only
            WriteOut(_buffer + whole, _length - whole);
        }

        _length = 0;
        while (fsync(_fd) != 0)
        {
            if (FileSystemAccess.Errno != EINTR)
            {
                throw Failure("fsync", FileSystemAccess.Errno);
            }
        }
    }

    private void WriteOut(byte* data, int count)
    {
        while (count > 0)
        {
            var n = write(_fd, data, (nuint)count);
            if (n < 0)
            {
                var errno = FileSystemAccess.Errno;
                if (errno == EINTR)
                {
                    continue;
                }

                if (errno == FileSystemException.EINVAL && IsDirect)
                {
                    StopDirect(); // alignment this device does not take (or a short write left us unaligned)
                    continue;
                }

                throw Failure("write", errno);
            }

            if (n == 0)
            {
                throw Failure("write", 28); // ENOSPC: a regular file that takes no bytes
            }

            data += n;
            count -= (int)n;
        }
    }

    private void StopDirect()
    {
        if (!IsDirect)
        {
            return;
        }

        var fl = fcntl(_fd, F_GETFL, 0);
        if (fl < 0 || fcntl(_fd, F_SETFL, fl & ~OpenFlags.Direct) < 0)
        {
            throw Failure("fcntl", FileSystemAccess.Errno);
        }

        IsDirect = false;
    }

    private FileSystemException Failure(string op, int errno) => FileSystemAccess.Fail(op, Encoding.UTF8.GetBytes(Path), errno);

    public void Dispose()
    {
        if (_buffer == null)
        {
            return;
        }

        close(_fd);
        NativeMemory.AlignedFree(_buffer);
        _buffer = null;
    }
}
