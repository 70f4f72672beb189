namespace Mkcdrec.Core.Destinations.Sftp;

/// <summary>A file on an SFTP server read front to back, in pieces of 64 KiB.</summary>
internal sealed class SftpReadStream : Stream
{
    private const uint Piece = 64 * 1024;
    private readonly SftpSession _session;
    private readonly string _path;
    private byte[]? _handle;
    private ulong _offset;
    private byte[] _buffer = [];
    private int _pos;
    private bool _eof;

    public SftpReadStream(SftpSession session, string path)
    {
        _session = session;
        _path = path;
        _handle = SftpFiles.Open(session, path, SftpCodes.OpenRead);
    }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => (long)_offset - (_buffer.Length - _pos); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (_pos == _buffer.Length && !_eof)
        {
            Fill();
        }

        var n = Math.Min(buffer.Length, _buffer.Length - _pos);
        _buffer.AsSpan(_pos, n).CopyTo(buffer);
        _pos += n;
        return n;
    }

    private void Fill()
    {
        lock (_session.Lock)
        {
            var id = _session.NextId();
            _session.SendPacket(new SftpPacketWriter(SftpType.Read, id).Bytes(_handle).U64(_offset).U32(Piece).ToArray());
            var (type, r) = _session.Receive(id);
            if (type == SftpType.Data)
            {
                _buffer = r.Bytes();
                _pos = 0;
                _offset += (ulong)_buffer.Length;
                return;
            }

            var code = type == SftpType.Status ? r.U32() : SftpCodes.Failure;
            if (code != SftpCodes.Eof)
            {
                throw _session.StatusError(code, !r.AtEnd && type == SftpType.Status ? r.Str() : "", "reading", _path);
            }

            _eof = true;
            _buffer = [];
            _pos = 0;
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
        if (disposing && _handle is { } h)
        {
            _handle = null;
            try
            {
                SftpFiles.Close(_session, h, _path);
            }
            catch (MkcdrecException)
            {
            }
        }

        base.Dispose(disposing);
    }
}
