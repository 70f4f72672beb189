using Mkcdrec.Core.Platform;

namespace Mkcdrec.Core.Destinations.S3;

/// <summary>
/// A backup volume streamed into an S3 object as it is written: parts go up as they fill (multipart upload), so the
/// volume is never spooled on the server. <see cref="Commit"/> completes the object; until then it does not exist in
/// the bucket (a multipart upload is invisible until completed), and disposing without Commit aborts the upload.
/// A volume smaller than one part is sent as one PUT.
/// </summary>
public sealed class S3UploadFile : IOutputFile
{
    /// <summary>S3's smallest part (all but the last).</summary>
    public const int MinPartSize = 5 << 20;

    // S3 takes at most 10,000 parts: the part size doubles every 1,000 parts, so no volume size runs out of them.
    private const int PartsPerSize = 1000;

    private readonly S3Client _client;
    private readonly List<string> _etags = [];
    private byte[] _buffer;
    private int _filled;
    private string? _uploadId;
    private bool _committed;

    public S3UploadFile(S3Client client, string key, int partSize = 16 << 20)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(partSize, MinPartSize);
        _client = client;
        Key = key;
        _buffer = new byte[partSize];
    }

    public string Key { get; }

    public string Path => $"s3://{_client.Location.Bucket}/{Key}";

    public bool BypassesPageCache => false;

    /// <summary>Parts uploaded so far (for tests and progress).</summary>
    public int PartsUploaded => _etags.Count;

    public void Write(ReadOnlySpan<byte> data)
    {
        ObjectDisposedException.ThrowIf(_committed, this);
        while (data.Length > 0)
        {
            var n = Math.Min(data.Length, _buffer.Length - _filled);
            data[..n].CopyTo(_buffer.AsSpan(_filled));
            _filled += n;
            data = data[n..];
            if (_filled == _buffer.Length)
            {
                UploadBuffered();
            }
        }
    }

    public void Commit()
    {
        if (_committed)
        {
            return;
        }

        if (_uploadId is null)
        {
            _client.PutObject(Key, _buffer.AsMemory(0, _filled));
        }
        else
        {
            if (_filled > 0)
            {
                UploadBuffered();
            }

            _client.CompleteMultipartUpload(Key, _uploadId, _etags);
        }

        _committed = true;
    }

    public void Dispose()
    {
        if (!_committed && _uploadId is not null)
        {
            try
            {
                _client.AbortMultipartUpload(Key, _uploadId);
            }
            catch (MkcdrecException)
            {
                // The store keeps the parts until its lifecycle rule or the next run's cleanup removes them: never visible as an object.
            }

            _uploadId = null;
        }

        _committed = true;
    }

    private void UploadBuffered()
    {
        _uploadId ??= _client.CreateMultipartUpload(Key);
        _etags.Add(_client.UploadPart(Key, _uploadId, _etags.Count + 1, _buffer.AsMemory(0, _filled)));
        _filled = 0;
        if (_etags.Count % PartsPerSize == 0)
        {
            _buffer = new byte[_buffer.Length * 2];
        }
    }
}
