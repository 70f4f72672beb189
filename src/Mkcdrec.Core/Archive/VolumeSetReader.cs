using System.Buffers;
using System.Security.Cryptography;
using Mkcdrec.Formats.Crypto;
using Mkcdrec.Model.Manifest;

namespace Mkcdrec.Core.Archive;

/// <summary>
/// Reads an archive's volumes as one stream, checking every chunk against the manifest (SHA-256, or HMAC for
/// encrypted archives) before handing out a byte of it. Missing and truncated volumes, extra bytes and chunk
/// lists that do not match are found up front; damage names the volume and the byte range. The next chunk is read
/// and checked on a background task while the current one is consumed.
/// </summary>
public sealed class VolumeSetReader : Stream
{
    private readonly string _dir;
    private readonly ArchiveRecord _archive;
    private readonly VolumeMac? _mac;
    private readonly IVolumeSource _source;
    private int _vol;
    private long _volOffset; // offset in the current volume of the next chunk to load
    private int _chunkIndex;
    private Stream? _file;
    private byte[] _cur = [];
    private int _curPos;
    private int _curLen;
    private Task<(byte[] Buf, int Len)>? _next;
    private byte[]? _spare;
    private long _position;

    public VolumeSetReader(string dir, ArchiveRecord archive, VolumeMac? mac, IVolumeSource? source = null)
    {
        _dir = dir;
        _archive = archive;
        _mac = mac;
        _source = source ?? DirectoryVolumeLocator.Instance;
        CheckVolumes(dir, archive, mac, _source);
        _next = Task.Run(LoadNext);
    }

    /// <summary>
    /// Every volume exists, has the recorded size and a consistent chunk list (and volume MAC). Volumes the source can
    /// bring later (on another medium) are checked for size when they are opened.
    /// </summary>
    public static void CheckVolumes(string dir, ArchiveRecord archive, VolumeMac? mac, IVolumeSource? source = null)
    {
        source ??= DirectoryVolumeLocator.Instance;

        if (archive.Incomplete == true)
        {
            throw new MkcdrecException(ExitCode.BadInput,
                $"Archive '{archive.FilesystemId}' in '{dir}' is incomplete: the backup run started {archive.Started:u} was interrupted while it replaced the volumes, so they match neither the old nor the new backup.",
                "Run the backup again into this directory (or use another copy of the backup).");
        }

        if (archive.Volumes.Count == 0)
        {
            throw new InvalidDataException($"manifest: archive '{archive.FilesystemId}' lists no volumes.");
        }

        if (archive.ChunkSize <= 0 || archive.ChunkSize > 1L << 30)
        {
            throw new InvalidDataException($"manifest: archive '{archive.FilesystemId}' has an invalid chunk size {archive.ChunkSize}.");
        }

        if (archive.ChunkHash != ChunkDigest.Algorithm(mac) && !(mac is null && archive.Encryption is not null))
        {
            throw new InvalidDataException($"manifest: archive '{archive.FilesystemId}' has chunk check '{archive.ChunkHash}', expected '{ChunkDigest.Algorithm(mac)}'.");
        }

        for (var i = 0; i < archive.Volumes.Count; i++)
        {
            var v = archive.Volumes[i];
            var size = source.SizeNow(dir, v.File);
            if (size is null && !source.CanObtainLater(v.File))
            {
                throw new MkcdrecException(ExitCode.BadInput,
                    $"Volume {i + 1} of {archive.Volumes.Count} of archive '{archive.FilesystemId}' is missing: {source.Where(dir)}/{v.File}.",
                    "Copy or insert the missing volume into the backup directory and run the command again.");
            }

            if (size is { } length)
            {
                CheckSize(length, v);
            }

            var expectedChunks = Math.Max(1, (v.Size + archive.ChunkSize - 1) / archive.ChunkSize);
            if (v.Chunks.Count != expectedChunks)
            {
                throw new InvalidDataException($"manifest does not match volume {v.File}: {v.Chunks.Count} chunk hashes for {v.Size} bytes (expected {expectedChunks}).");
            }

            if (mac is not null)
            {
                var tag = mac.VolumeTag(i, v.Size, v.Chunks.Select(Convert.FromHexString));
                if (v.Hmac is null || !CryptographicOperations.FixedTimeEquals(tag, Convert.FromHexString(v.Hmac)))
                {
                    throw new InvalidDataException($"manifest does not match volume {v.File}: its HMAC does not authenticate the recorded chunk list.");
                }
            }
        }
    }

    /// <summary>The file at <paramref name="path"/> has exactly the size the manifest records for volume <paramref name="v"/>.</summary>
    public static void CheckSize(string path, VolumeRecord v) => CheckSize(new FileInfo(path).Length, v);

    /// <summary>A volume of <paramref name="length"/> bytes is exactly as long as the manifest records for <paramref name="v"/>.</summary>
    public static void CheckSize(long length, VolumeRecord v)
    {
        if (length < v.Size)
        {
            throw new InvalidDataException($"volume {v.File}: truncated at byte {length}; the manifest records {v.Size} bytes.");
        }

        if (length > v.Size)
        {
            throw new InvalidDataException($"volume {v.File}: {length - v.Size} unexpected bytes after byte {v.Size}, where the manifest says it ends.");
        }
    }

    public static bool ChunkMatches(VolumeMac? mac, int volume, int chunk, ReadOnlySpan<byte> data, string expectedHex) =>
        ChunkDigest.Matches(mac, volume, chunk, data, expectedHex);

    private (byte[] Buf, int Len) LoadNext()
    {
        while (_vol < _archive.Volumes.Count)
        {
            var v = _archive.Volumes[_vol];
            if (_volOffset >= v.Size && !(v.Size == 0 && _chunkIndex == 0))
            {
                _file?.Dispose();
                _file = null;
                _vol++;
                _volOffset = 0;
                _chunkIndex = 0;
                continue;
            }

            if (_file is null)
            {
                _file = _source.Open(_dir, v.File);
                if (_source.SizeNow(_dir, v.File) is { } length)
                {
                    CheckSize(length, v);
                }
            }

            var len = (int)Math.Min(_archive.ChunkSize, v.Size - _volOffset);
            var buf = Interlocked.Exchange(ref _spare, null);
            if (buf is null || buf.Length < len)
            {
                if (buf is not null)
                {
                    ArrayPool<byte>.Shared.Return(buf);
                }

                buf = ArrayPool<byte>.Shared.Rent(Math.Max(len, 1)); // a chain restore reads one volume set per link: reused
            }

            var got = 0; // the volume is read front to back: a stream from afar cannot seek
            while (got < len)
            {
                var n = _file.Read(buf, got, len - got);
                if (n == 0)
                {
                    throw new InvalidDataException($"volume {v.File}: truncated at byte {_volOffset + got}; the manifest records {v.Size} bytes.");
                }

                got += n;
            }

            if (!ChunkMatches(_mac, _vol, _chunkIndex, buf.AsSpan(0, len), v.Chunks[_chunkIndex]))
            {
                throw new InvalidDataException(
                    $"volume {v.File}: bytes {_volOffset}..{_volOffset + len - 1} (chunk {_chunkIndex + 1} of {v.Chunks.Count}) do not match the manifest: the volume is damaged there{(_mac is null ? "" : " or was altered")}.");
            }

            _volOffset += len;
            _chunkIndex++;
            if (len == 0)
            {
                continue; // an empty volume
            }

            return (buf, len);
        }

        return ([], 0);
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (_curPos == _curLen)
        {
            if (_next is null)
            {
                return 0;
            }

            (byte[] buf, int len) next;
            try
            {
                next = _next.GetAwaiter().GetResult();
            }
            catch
            {
                _next = null;
                throw;
            }

            if (_cur.Length > 0)
            {
                _spare = _cur;
            }

            _cur = next.buf;
            _curPos = 0;
            _curLen = next.len;
            _next = next.len == 0 ? null : Task.Run(LoadNext);
            if (_curLen == 0)
            {
                return 0;
            }
        }

        var n = Math.Min(buffer.Length, _curLen - _curPos);
        _cur.AsSpan(_curPos, n).CopyTo(buffer);
        _curPos += n;
        _position += n;
        return n;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            byte[]? loaded = null;
            try
            {
                loaded = _next?.GetAwaiter().GetResult().Buf;
            }
            catch (Exception)
            {
                // the read that failed was reported to the reader, or nobody is reading any more
            }

            _file?.Dispose();
            foreach (var buf in new[] { loaded, _cur, Interlocked.Exchange(ref _spare, null) }.Where(b => b is { Length: > 0 }).Distinct())
            {
                ArrayPool<byte>.Shared.Return(buf!);
            }

            _cur = [];
        }

        base.Dispose(disposing);
    }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => _position; set => throw new NotSupportedException(); }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
