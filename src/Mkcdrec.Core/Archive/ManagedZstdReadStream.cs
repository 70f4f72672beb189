using ZstdSharp;

namespace Mkcdrec.Core.Archive;

/// <summary>
/// ZstdSharp's decompressor (used where libzstd is missing) with the native stage's errors: a truncated or damaged
/// stream is an <see cref="InvalidDataException"/> saying so, not ZstdSharp's EndOfStreamException or ZstdException.
/// </summary>
public sealed class ManagedZstdReadStream(Stream input) : Stream
{
    private readonly DecompressionStream _inner = new(input, 4 << 20, checkEndOfStream: true, leaveOpen: true);

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        try
        {
            return _inner.Read(buffer);
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException("the zstd stream ends in the middle of a frame: the last volume is incomplete.", e);
        }
        catch (ZstdException e)
        {
            throw new InvalidDataException($"the zstd stream is damaged: {e.Message}", e);
        }
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _inner.Dispose();
        }

        base.Dispose(disposing);
    }
}
