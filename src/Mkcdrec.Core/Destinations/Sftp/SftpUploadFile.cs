using Mkcdrec.Core.Platform;

namespace Mkcdrec.Core.Destinations.Sftp;

/// <summary>
/// A volume streamed to an SFTP server: written as NAME.partial with up to <see cref="Window"/> writes in flight (the
/// round trips overlap, as OpenSSH's sftp does), then synced, closed and renamed over NAME on Commit, so NAME exists
/// only complete. Abandoned (Dispose without Commit): the partial file is removed.
/// </summary>
public sealed class SftpUploadFile : IOutputFile
{
    public const string PartialSuffix = ".partial";
    private const int Piece = 64 * 1024;
    private const int Window = 64;

    private readonly SftpSession _session;
    private readonly string _partial;
    private readonly Queue<uint> _inFlight = new();
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
                var n = Math.Min(Piece, data.Length);
                var id = _session.NextId();
                _session.SendPacket(new SftpPacketWriter(SftpType.Write, id).Bytes(_handle).U64(_offset).Bytes(data[..n]).ToArray());
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
                Drain();
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
}
