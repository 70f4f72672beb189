using System.Buffers.Binary;
using System.IO.Hashing;

namespace Mkcdrec.Formats.Partitioning;

/// <summary>
/// The GPT header (UEFI spec 2.10, §5.3.2) as stored in one sector: the primary at LBA 1, the backup at the last LBA.
/// Bytes between offset 92 and <see cref="HeaderSize"/> are kept verbatim (they are covered by the header CRC).
/// </summary>
public sealed class GptHeader
{
    public const int SignatureOffset = 0;
    public const int RevisionOffset = 8;
    public const int HeaderSizeOffset = 12;
    public const int HeaderCrcOffset = 16;
    public const int ReservedOffset = 20;
    public const int MyLbaOffset = 24;
    public const int AlternateLbaOffset = 32;
    public const int FirstUsableLbaOffset = 40;
    public const int LastUsableLbaOffset = 48;
    public const int DiskGuidOffset = 56;
    public const int EntriesLbaOffset = 72;
    public const int EntryCountOffset = 80;
    public const int EntrySizeOffset = 84;
    public const int EntriesCrcOffset = 88;

    /// <summary>Size of the fields defined by revision 1.0 (and the minimum valid HeaderSize).</summary>
    public const int DefinedSize = 92;

    /// <summary>"EFI PART" read as a little-endian 64-bit integer.</summary>
    public const ulong SignatureValue = 0x5452415020494645;

    public const uint Revision1_0 = 0x00010000;

    /// <summary>Largest partition entry array we accept (entry count × entry size), to refuse absurd headers.</summary>
    public const long MaxEntryArrayBytes = 16L << 20;

    public uint Revision { get; set; } = Revision1_0;
    public uint HeaderSize { get; set; } = DefinedSize;
    public uint HeaderCrc32 { get; set; }
    public uint Reserved { get; set; }
    public long MyLba { get; set; }
    public long AlternateLba { get; set; }
    public long FirstUsableLba { get; set; }
    public long LastUsableLba { get; set; }
    public Guid DiskGuid { get; set; }
    public long EntriesLba { get; set; }
    public uint EntryCount { get; set; }
    public uint EntrySize { get; set; }
    public uint EntriesCrc32 { get; set; }

    /// <summary>Bytes from offset 92 up to HeaderSize, kept for round trips (empty for the usual 92-byte header).</summary>
    public byte[] ExtraBytes { get; set; } = [];

    /// <summary>Size of the entry array in bytes.</summary>
    public long EntryArrayBytes => (long)EntryCount * EntrySize;

    public static bool HasSignature(ReadOnlySpan<byte> sector) =>
        sector.Length >= 8 && BinaryPrimitives.ReadUInt64LittleEndian(sector[SignatureOffset..]) == SignatureValue;

    /// <summary>Parses and verifies the header in <paramref name="sector"/>, which was read from <paramref name="lba"/>.</summary>
    /// <exception cref="InvalidDataException">Bad signature, size, CRC or self-reference; the message names the LBA and byte offset.</exception>
    public static GptHeader Read(ReadOnlySpan<byte> sector, long lba)
    {
        string? problem = TryRead(sector, lba, out var header);
        if (problem is not null)
        {
            throw new InvalidDataException($"GPT header at LBA {lba} (byte offset {lba * sector.Length}): {problem}");
        }

        return header!;
    }

    /// <summary>Like <see cref="Read"/>, but returns a short description of the problem instead of throwing (null when valid).</summary>
    internal static string? TryRead(ReadOnlySpan<byte> sector, long lba, out GptHeader? header)
    {
        header = null;
        if (sector.Length < 512)
        {
            return $"sector is {sector.Length} bytes, a GPT header needs at least 512";
        }

        if (!HasSignature(sector))
        {
            return "no \"EFI PART\" signature";
        }

        uint size = BinaryPrimitives.ReadUInt32LittleEndian(sector[HeaderSizeOffset..]);
        if (size < DefinedSize || size > sector.Length)
        {
            return $"header size {size} is outside {DefinedSize}..{sector.Length}";
        }

        uint stored = BinaryPrimitives.ReadUInt32LittleEndian(sector[HeaderCrcOffset..]);
        uint computed = ComputeHeaderCrc(sector[..(int)size]);
        if (stored != computed)
        {
            return $"header CRC mismatch: stored 0x{stored:X8}, computed 0x{computed:X8}";
        }

        var h = new GptHeader
        {
            Revision = BinaryPrimitives.ReadUInt32LittleEndian(sector[RevisionOffset..]),
            HeaderSize = size,
            HeaderCrc32 = stored,
            Reserved = BinaryPrimitives.ReadUInt32LittleEndian(sector[ReservedOffset..]),
            MyLba = (long)BinaryPrimitives.ReadUInt64LittleEndian(sector[MyLbaOffset..]),
            AlternateLba = (long)BinaryPrimitives.ReadUInt64LittleEndian(sector[AlternateLbaOffset..]),
            FirstUsableLba = (long)BinaryPrimitives.ReadUInt64LittleEndian(sector[FirstUsableLbaOffset..]),
            LastUsableLba = (long)BinaryPrimitives.ReadUInt64LittleEndian(sector[LastUsableLbaOffset..]),
            DiskGuid = new Guid(sector.Slice(DiskGuidOffset, 16)),
            EntriesLba = (long)BinaryPrimitives.ReadUInt64LittleEndian(sector[EntriesLbaOffset..]),
            EntryCount = BinaryPrimitives.ReadUInt32LittleEndian(sector[EntryCountOffset..]),
            EntrySize = BinaryPrimitives.ReadUInt32LittleEndian(sector[EntrySizeOffset..]),
            EntriesCrc32 = BinaryPrimitives.ReadUInt32LittleEndian(sector[EntriesCrcOffset..]),
            ExtraBytes = sector[DefinedSize..(int)size].ToArray(),
        };

        if (h.MyLba != lba)
        {
            return $"header says it is at LBA {h.MyLba}";
        }

        if (h.EntrySize < 128 || h.EntrySize % 8 != 0)
        {
            return $"partition entry size {h.EntrySize} is invalid (must be a multiple of 8, at least 128)";
        }

        if (h.EntryCount == 0 || h.EntryArrayBytes > MaxEntryArrayBytes)
        {
            return $"partition entry count {h.EntryCount} is invalid";
        }

        if (h.FirstUsableLba < 0 || h.LastUsableLba < 0 || h.FirstUsableLba > h.LastUsableLba + 1)
        {
            return $"usable range {h.FirstUsableLba}..{h.LastUsableLba} is invalid";
        }

        if (h.EntriesLba < 1 || h.AlternateLba < 0)
        {
            return $"entries LBA {h.EntriesLba} or alternate LBA {h.AlternateLba} is invalid";
        }

        header = h;
        return null;
    }

    /// <summary>Writes the header into <paramref name="sector"/> (the rest of the sector is zeroed) and sets <see cref="HeaderCrc32"/>.</summary>
    public void WriteTo(Span<byte> sector)
    {
        if (HeaderSize < DefinedSize || HeaderSize > sector.Length || ExtraBytes.Length != HeaderSize - DefinedSize)
        {
            throw new InvalidOperationException($"GPT header size {HeaderSize} does not match its {ExtraBytes.Length} extra bytes or the {sector.Length}-byte sector");
        }

        sector.Clear();
        BinaryPrimitives.WriteUInt64LittleEndian(sector[SignatureOffset..], SignatureValue);
        BinaryPrimitives.WriteUInt32LittleEndian(sector[RevisionOffset..], Revision);
        BinaryPrimitives.WriteUInt32LittleEndian(sector[HeaderSizeOffset..], HeaderSize);
        BinaryPrimitives.WriteUInt32LittleEndian(sector[ReservedOffset..], Reserved);
        BinaryPrimitives.WriteUInt64LittleEndian(sector[MyLbaOffset..], (ulong)MyLba);
        BinaryPrimitives.WriteUInt64LittleEndian(sector[AlternateLbaOffset..], (ulong)AlternateLba);
        BinaryPrimitives.WriteUInt64LittleEndian(sector[FirstUsableLbaOffset..], (ulong)FirstUsableLba);
        BinaryPrimitives.WriteUInt64LittleEndian(sector[LastUsableLbaOffset..], (ulong)LastUsableLba);
        DiskGuid.TryWriteBytes(sector.Slice(DiskGuidOffset, 16));
        BinaryPrimitives.WriteUInt64LittleEndian(sector[EntriesLbaOffset..], (ulong)EntriesLba);
        BinaryPrimitives.WriteUInt32LittleEndian(sector[EntryCountOffset..], EntryCount);
        BinaryPrimitives.WriteUInt32LittleEndian(sector[EntrySizeOffset..], EntrySize);
        BinaryPrimitives.WriteUInt32LittleEndian(sector[EntriesCrcOffset..], EntriesCrc32);
        ExtraBytes.CopyTo(sector[DefinedSize..]);
        HeaderCrc32 = ComputeHeaderCrc(sector[..(int)HeaderSize]);
        BinaryPrimitives.WriteUInt32LittleEndian(sector[HeaderCrcOffset..], HeaderCrc32);
    }

    /// <summary>CRC32 of the header bytes with the CRC field taken as zero.</summary>
    public static uint ComputeHeaderCrc(ReadOnlySpan<byte> header)
    {
        var crc = new Crc32();
        crc.Append(header[..HeaderCrcOffset]);
        crc.Append([0, 0, 0, 0]);
        crc.Append(header[(HeaderCrcOffset + 4)..]);
        return crc.GetCurrentHashAsUInt32();
    }
}
