namespace Mkcdrec.Formats.Tests.Partitioning;

/// <summary>An in-memory stream of any length that stores only the 4 KiB blocks written to (reads elsewhere return zeros).</summary>
public sealed class SparseStream : Stream
{
    private const int BlockSize = 4096;
    private readonly Dictionary<long, byte[]> _blocks = [];
    private long _length;

    public SparseStream(long length) => _length = length;

    public override bool CanRead => true;
    public override bool CanSeek => true;
    public override bool CanWrite => true;
    public override long Length => _length;
    public override long Position { get; set; }

    /// <summary>Number of bytes actually written (for "wrote nothing" assertions).</summary>
    public long BytesWritten { get; private set; }

    public override void Flush()
    {
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        int n = (int)Math.Max(0, Math.Min(buffer.Length, _length - Position));
        for (int done = 0; done < n;)
        {
            long block = (Position + done) / BlockSize;
            int inBlock = (int)((Position + done) % BlockSize);
            int chunk = Math.Min(n - done, BlockSize - inBlock);
            if (_blocks.TryGetValue(block, out var data))
            {
                data.AsSpan(inBlock, chunk).CopyTo(buffer[done..]);
            }
            else
            {
                buffer.Slice(done, chunk).Clear();
            }

            done += chunk;
        }

        Position += n;
        return n;
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        for (int done = 0; done < buffer.Length;)
        {
            long block = (Position + done) / BlockSize;
            int inBlock = (int)((Position + done) % BlockSize);
            int chunk = Math.Min(buffer.Length - done, BlockSize - inBlock);
            if (!_blocks.TryGetValue(block, out var data))
            {
                _blocks[block] = data = new byte[BlockSize];
            }

            buffer.Slice(done, chunk).CopyTo(data.AsSpan(inBlock));
            done += chunk;
        }

        Position += buffer.Length;
        BytesWritten += buffer.Length;
        _length = Math.Max(_length, Position);
    }

    public override long Seek(long offset, SeekOrigin origin) => Position = origin switch
    {
        SeekOrigin.Begin => offset,
        SeekOrigin.Current => Position + offset,
        _ => _length + offset,
    };

    public override void SetLength(long value) => _length = value;

    /// <summary>Flips one bit of the byte at <paramref name="offset"/> (to corrupt a table on purpose).</summary>
    public void FlipBit(long offset, int bit = 0)
    {
        var b = new byte[1];
        Position = offset;
        ReadExactly(b);
        b[0] ^= (byte)(1 << bit);
        Position = offset;
        Write(b);
    }

    public byte[] ReadAt(long offset, int count)
    {
        var b = new byte[count];
        Position = offset;
        ReadExactly(b);
        return b;
    }

    public void WriteAt(long offset, ReadOnlySpan<byte> data)
    {
        Position = offset;
        Write(data);
    }

    /// <summary>Copies the stored blocks into a sparse file of the same length.</summary>
    public void SaveSparse(string path)
    {
        using var f = new FileStream(path, FileMode.Create, FileAccess.Write);
        f.SetLength(_length);
        foreach (var (block, data) in _blocks)
        {
            long offset = block * BlockSize;
            int n = (int)Math.Min(BlockSize, _length - offset);
            f.Position = offset;
            f.Write(data, 0, n);
        }
    }
}
