using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Mkcdrec.Formats.Crypto;

/// <summary>
/// Authentication of backup volumes. The MAC key is PBKDF2-HMAC-SHA256(passphrase, "mkcdrec-mac\0" + macSalt, N):
/// a different salt than the encryption's, so it is independent of the AES key. Each chunk of a volume is
/// authenticated with HMAC-SHA256(key, u32 volume || u64 chunk || data) (big-endian), so it is checked before use;
/// the volume MAC is HMAC-SHA256(key, "volume" || u32 volume || u64 size || chunk MACs...).
/// </summary>
public sealed class VolumeMac : IDisposable
{
    private static ReadOnlySpan<byte> KeyCheckLabel => "mkcdrec passphrase check v1"u8;

    private readonly byte[] _key;

    public VolumeMac(ReadOnlySpan<byte> passphrase, ReadOnlySpan<byte> macSalt, int iterations)
    {
        var salt = new byte[12 + macSalt.Length];
        Encoding.ASCII.GetBytes("mkcdrec-mac\0", salt);
        macSalt.CopyTo(salt.AsSpan(12));
        _key = new byte[32];
        Rfc2898DeriveBytes.Pbkdf2(passphrase, salt, _key, iterations, HashAlgorithmName.SHA256);
    }

    /// <summary>A value the manifest stores so a wrong passphrase is told apart from damaged data.</summary>
    public byte[] KeyCheck() => HMACSHA256.HashData(_key, KeyCheckLabel);

    public IncrementalHash StartChunk(int volume, long chunk)
    {
        var h = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, _key);
        Span<byte> prefix = stackalloc byte[12];
        BinaryPrimitives.WriteInt32BigEndian(prefix, volume);
        BinaryPrimitives.WriteInt64BigEndian(prefix[4..], chunk);
        h.AppendData(prefix);
        return h;
    }

    public byte[] VolumeTag(int volume, long size, IEnumerable<byte[]> chunkMacs)
    {
        using var h = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, _key);
        Span<byte> prefix = stackalloc byte[18];
        "volume"u8.CopyTo(prefix);
        BinaryPrimitives.WriteInt32BigEndian(prefix[6..], volume);
        BinaryPrimitives.WriteInt64BigEndian(prefix[10..], size);
        h.AppendData(prefix);
        foreach (var m in chunkMacs)
        {
            h.AppendData(m);
        }

        return h.GetHashAndReset();
    }

    /// <summary>HMAC-SHA256(key, label || data): authenticates a whole small object (the sealed manifest).</summary>
    public byte[] Tag(ReadOnlySpan<byte> label, ReadOnlySpan<byte> data)
    {
        using var h = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, _key);
        h.AppendData(label);
        h.AppendData(data);
        return h.GetHashAndReset();
    }

    public void Dispose() => CryptographicOperations.ZeroMemory(_key);
}
