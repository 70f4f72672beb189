using System.Collections.Concurrent;
using System.Security.Cryptography;
using Mkcdrec.Core.Platform;
using Mkcdrec.Formats.Crypto;
using Mkcdrec.Model.Manifest;

namespace Mkcdrec.Core.Archive;

/// <summary>
/// The end of the create pipeline: splits the (compressed, encrypted) stream into volume files of at most
/// <c>volumeSize</c> bytes, and records for each its size, SHA-256, per-chunk SHA-256 (or HMAC when a
/// <see cref="VolumeMac"/> is given) and volume HMAC. Hashing and file writes run on a background thread.
/// </summary>
public sealed class VolumeSetWriter : Stream
{
    private const int BlockSize = 4 << 20;

    private readonly string _dir;
    private readonly string _baseName;
    private readonly long _volumeSize;
    private readonly long _chunkSize;
    private readonly VolumeMac? _mac;
    private readonly Func<string, IOutputFile> _create;
    private readonly BlockingCollection<(ArraySegment<byte> Buf, int Len)> _queue = new(boundedCapacity: 8);
    private readonly ConcurrentBag<ArraySegment<byte>> _free = [];
    private readonly Thread _thread;
    private ArraySegment<byte> _cur;
    private int _curLen;
    private Exception? _error;
    private string? _failedFile;
    private bool _completed;

    // background state
    private IOutputFile? _file;
    private IncrementalHash? _sha;
    private ChunkDigest? _chunk;
    private long _volBytes;
    private long _chunkBytes;
    private VolumeRecord? _vol;
    private readonly List<byte[]> _chunkMacs = [];

    /// <param name="create">Creates a volume file (default: through the page cache, <see cref="BufferedOutputFile"/>).</param>
    public VolumeSetWriter(string dir, string baseName, long volumeSize, long chunkSize, VolumeMac? mac, Func<string, IOutputFile>? create = null)
    {
        _create = create ?? (p => new BufferedOutputFile(p));
        _dir = dir;
        _baseName = baseName;
        _volumeSize = volumeSize <= 0 ? long.MaxValue : volumeSize;
        _chunkSize = chunkSize;
        _mac = mac;
        _cur = NewBlock();
        _thread = new Thread(Run) { IsBackground = true, Name = "mkcdrec volume writer" };
        _thread.Start();
    }

    public List<VolumeRecord> Volumes { get; } = [];

    public long TotalBytes { get; private set; }

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => TotalBytes; set => throw new NotSupportedException(); }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        ThrowIfFailed();
        TotalBytes += buffer.Length;
        while (buffer.Length > 0)
        {
            var n = Math.Min(buffer.Length, BlockSize - _curLen);
            buffer[..n].CopyTo(_cur.AsSpan(_curLen));
            _curLen += n;
            buffer = buffer[n..];
            if (_curLen == BlockSize)
            {
                Hand();
            }
        }
    }

    public override void Flush()
    {
    }

    /// <summary>Writes what is buffered, closes the last volume and returns when everything is on disk.</summary>
    public void Complete()
    {
        if (_completed)
        {
            return;
        }

        _completed = true;
        if (_curLen > 0)
        {
            Hand();
        }

        _queue.CompleteAdding();
        _thread.Join();
        ThrowIfFailed();
    }

    private void Hand()
    {
        try
        {
            _queue.Add((_cur, _curLen));
        }
        catch (InvalidOperationException)
        {
            ThrowIfFailed();
            throw;
        }

        _cur = _free.TryTake(out var b) ? b : NewBlock();
        _curLen = 0;
    }

    /// <summary>An aligned block: the volume file can take whole blocks as they are, around the page cache.</summary>
    private static ArraySegment<byte> NewBlock() => AlignedBlock.Allocate(BlockSize);

    private void ThrowIfFailed()
    {
        if (_error is MkcdrecException known)
        {
            // The destination said what went wrong and what to do (an SFTP server's full disk, an S3 store's refusal).
            throw new MkcdrecException(known.Code, $"Writing the backup volume '{_failedFile ?? _dir}' failed: {known.Message}", known.Hint, known);
        }

        if (_error is { } e)
        {
            throw new MkcdrecException(ExitCode.Environment, $"Writing the backup volume '{_failedFile ?? _dir}' failed: {e.Message}",
                "Check the destination (free space, permissions) and run the backup again.", e);
        }
    }

    private void Run()
    {
        try
        {
            foreach (var (buf, len) in _queue.GetConsumingEnumerable())
            {
                var data = buf.AsSpan(0, len);
                while (data.Length > 0)
                {
                    if (_file is null)
                    {
                        Open();
                    }

                    // One write per volume part of the block (whole, aligned blocks unless a volume ends inside), hashes
                    // per chunk.
                    var n = (int)Math.Min(data.Length, _volumeSize - _volBytes);
                    var part = data[..n];
                    _file!.Write(part);
                    _sha!.AppendData(part);
                    while (part.Length > 0)
                    {
                        var k = (int)Math.Min(part.Length, _chunkSize - _chunkBytes);
                        _chunk!.Append(part[..k]);
                        _chunkBytes += k;
                        part = part[k..];
                        if (_chunkBytes == _chunkSize)
                        {
                            EndChunk();
                        }
                    }

                    _volBytes += n;
                    data = data[n..];
                    if (_volBytes == _volumeSize)
                    {
                        CloseVolume();
                    }
                }

                _free.Add(buf);
            }

            if (_file is not null || Volumes.Count == 0)
            {
                if (_file is null)
                {
                    Open();
                }

                CloseVolume();
            }
        }
        catch (Exception e)
        {
            _error = e;
            _failedFile = _file?.Path;
            _file?.Dispose(); // abandoned: a multipart upload is aborted, never completed
            _file = null;
            _queue.CompleteAdding();
            // drain so the producer never blocks
            foreach (var _ in _queue.GetConsumingEnumerable())
            {
            }
        }
    }

    private void Open()
    {
        var name = BackupFiles.VolumeName(_baseName, Volumes.Count);
        _file = _create(Path.Combine(_dir, name));
        _sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        _vol = new VolumeRecord { File = name };
        _volBytes = 0;
        _chunkMacs.Clear();
        StartChunk();
    }

    private void StartChunk()
    {
        _chunk = ChunkDigest.Start(_mac, Volumes.Count, _vol!.Chunks.Count);
        _chunkBytes = 0;
    }

    private void EndChunk()
    {
        var h = _chunk!.Finish();
        _chunk.Dispose();
        _vol!.Chunks.Add(Convert.ToHexStringLower(h));
        _chunkMacs.Add(h);
        StartChunk();
    }

    private void CloseVolume()
    {
        if (_chunkBytes > 0 || _vol!.Chunks.Count == 0)
        {
            EndChunk();
        }

        _chunk!.Dispose();
        _file!.Commit(); // durable before the manifest names it
        _file.Dispose();
        _file = null;
        _vol!.Size = _volBytes;
        _vol.Sha256 = Convert.ToHexStringLower(_sha!.GetHashAndReset());
        _sha.Dispose();
        if (_mac is not null)
        {
            _vol.Hmac = Convert.ToHexStringLower(_mac.VolumeTag(Volumes.Count, _volBytes, _chunkMacs));
        }

        Volumes.Add(_vol);
        _vol = null;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_completed)
        {
            _completed = true;
            _queue.CompleteAdding();
            _thread.Join();
            _file?.Dispose();
        }

        base.Dispose(disposing);
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}
