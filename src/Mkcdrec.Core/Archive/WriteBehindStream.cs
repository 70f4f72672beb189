using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;
using Mkcdrec.Formats.Tar;

namespace Mkcdrec.Core.Archive;

/// <summary>
/// The write side of <see cref="ReadAheadStream"/>: collects writes into a few large buffers and hands them to
/// <c>target</c> on a background thread, so the producer's work (walking the tree, reading and hashing files, formatting
/// tar) runs in parallel with the target's (feeding the compressor, which blocks while its workers are busy), like the
/// two ends of <c>tar | zstd</c>. <see cref="Complete"/> must be called to write the rest; an error of the target is
/// raised by the next <see cref="Write(ReadOnlySpan{byte})"/> or by <see cref="Complete"/>.
/// </summary>
public sealed class WriteBehindStream : Stream, IBufferExchange
{
    private readonly Stream _target;
    private readonly BlockingCollection<(byte[] Buf, int Len)> _queue;
    private readonly BlockingCollection<byte[]> _free;
    private readonly Thread _thread;
    private readonly CancellationTokenSource _cancel = new();
    private byte[] _cur;
    private int _len;
    private volatile Exception? _error;
    private bool _done;

    public WriteBehindStream(Stream target, int bufferSize = 1 << 20, int buffers = 4)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(buffers, 2);
        _target = target;
        _queue = new BlockingCollection<(byte[], int)>(buffers);
        _free = new BlockingCollection<byte[]>(buffers + 1);
        for (var i = 0; i < buffers; i++)
        {
            _free.Add(new byte[bufferSize]);
        }

        _cur = new byte[bufferSize];
        _thread = new Thread(Run) { IsBackground = true, Name = "mkcdrec write-behind" };
        _thread.Start();
    }

    private void Run()
    {
        try
        {
            foreach (var (buf, len) in _queue.GetConsumingEnumerable(_cancel.Token))
            {
                _target.Write(buf, 0, len);
                _free.Add(buf);
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception e)
        {
            _error = e;
            _cancel.Cancel(); // wakes a producer waiting for room or a buffer: it raises the error
        }
    }

    private void ThrowIfFailed()
    {
        if (_error is { } e)
        {
            ExceptionDispatchInfo.Capture(e).Throw();
        }
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> data)
    {
        ObjectDisposedException.ThrowIf(_done, this);
        while (data.Length > 0)
        {
            var k = Math.Min(data.Length, _cur.Length - _len);
            data[..k].CopyTo(_cur.AsSpan(_len));
            _len += k;
            data = data[k..];
            if (_len == _cur.Length)
            {
                Hand();
            }
        }
    }

    /// <summary>
    /// Queues <paramref name="full"/> itself (no copy) when nothing is buffered and it has this stream's buffer size, and
    /// returns a free buffer; otherwise copies it like <see cref="Write(ReadOnlySpan{byte})"/> and gives it back.
    /// </summary>
    public byte[] Exchange(byte[] full, int length)
    {
        ObjectDisposedException.ThrowIf(_done, this);
        if (_len > 0 || full.Length != _cur.Length)
        {
            Write(full.AsSpan(0, length));
            return full;
        }

        var free = _cur;
        _cur = full;
        _len = length;
        Hand(); // queues full, takes a free buffer into _cur
        var next = _cur;
        _cur = free;
        return next;
    }

    /// <summary>Queues the current buffer and takes a free one (waits while the target is behind).</summary>
    private void Hand()
    {
        ThrowIfFailed();
        try
        {
            _queue.Add((_cur, _len), _cancel.Token);
            _len = 0;
            _cur = _free.Take(_cancel.Token);
        }
        catch (OperationCanceledException)
        {
            ThrowIfFailed();
            throw new ObjectDisposedException(nameof(WriteBehindStream), "the write-behind stream was aborted");
        }
    }

    /// <summary>Writes what is buffered, waits until the target has all of it, and raises the target's error if any.</summary>
    public void Complete()
    {
        if (_done)
        {
            ThrowIfFailed();
            return;
        }

        if (_len > 0 && _error is null)
        {
            try
            {
                _queue.Add((_cur, _len), _cancel.Token);
            }
            catch (OperationCanceledException)
            {
            }

            _len = 0;
        }

        _done = true;
        _queue.CompleteAdding();
        _thread.Join();
        ThrowIfFailed();
    }

    /// <summary>Stops the background thread without writing the rest (after a failure of the producer).</summary>
    public void Abort()
    {
        if (!_done)
        {
            _done = true;
            _cancel.Cancel();
            _queue.CompleteAdding();
            _thread.Join();
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            Abort();
            _cancel.Dispose();
            _queue.Dispose();
            _free.Dispose();
        }

        base.Dispose(disposing);
    }

    public override void Flush()
    {
    }

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}
