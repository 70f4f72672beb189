using System.IO.Hashing;
using System.Security.Cryptography;
using Mkcdrec.Formats.Crypto;

namespace Mkcdrec.Core.Archive;

/// <summary>
/// The check value of one volume chunk: HMAC-SHA256 for encrypted archives (authentication), XXH128 for plain ones
/// (finds damage and where it is; a plain backup has no secret to authenticate with — its volumes' SHA-256 is in the manifest).
/// </summary>
internal sealed class ChunkDigest : IDisposable
{
    public const string Xxh128 = "xxh128";
    public const string HmacSha256 = "hmac-sha256";

    private readonly XxHash128? _x;
    private readonly IncrementalHash? _h;

    private ChunkDigest(XxHash128? x, IncrementalHash? h)
    {
        _x = x;
        _h = h;
    }

    public static string Algorithm(VolumeMac? mac) => mac is null ? Xxh128 : HmacSha256;

    public static ChunkDigest Start(VolumeMac? mac, int volume, long chunk) =>
        mac is null ? new ChunkDigest(new XxHash128(), null) : new ChunkDigest(null, mac.StartChunk(volume, chunk));

    public void Append(ReadOnlySpan<byte> data)
    {
        if (_x is not null)
        {
            _x.Append(data);
        }
        else
        {
            _h!.AppendData(data);
        }
    }

    public byte[] Finish() => _x is not null ? _x.GetCurrentHash() : _h!.GetHashAndReset();

    public static bool Matches(VolumeMac? mac, int volume, int chunk, ReadOnlySpan<byte> data, string expectedHex)
    {
        using var d = Start(mac, volume, chunk);
        d.Append(data);
        var got = d.Finish();
        Span<byte> want = stackalloc byte[32];
        return Convert.FromHexString(expectedHex, want, out _, out var written) == System.Buffers.OperationStatus.Done
            && written == got.Length && CryptographicOperations.FixedTimeEquals(got, want[..written]);
    }

    public void Dispose() => _h?.Dispose();
}
