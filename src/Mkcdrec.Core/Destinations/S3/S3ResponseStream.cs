using System.Buffers;

namespace Mkcdrec.Core.Destinations.S3;

/// <summary>
/// The body of a streamed GET; disposing it releases the response. HttpClient's timeout ends with the headers, and a
/// connection that stalls afterwards would block the restore for hours: a read that gets no byte within the timeout
/// fails as an IOException, which the reader takes up again from that byte (ResumingReadStream).
/// </summary>
internal sealed class S3ResponseStream(HttpResponseMessage response, TimeSpan readTimeout, string what) : Stream
{
    private readonly Stream _inner = response.Content.ReadAsStream();
    private CancellationTokenSource _deadline = new();

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => response.Content.Headers.ContentLength ?? throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => ReadWithin(buffer.AsMemory(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var rented = ArrayPool<byte>.Shared.Rent(Math.Min(buffer.Length, 1 << 20));
        try
        {
            var n = ReadWithin(rented.AsMemory(0, Math.Min(buffer.Length, rented.Length)));
            rented.AsSpan(0, n).CopyTo(buffer);
            return n;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private int ReadWithin(Memory<byte> buffer)
    {
        if (!_deadline.TryReset())
        {
            _deadline.Dispose();
            _deadline = new CancellationTokenSource();
        }

        _deadline.CancelAfter(readTimeout);
        try
        {
            var read = _inner.ReadAsync(buffer, _deadline.Token);
            return read.IsCompletedSuccessfully ? read.Result : read.AsTask().GetAwaiter().GetResult();
        }
        catch (OperationCanceledException) when (_deadline.IsCancellationRequested)
        {
            throw new IOException($"no byte of {what} came for {readTimeout.TotalSeconds:0.#} s");
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
            response.Dispose();
            _deadline.Dispose();
        }

        base.Dispose(disposing);
    }
}
