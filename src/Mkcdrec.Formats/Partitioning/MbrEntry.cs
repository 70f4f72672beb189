using System.Buffers.Binary;

namespace Mkcdrec.Formats.Partitioning;

/// <summary>One 16-byte partition entry of an MBR or EBR sector.</summary>
internal readonly record struct MbrEntry(byte Status, byte Type, uint StartLba, uint SectorCount, uint StartChs, uint EndChs)
{
    public const int Size = 16;
    public const int StatusOffset = 0;
    public const int StartChsOffset = 1;
    public const int TypeOffset = 4;
    public const int EndChsOffset = 5;
    public const int StartLbaOffset = 8;
    public const int SectorCountOffset = 12;

    public const byte BootableFlag = 0x80;

    public bool IsEmpty => Type == 0 || SectorCount == 0;

    public static MbrEntry Read(ReadOnlySpan<byte> entry) => new(
        entry[StatusOffset],
        entry[TypeOffset],
        BinaryPrimitives.ReadUInt32LittleEndian(entry[StartLbaOffset..]),
        BinaryPrimitives.ReadUInt32LittleEndian(entry[SectorCountOffset..]),
        ReadChs(entry[StartChsOffset..]),
        ReadChs(entry[EndChsOffset..]));

    public void WriteTo(Span<byte> entry)
    {
        entry[..Size].Clear();
        entry[StatusOffset] = Status;
        WriteChs(entry[StartChsOffset..], StartChs);
        entry[TypeOffset] = Type;
        WriteChs(entry[EndChsOffset..], EndChs);
        BinaryPrimitives.WriteUInt32LittleEndian(entry[StartLbaOffset..], StartLba);
        BinaryPrimitives.WriteUInt32LittleEndian(entry[SectorCountOffset..], SectorCount);
    }

    /// <summary>An entry with CHS values computed from the LBAs (255 heads, 63 sectors per track, as fdisk does).</summary>
    public static MbrEntry FromLba(byte status, byte type, uint startLba, uint sectorCount) =>
        new(status, type, startLba, sectorCount, LbaToChs(startLba), LbaToChs((ulong)startLba + sectorCount - 1));

    /// <summary>Encodes an LBA as the packed 3-byte CHS triple (head, sector | cylinder high bits, cylinder low bits).</summary>
    public static uint LbaToChs(ulong lba)
    {
        const ulong heads = 255, sectors = 63;
        ulong cylinder = lba / (heads * sectors);
        if (cylinder > 1023)
        {
            return 0xFFFFFE; // 1023/254/63, the conventional "beyond CHS" value (bytes FE FF FF)
        }

        ulong head = lba / sectors % heads;
        ulong sector = lba % sectors + 1;
        uint b0 = (uint)head;
        uint b1 = (uint)sector | (uint)((cylinder >> 2) & 0xC0);
        uint b2 = (uint)(cylinder & 0xFF);
        return b0 | (b1 << 8) | (b2 << 16);
    }

    private static uint ReadChs(ReadOnlySpan<byte> b) => b[0] | ((uint)b[1] << 8) | ((uint)b[2] << 16);

    private static void WriteChs(Span<byte> b, uint chs)
    {
        b[0] = (byte)chs;
        b[1] = (byte)(chs >> 8);
        b[2] = (byte)(chs >> 16);
    }
}

/// <summary>The fixed layout of sector 0 (MBR) and of every EBR: boot code, disk signature, four entries, 0x55AA.</summary>
internal static class MbrLayout
{
    public const int BootCodeOffset = 0;
    public const int BootCodeSize = 440;
    public const int DiskSignatureOffset = 440;
    public const int ReservedOffset = 444;
    public const int EntriesOffset = 446;
    public const int EntryCount = 4;
    public const int BootSignatureOffset = 510;
    public const int Size = 512;
    public const byte ProtectiveType = 0xEE;

    public static bool HasBootSignature(ReadOnlySpan<byte> sector) => sector[BootSignatureOffset] == 0x55 && sector[BootSignatureOffset + 1] == 0xAA;

    public static void WriteBootSignature(Span<byte> sector)
    {
        sector[BootSignatureOffset] = 0x55;
        sector[BootSignatureOffset + 1] = 0xAA;
    }

    public static MbrEntry ReadEntry(ReadOnlySpan<byte> sector, int index) => MbrEntry.Read(sector.Slice(EntriesOffset + (index * MbrEntry.Size), MbrEntry.Size));

    public static void WriteEntry(Span<byte> sector, int index, MbrEntry entry) => entry.WriteTo(sector.Slice(EntriesOffset + (index * MbrEntry.Size), MbrEntry.Size));

    public static bool IsExtendedType(byte type) => type is 0x05 or 0x0F or 0x85;
}
