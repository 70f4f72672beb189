using System.Runtime.InteropServices;
using System.Text;
using Mkcdrec.Core.Platform;

namespace Mkcdrec.Platform.Linux;

/// <summary>
/// An <see cref="IOutputFile"/> written with O_DIRECT: whole aligned blocks go from our buffer to the device without the
/// kernel copying them into the page cache (in a VM that copy costs about as much CPU as zstd -3 spends compressing
/// the same bytes). Where the file system refuses O_DIRECT (tmpfs before Linux 6.6, some FUSE file systems), or a write
/// does not meet its alignment (the tail that is not a whole block, at <see cref="Commit"/>), the file simply continues
/// through the page cache (<see cref="FileSystemAccess.WriteAll"/> switches by itself): same bytes, same durability.
/// </summary>
internal sealed unsafe class DirectOutputFile : IOutputFile
{
    /// <summary>Buffer alignment and the unit of direct writes: the largest logical block size in common use.</summary>
    internal const int Alignment = 4096;

    private const int BufferSize = 4 << 20;
    private const int EINTR = 4;

    private readonly FileSystemAccess _fs;
    private readonly int _fd;
    private byte* _buffer;
    private int _length;

    public DirectOutputFile(FileSystemAccess fs, string path)
    {
        _fs = fs;
        Path = path;
        var p = Encoding.UTF8.GetBytes(path + "\0");
        const int flags = OpenFlags.WrOnly | OpenFlags.Creat | OpenFlags.Trunc | OpenFlags.CloExec;
        fixed (byte* pp = p)
        {
            _fd = FileSystemAccess.open(pp, flags | OpenFlags.Direct, 438); // 0666 & umask, as FileStream
            if (_fd < 0 && FileSystemAccess.Errno == FileSystemException.EINVAL)
            {
                _fd = FileSystemAccess.open(pp, flags, 438); // the file system has no O_DIRECT
            }

            if (_fd < 0)
            {
                throw FileSystemAccess.Fail("create", p.AsSpan(0, p.Length - 1), FileSystemAccess.Errno);
            }
        }

        _buffer = (byte*)NativeMemory.AlignedAlloc(BufferSize, Alignment);
    }

    public string Path { get; }

    public bool BypassesPageCache => FileSystemAccess.IsDirect(_fd);

    public void Write(ReadOnlySpan<byte> data)
    {
        ObjectDisposedException.ThrowIf(_buffer == null, this);
        fixed (byte* p = data)
        {
            if (_length == 0 && (nuint)p % Alignment == 0 && data.Length >= Alignment)
            {
                // The caller's memory is aligned too (the volume writer's blocks are): its whole blocks go out as they are.
                var whole = data.Length & ~(Alignment - 1);
                WriteOut(data[..whole]);
                data = data[whole..];
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
                WriteOut(new ReadOnlySpan<byte>(_buffer, BufferSize));
                _length = 0;
            }
        }
    }

    public void Commit()
    {
        ObjectDisposedException.ThrowIf(_buffer == null, this);
        var whole = _length & ~(Alignment - 1);
        WriteOut(new ReadOnlySpan<byte>(_buffer, whole));
        WriteOut(new ReadOnlySpan<byte>(_buffer + whole, _length - whole)); // not a whole block: through the cache
        _length = 0;
        while (FileSystemAccess.fsync(_fd) != 0)
        {
            var errno = FileSystemAccess.Errno;
            if (errno != EINTR)
            {
                throw FileSystemAccess.Fail("fsync", Encoding.UTF8.GetBytes(Path), errno);
            }
        }
    }

    private void WriteOut(ReadOnlySpan<byte> data)
    {
        try
        {
            _fs.WriteAll(_fd, data);
        }
        catch (FileSystemException e)
        {
            throw new FileSystemException($"{e.Message} ('{Path}')", e.Errno);
        }
    }

    public void Dispose()
    {
        if (_buffer == null)
        {
            return;
        }

        FileSystemAccess.close(_fd);
        NativeMemory.AlignedFree(_buffer);
        _buffer = null;
    }
}
