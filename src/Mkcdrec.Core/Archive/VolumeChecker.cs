using System.Security.Cryptography;
using Mkcdrec.Formats.Crypto;
using Mkcdrec.Model.Manifest;

namespace Mkcdrec.Core.Archive;

/// <summary>Where a volume differs from its manifest: one chunk (<see cref="Chunk"/> counts from 0), or the whole-volume SHA-256.</summary>
public sealed record VolumeMismatch(VolumeRecord Volume, int Chunk, long FirstByte, long LastByte, string? ActualSha256)
{
    public bool IsWholeVolume => ActualSha256 is not null;
}

/// <summary>
/// Reads one volume and checks it against the manifest the way the restore reads it: chunk by chunk, each chunk's
/// XXH128 (plain archives) or HMAC-SHA256 keyed by the passphrase (encrypted ones: authenticated); the whole-volume
/// SHA-256 when asked for, or when the manifest has no usable chunk hashes. Recovery's pre-check and `verify` share it.
/// </summary>
public static class VolumeChecker
{
    /// <returns>null when the volume is intact, else the first place that does not match.</returns>
    public static VolumeMismatch? Check(string path, ArchiveRecord archive, int index, VolumeMac? mac, bool wholeVolumeHash)
    {
        using var f = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        return Check(f, archive, index, mac, wholeVolumeHash);
    }

    /// <summary>The same for a volume opened already (read front to back, e.g. streaming from a destination).</summary>
    public static VolumeMismatch? Check(Stream f, ArchiveRecord archive, int index, VolumeMac? mac, bool wholeVolumeHash)
    {
        var v = archive.Volumes[index];
        // An encrypted archive's chunks carry HMACs: without the passphrase only the SHA-256 can be checked.
        var chunked = v.Chunks.Count > 0 && archive.ChunkSize > 0 && (archive.Encryption is null || mac is not null);
        using var sha = wholeVolumeHash || !chunked ? IncrementalHash.CreateHash(HashAlgorithmName.SHA256) : null;
        var buf = new byte[archive.ChunkSize > 0 ? archive.ChunkSize : 1 << 20];
        long off = 0;
        for (var chunk = 0; off < v.Size || (v.Size == 0 && chunk == 0); chunk++)
        {
            var len = (int)Math.Min(buf.Length, v.Size - off);
            f.ReadExactly(buf, 0, len);
            sha?.AppendData(buf, 0, len);
            if (chunked && (chunk >= v.Chunks.Count || !ChunkDigest.Matches(mac, index, chunk, buf.AsSpan(0, len), v.Chunks[chunk])))
            {
                return new VolumeMismatch(v, chunk, off, off + len - 1, null);
            }

            off += len;
            if (len == 0)
            {
                break;
            }
        }

        if (sha is null)
        {
            return null;
        }

        var digest = Convert.ToHexStringLower(sha.GetHashAndReset());
        return string.Equals(digest, v.Sha256, StringComparison.OrdinalIgnoreCase) ? null : new VolumeMismatch(v, -1, 0, v.Size - 1, digest);
    }
}
