using Mkcdrec.Core.Platform;

namespace Mkcdrec.Core.Destinations.Sftp;

/// <summary>
/// A volume streamed to an SFTP server: written as NAME.partial in pieces as large as the server takes (255 KiB for
/// OpenSSH, <see cref="SftpLimits"/>) with up to <see cref="Window"/> writes in flight, then synced, closed and renamed
/// over NAME on Commit, so NAME exists only complete. Abandoned (Dispose without Commit): the partial file is removed.
/// </summary>
/// <remarks>
/// The window (16 MiB of OpenSSH's pieces) is far more than ssh's channel window and the pipes hold (about 2 MiB), so
/// a write blocks on ssh taking the bytes, not on a round trip; the statuses are read as the window moves, and a
/// failed one surfaces at the Write or Commit that reads it.
/// </remarks>
public sealed class SftpUploadFile : IOutputFile
{
    public const string PartialSuffix = ".partial";
    private const int Window = 64;

    private readonly SftpSession _session;
    private readonly string _partial;
    private readonly Queue<uint> _inFlight = new();
    private readonly byte[] _packet;
    private readonly int _piece;
    private byte[]? _handle;
    private ulong _offset;
    private bool _done;

    public SftpUploadFile(SftpSession session, string path)
    {
        _session = session;
        ServerPath = path;
        _partial = path + PartialSuffix;
        var slash = path.LastIndexOf('/');
        if (slash > 0)
        {
            SftpFiles.MakeDirectories(session, path[..slash]);
        }

        _handle = SftpFiles.Open(session, _partial, SftpCodes.OpenWrite | SftpCodes.OpenCreate | SftpCodes.OpenTruncate);
        _piece = session.Limits.MaxWrite;
        _packet = new byte[SftpWritePacket.HeaderLength(_handle.Length) + _piece]; // every piece is framed in this one buffer
    }

    public string ServerPath { get; }

    public string Path => $"sftp://{_session.Display}{(ServerPath.StartsWith('/') ? "" : "/~/")}{ServerPath}";

    public bool BypassesPageCache => false;

    public void Write(ReadOnlySpan<byte> data)
    {
        ObjectDisposedException.ThrowIf(_done, this);
        lock (_session.Lock)
        {
            while (data.Length > 0)
            {
                var n = Math.Min(_piece, data.Length);
                var id = _session.NextId();
                var head = SftpWritePacket.WriteHeader(_packet, id, _handle, _offset, n);
                data[..n].CopyTo(_packet.AsSpan(head));
                _session.SendPacket(_packet.AsSpan(0, head + n));
                _inFlight.Enqueue(id);
                _offset += (ulong)n;
                data = data[n..];
                while (_inFlight.Count > Window)
                {
                    _session.ExpectStatus(_inFlight.Dequeue(), "writing", _partial);
                }
            }
        }
    }

    public void Commit()
    {
        ObjectDisposedException.ThrowIf(_done, this);
        lock (_session.Lock)
        {
            Drain();
            SftpFiles.Fsync(_session, _handle!, _partial);
            var h = _handle!;
            _handle = null;
            SftpFiles.Close(_session, h, _partial);
            SftpFiles.Rename(_session, _partial, ServerPath);
        }

        _done = true;
    }

    public void Dispose()
    {
        if (_done)
        {
            return;
        }

        _done = true;
        try
        {
            lock (_session.Lock)
            {
                Forget();
                if (_handle is { } h)
                {
                    _handle = null;
                    SftpFiles.Close(_session, h, _partial);
                }

                SftpFiles.Remove(_session, _partial);
            }
        }
        catch (MkcdrecException)
        {
            // the connection is gone: the next run removes NAME.partial with the rest of the interrupted backup
        }
    }

    private void Drain()
    {
        while (_inFlight.Count > 0)
        {
            _session.ExpectStatus(_inFlight.Dequeue(), "writing", _partial);
        }
    }

    /// <summary>Reads the answers still due without looking at them: the upload is abandoned (a failed write is why,
    /// often), and its partial file is removed next; only a lost connection throws.</summary>
    private void Forget()
    {
        while (_inFlight.Count > 0)
        {
            _session.Receive(_inFlight.Dequeue());
        }
    }
}
