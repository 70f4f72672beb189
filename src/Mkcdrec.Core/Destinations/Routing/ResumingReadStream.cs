using System.Net.Http;

namespace Mkcdrec.Core.Destinations.Routing;

/// <summary>
/// A stored file read front to back that survives a broken transfer: the read that failed is asked again from the byte
/// where it stopped (an S3 range GET, an SFTP read at that offset), a few times with growing pauses, so a network
/// hiccup in the middle of an hours-long restore costs seconds, not the recovery. When the connection itself ended (ssh
/// gone), the store opens a new one for the next try.
/// </summary>
internal sealed class ResumingReadStream(IBackupStore store, string name, long size, Action<string> warn, TimeSpan pause, int attempts = 4) : Stream
{
    private Stream? _inner;
    private long _position;

    /// <summary>How often the transfer was taken up again after a break.</summary>
    public int Resumed { get; private set; }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                if (_inner is null && attempt == 1 && store.ConnectionBroken)
                {
                    // It ended between two files (no read broke off): the open connects anew, which the log should say.
                    warn($"the connection to {store.Display} had ended; connecting anew to read {name} from byte {_position}");
                }

                _inner ??= store.OpenRead(name, _position);
                var n = _inner.Read(buffer);
                if (n == 0 && _position < size && buffer.Length > 0)
                {
                    throw new IOException($"the transfer ended at byte {_position} of {size}");
                }

                _position += n;
                return n;
            }
            catch (Exception e) when (Resumable(e) && attempt < attempts)
            {
                warn($"reading {name} from {store.Display} broke off at byte {_position} ({e.Message}); taking it up again there ({attempt + 1} of {attempts})");
                _inner?.Dispose();
                _inner = null;
                Resumed++;
                Thread.Sleep(pause * (1 << attempt));
            }
            catch (Exception e) when (e is IOException or HttpRequestException)
            {
                throw new MkcdrecException(ExitCode.Environment, $"Reading {name} from {store.Display} broke off at byte {_position} of {size}, {attempts} times: {e.Message}",
                    "Check the network and the server, then run the command again (or fetch the backup first with mkcdrec fetch URL --spool DIR, which keeps what it got).", e);
            }
        }
    }

    /// <summary>A broken transfer, or a connection that ended (ssh's explained error: the store connects anew).</summary>
    private bool Resumable(Exception e) => e is IOException or HttpRequestException || (e is MkcdrecException && store.ConnectionBroken);

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _inner?.Dispose();
        }

        base.Dispose(disposing);
    }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => size;

    public override long Position { get => _position; set => throw new NotSupportedException(); }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
