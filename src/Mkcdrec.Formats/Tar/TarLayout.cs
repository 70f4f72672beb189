using System.Buffers.Binary;

namespace Mkcdrec.Formats.Tar;

/// <summary>Offsets and sizes of the POSIX ustar header (POSIX.1-2001 pax, section "ustar Interchange Format").</summary>
internal static class TarLayout
{
    public const int BlockSize = 512;
    public const int NameOffset = 0, NameLength = 100;
    public const int ModeOffset = 100, ModeLength = 8;
    public const int UidOffset = 108, UidLength = 8;
    public const int GidOffset = 116, GidLength = 8;
    public const int SizeOffset = 124, SizeLength = 12;
    public const int MTimeOffset = 136, MTimeLength = 12;
    public const int ChecksumOffset = 148, ChecksumLength = 8;
    public const int TypeOffset = 156;
    public const int LinkNameOffset = 157, LinkNameLength = 100;
    public const int MagicOffset = 257; // "ustar\0" then version "00"
    public const int VersionOffset = 263;
    public const int UNameOffset = 265, UNameLength = 32;
    public const int GNameOffset = 297, GNameLength = 32;
    public const int DevMajorOffset = 329, DevMajorLength = 8;
    public const int DevMinorOffset = 337, DevMinorLength = 8;
    public const int PrefixOffset = 345, PrefixLength = 155;

    public static long Pad(long n) => (BlockSize - (n % BlockSize)) % BlockSize;

    /// <summary>Writes an octal number NUL-terminated, or GNU base-256 when it does not fit (readers of pax use the record).</summary>
    public static void WriteNumber(Span<byte> field, long value)
    {
        var digits = field.Length - 1;
        if (value >= 0 && value < (1L << (3 * digits)))
        {
            for (var i = digits - 1; i >= 0; i--)
            {
                field[i] = (byte)('0' + (value & 7));
                value >>= 3;
            }

            field[digits] = 0;
            return;
        }

        // base-256: high bit of the first byte set, big-endian two's complement in the rest.
        field.Fill(value < 0 ? (byte)0xFF : (byte)0);
        BinaryPrimitives.WriteInt64BigEndian(field[^8..], value);
        field[0] = (byte)(field[0] | 0x80);
    }

    public static bool FitsOctal(int fieldLength, long value) => value >= 0 && value < (1L << (3 * (fieldLength - 1)));

    /// <summary>Reads an octal (space/NUL terminated) or base-256 numeric field.</summary>
    public static long ReadNumber(ReadOnlySpan<byte> field, long blockOffset, int fieldOffset, string fieldName)
    {
        if (field.Length > 0 && (field[0] & 0x80) != 0)
        {
            long v = (field[0] & 0x40) != 0 ? -1 : 0; // sign
            v = (v << 6) | (long)(field[0] & 0x3F);
            for (var i = 1; i < field.Length; i++)
            {
                v = (v << 8) | field[i];
            }

            return v;
        }

        long r = 0;
        var i0 = 0;
        while (i0 < field.Length && field[i0] == (byte)' ')
        {
            i0++;
        }

        for (var i = i0; i < field.Length; i++)
        {
            var c = field[i];
            if (c == 0 || c == (byte)' ')
            {
                break;
            }

            if (c < (byte)'0' || c > (byte)'7')
            {
                throw new InvalidDataException($"tar header at byte {blockOffset}: field '{fieldName}' (header byte {fieldOffset}) is not an octal number.");
            }

            r = (r << 3) | (long)(c - '0');
        }

        return r;
    }

    public static int ComputeChecksum(ReadOnlySpan<byte> header, out int signedSum)
    {
        var sum = 0;
        signedSum = 0;
        for (var i = 0; i < BlockSize; i++)
        {
            var b = i >= ChecksumOffset && i < ChecksumOffset + ChecksumLength ? (byte)' ' : header[i];
            sum += b;
            signedSum += (sbyte)b;
        }

        return sum;
    }

    /// <summary>The length of a NUL-terminated field's content.</summary>
    public static ReadOnlySpan<byte> CString(ReadOnlySpan<byte> field)
    {
        var n = field.IndexOf((byte)0);
        return n < 0 ? field : field[..n];
    }
}
