using System.Buffers.Binary;
using System.Text;
using System.Text.Json;

namespace Mkcdrec.Formats.Luks;

/// <summary>
/// The parts of a LUKS1 or LUKS2 header that recreating the container needs (no key material is read or kept).
/// LUKS1: the binary phdr (big-endian). LUKS2: the binary header plus its JSON metadata area.
/// </summary>
public sealed class LuksHeader
{
    public const int MagicLength = 6;
    public const int VersionOffset = 6;

    // LUKS1 phdr offsets.
    public const int L1CipherNameOffset = 8;
    public const int L1CipherModeOffset = 40;
    public const int L1HashSpecOffset = 72;
    public const int L1PayloadOffset = 104;
    public const int L1KeyBytesOffset = 108;
    public const int L1UuidOffset = 168;
    public const int L1KeyslotsOffset = 208;
    public const int L1KeyslotSize = 48;
    public const uint L1KeyslotActive = 0x00AC71F3;
    public const int L1HeaderLength = 592;

    // LUKS2 binary header offsets.
    public const int L2HeaderSizeOffset = 8;
    public const int L2LabelOffset = 24;
    public const int L2ChecksumAlgOffset = 72;
    public const int L2UuidOffset = 168;
    public const int L2SubsystemOffset = 208;
    public const int L2BinaryHeaderLength = 4096;

    private static readonly byte[] Magic1 = "LUKS"u8.ToArray().Concat(new byte[] { 0xBA, 0xBE }).ToArray();
    private static readonly byte[] Magic2 = "SKUL"u8.ToArray().Concat(new byte[] { 0xBA, 0xBE }).ToArray();

    public int Version { get; init; }

    public string Uuid { get; init; } = "";

    public string? Label { get; init; }

    public string? Subsystem { get; init; }

    /// <summary>Data cipher as cryptsetup names it: "aes-xts-plain64".</summary>
    public string Cipher { get; init; } = "";

    public int KeySizeBits { get; init; }

    /// <summary>LUKS1: the hash spec. LUKS2: the digest's hash.</summary>
    public string? Hash { get; init; }

    /// <summary>PBKDF of the first active keyslot.</summary>
    public string? Pbkdf { get; init; }

    /// <summary>That keyslot's PBKDF cost: argon2 time cost ("time") or PBKDF2 iterations ("iterations"); null when unknown.</summary>
    public int? PbkdfIterations { get; init; }

    /// <summary>Argon2 memory cost in KiB ("memory"); null for PBKDF2.</summary>
    public int? PbkdfMemoryKiB { get; init; }

    /// <summary>Argon2 parallel threads ("cpus"); null for PBKDF2.</summary>
    public int? PbkdfParallel { get; init; }

    public long DataOffsetBytes { get; init; }

    public int SectorSize { get; init; } = 512;

    public int ActiveKeyslots { get; init; }

    /// <summary>True when <paramref name="data"/> starts with a LUKS magic.</summary>
    public static bool IsLuks(ReadOnlySpan<byte> data) =>
        data.Length >= MagicLength && data[..MagicLength].SequenceEqual(Magic1);

    /// <summary>
    /// Parses the header. For LUKS2 pass at least the binary header and JSON area (hdr_size bytes, 16 KiB by default);
    /// <see cref="RequiredLength"/> tells how many bytes are needed.
    /// </summary>
    public static LuksHeader Read(ReadOnlySpan<byte> data)
    {
        if (data.Length < VersionOffset + 2)
        {
            throw new InvalidDataException($"LUKS header truncated: {data.Length} bytes, need at least 8.");
        }

        if (!data[..MagicLength].SequenceEqual(Magic1))
        {
            if (data[..MagicLength].SequenceEqual(Magic2))
            {
                throw new InvalidDataException("This is the LUKS2 secondary header (magic SKUL at offset 0); read the primary at offset 0 of the device.");
            }

            throw new InvalidDataException("No LUKS magic at byte 0 (expected 'LUKS\\xba\\xbe').");
        }

        var version = BinaryPrimitives.ReadUInt16BigEndian(data[VersionOffset..]);
        return version switch
        {
            1 => ReadLuks1(data),
            2 => ReadLuks2(data),
            _ => throw new InvalidDataException($"Unknown LUKS version {version} at byte {VersionOffset}."),
        };
    }

    /// <summary>How many bytes from the start of the device <see cref="Read"/> needs, judged from the first 4096.</summary>
    public static int RequiredLength(ReadOnlySpan<byte> first4096)
    {
        if (first4096.Length >= 16 && IsLuks(first4096) && BinaryPrimitives.ReadUInt16BigEndian(first4096[VersionOffset..]) == 2)
        {
            var size = BinaryPrimitives.ReadUInt64BigEndian(first4096[L2HeaderSizeOffset..]);
            if (size < L2BinaryHeaderLength || size > 4 * 1024 * 1024)
            {
                throw new InvalidDataException($"LUKS2 header size {size} at byte {L2HeaderSizeOffset} is out of range (16 KiB to 4 MiB).");
            }

            return (int)size;
        }

        return L1HeaderLength;
    }

    private static string CString(ReadOnlySpan<byte> field)
    {
        var end = field.IndexOf((byte)0);
        return Encoding.ASCII.GetString(end < 0 ? field : field[..end]);
    }

    private static LuksHeader ReadLuks1(ReadOnlySpan<byte> d)
    {
        if (d.Length < L1HeaderLength)
        {
            throw new InvalidDataException($"LUKS1 header truncated: {d.Length} bytes, need {L1HeaderLength}.");
        }

        var cipherName = CString(d.Slice(L1CipherNameOffset, 32));
        var cipherMode = CString(d.Slice(L1CipherModeOffset, 32));
        var active = 0;
        for (var i = 0; i < 8; i++)
        {
            if (BinaryPrimitives.ReadUInt32BigEndian(d[(L1KeyslotsOffset + (i * L1KeyslotSize))..]) == L1KeyslotActive)
            {
                active++;
            }
        }

        return new LuksHeader
        {
            Version = 1,
            Cipher = cipherName + "-" + cipherMode,
            Hash = CString(d.Slice(L1HashSpecOffset, 32)),
            KeySizeBits = (int)BinaryPrimitives.ReadUInt32BigEndian(d[L1KeyBytesOffset..]) * 8,
            DataOffsetBytes = BinaryPrimitives.ReadUInt32BigEndian(d[L1PayloadOffset..]) * 512L,
            Uuid = CString(d.Slice(L1UuidOffset, 40)),
            Pbkdf = "pbkdf2",
            ActiveKeyslots = active,
        };
    }

    private static LuksHeader ReadLuks2(ReadOnlySpan<byte> d)
    {
        if (d.Length < L2BinaryHeaderLength)
        {
            throw new InvalidDataException($"LUKS2 header truncated: {d.Length} bytes, need {L2BinaryHeaderLength} for the binary header.");
        }

        var hdrSize = RequiredLength(d);
        if (d.Length < hdrSize)
        {
            throw new InvalidDataException($"LUKS2 header truncated: {d.Length} bytes, the header says {hdrSize} (byte {L2HeaderSizeOffset}).");
        }

        var jsonArea = d[L2BinaryHeaderLength..hdrSize];
        var end = jsonArea.IndexOf((byte)0);
        var jsonBytes = end < 0 ? jsonArea : jsonArea[..end];
        var json = new Luks2Metadata();
        try
        {
            using var doc = JsonDocument.Parse(jsonBytes.ToArray());
            var root = doc.RootElement;
            ReadCryptSegment(root, json);
            ReadKeyslots(root, json);
            ReadDigestHash(root, json);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new InvalidDataException($"LUKS2 JSON metadata at byte {L2BinaryHeaderLength} is not valid: {e.Message}", e);
        }

        var label = CString(d.Slice(L2LabelOffset, 48));
        var subsystem = CString(d.Slice(L2SubsystemOffset, 48));
        return new LuksHeader
        {
            Version = 2,
            Uuid = CString(d.Slice(L2UuidOffset, 40)),
            Label = label.Length == 0 ? null : label,
            Subsystem = subsystem.Length == 0 ? null : subsystem,
            Cipher = json.Cipher,
            KeySizeBits = json.KeyBits,
            Pbkdf = json.Pbkdf,
            PbkdfIterations = json.KdfIterations,
            PbkdfMemoryKiB = json.KdfMemory,
            PbkdfParallel = json.KdfParallel,
            Hash = json.Hash,
            DataOffsetBytes = json.Offset,
            SectorSize = json.SectorSize,
            ActiveKeyslots = json.Active,
        };
    }

    /// <summary>What the LUKS2 JSON metadata area says (segments, keyslots, digests).</summary>
    private sealed class Luks2Metadata
    {
        public string Cipher { get; set; } = "";

        public int KeyBits { get; set; }

        public int SectorSize { get; set; } = 512;

        public int Active { get; set; }

        public long Offset { get; set; }

        public string? Pbkdf { get; set; }

        public string? Hash { get; set; }

        public int? KdfIterations { get; set; }

        public int? KdfMemory { get; set; }

        public int? KdfParallel { get; set; }
    }

    /// <summary>The first "crypt" segment, in segment-number order: cipher, data offset, sector size.</summary>
    private static void ReadCryptSegment(JsonElement root, Luks2Metadata json)
    {
        foreach (var seg in root.GetProperty("segments").EnumerateObject().OrderBy(p => p.Name, StringComparer.Ordinal))
        {
            if (seg.Value.GetProperty("type").GetString() == "crypt")
            {
                json.Cipher = seg.Value.GetProperty("encryption").GetString() ?? "";
                json.Offset = long.Parse(seg.Value.GetProperty("offset").GetString() ?? "0", System.Globalization.CultureInfo.InvariantCulture);
                if (seg.Value.TryGetProperty("sector_size", out var ss))
                {
                    json.SectorSize = ss.GetInt32();
                }

                break;
            }
        }
    }

    /// <summary>Counts the keyslots; key size and PBKDF come from the first keyslot (by number) that has them.</summary>
    private static void ReadKeyslots(JsonElement root, Luks2Metadata json)
    {
        foreach (var ks in root.GetProperty("keyslots").EnumerateObject().OrderBy(p => int.Parse(p.Name, System.Globalization.CultureInfo.InvariantCulture)))
        {
            json.Active++;
            if (json.KeyBits == 0 && ks.Value.TryGetProperty("key_size", out var kbytes))
            {
                json.KeyBits = kbytes.GetInt32() * 8;
            }

            if (json.Pbkdf is null && ks.Value.TryGetProperty("kdf", out var kdf))
            {
                json.Pbkdf = kdf.GetProperty("type").GetString();
                json.KdfIterations = kdf.TryGetProperty("time", out var t) ? t.GetInt32() : kdf.TryGetProperty("iterations", out var it) ? it.GetInt32() : null;
                json.KdfMemory = kdf.TryGetProperty("memory", out var mem) ? mem.GetInt32() : null;
                json.KdfParallel = kdf.TryGetProperty("cpus", out var cpus) ? cpus.GetInt32() : null;
            }
        }
    }

    private static void ReadDigestHash(JsonElement root, Luks2Metadata json)
    {
        foreach (var dg in root.GetProperty("digests").EnumerateObject())
        {
            if (dg.Value.TryGetProperty("hash", out var h))
            {
                json.Hash = h.GetString();
                break;
            }
        }
    }
}
