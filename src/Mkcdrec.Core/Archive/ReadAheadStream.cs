using System.Buffers;
using System.Collections.Concurrent;

namespace Mkcdrec.Core.Archive;

/// <summary>
/// Reads its source on a background thread into a few large buffers, so the source's work (decompression,
/// decryption, chunk checks) runs in parallel with the consumer's (creating files), like the two ends of a pipe.
/// The buffers come from the shared pool and go back to it: a chain restore opens one such stream per link.
/// </summary>
public sealed class ReadAheadStream : Stream
{
    private readonly Stream _source;
    private readonly BlockingCollection<(byte[] Buf, int Len, Exception? Error)> _queue;
    private readonly ConcurrentBag<byte[]> _free = [];
    private readonly Thread _thread;
    private readonly CancellationTokenSource _cancel = new();
    private readonly int _bufferSize;
    private byte[]? _cur;
    private int _pos;
    private int _len;
    private bool _eof;

    public ReadAheadStream(Stream source, int bufferSize = 1 << 20, int buffers = 8)
    {
        _source = source;
        _bufferSize = bufferSize;
        _queue = new BlockingCollection<(byte[], int, Exception?)>(buffers);
        _thread = new Thread(Run) { IsBackground = true, Name = "mkcdrec read-ahead" };
        _thread.Start();
    }

    private void Run()
    {
        try
        {
            while (!_cancel.IsCancellationRequested)
            {
                var buf = _free.TryTake(out var b) ? b : ArrayPool<byte>.Shared.Rent(_bufferSize);
                var len = 0;
                while (len < buf.Length)
                {
                    var n = _source.Read(buf, len, buf.Length - len);
                    if (n == 0)
                    {
                        break;
                    }

                    len += n;
                }

                _queue.Add((buf, len, null), _cancel.Token);
                if (len == 0)
                {
                    return;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception e)
        {
            if (e is System.Security.Cryptography.CryptographicException)
            {
                e = new InvalidDataException($"the encrypted stream does not decrypt properly ({e.Message}): the last volume is damaged or incomplete, or the passphrase is wrong.", e);
            }
            else if (e is ZstdSharp.ZstdException)
            {
                e = new InvalidDataException($"the zstd stream is damaged: {e.Message}", e);
            }

            try
            {
                _queue.Add(([], 0, e), _cancel.Token);
            }
            catch (OperationCanceledException)
            {
            }
        }
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (_pos == _len)
        {
            if (_eof)
            {
                return 0;
            }

            if (_cur is not null)
            {
                _free.Add(_cur);
            }

            var (buf, len, error) = _queue.Take();
            if (error is not null)
            {
                _eof = true;
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(error).Throw();
            }

            _cur = buf;
            _pos = 0;
            _len = len;
            if (len == 0)
            {
                _eof = true;
                return 0;
            }
        }

        var k = Math.Min(buffer.Length, _len - _pos);
        _cur.AsSpan(_pos, k).CopyTo(buffer);
        _pos += k;
        return k;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _cancel.Cancel();
            _thread.Join();
            _cancel.Dispose();
            ReturnBuffers();
        }

        base.Dispose(disposing);
    }

    /// <summary>Once the reading thread has ended: every buffer it filled or the reader freed goes back to the pool.</summary>
    private void ReturnBuffers()
    {
        var buffers = _free.ToList();
        while (_queue.TryTake(out var queued))
        {
            buffers.Add(queued.Buf);
        }

        if (_cur is not null)
        {
            buffers.Add(_cur);
            _cur = null;
        }

        _free.Clear();
        foreach (var buf in buffers.Where(b => b.Length > 0).Distinct())
        {
            ArrayPool<byte>.Shared.Return(buf);
        }
    }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
