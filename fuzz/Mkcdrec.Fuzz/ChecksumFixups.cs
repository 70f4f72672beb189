using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;
using Mkcdrec.Formats.Partitioning;

namespace Mkcdrec.Fuzz;

/// <summary>
/// Copies of an input with its checksums recomputed. A checksum turns nearly every mutation into a refusal at the first
/// check, so the fuzzer would never reach the fields behind it; the targets parse the input as it is and this copy.
/// </summary>
public static class ChecksumFixups
{
    private const int TarBlock = 512, TarSizeOffset = 124, TarSizeLength = 12, TarChecksumOffset = 148, TarChecksumLength = 8;

    /// <summary>Every tar header block the reader would visit gets its checksum; the next header is found from the size field.</summary>
    public static byte[] Tar(byte[] data)
    {
        var d = (byte[])data.Clone();
        long at = 0;
        while (at + TarBlock <= d.Length)
        {
            var h = d.AsSpan((int)at, TarBlock);
            if (h.IndexOfAnyExcept((byte)0) < 0)
            {
                break;
            }

            h.Slice(TarChecksumOffset, TarChecksumLength).Fill((byte)' ');
            var sum = 0;
            foreach (var b in h)
            {
                sum += b;
            }

            Encoding.ASCII.GetBytes(Convert.ToString(sum, 8).PadLeft(6, '0') + "\0 ").CopyTo(h[TarChecksumOffset..]);
            var size = TarSize(h.Slice(TarSizeOffset, TarSizeLength));
            if (size < 0 || size > d.Length)
            {
                break;
            }

            at += TarBlock + size + ((TarBlock - (size % TarBlock)) % TarBlock);
        }

        return d;
    }

    /// <summary>The octal (or base-256) size field; -1 when it is neither.</summary>
    private static long TarSize(ReadOnlySpan<byte> field)
    {
        if ((field[0] & 0x80) != 0)
        {
            long v = field[0] & 0x3F;
            foreach (var b in field[1..])
            {
                v = (v << 8) | b;
            }

            return (field[0] & 0x40) != 0 ? -1 : v;
        }

        long r = 0;
        foreach (var c in field.TrimStart((byte)' '))
        {
            if (c is 0 or (byte)' ')
            {
                break;
            }

            if (c is < (byte)'0' or > (byte)'7')
            {
                return -1;
            }

            r = (r << 3) | (long)(c - '0');
        }

        return r;
    }

    /// <summary>The GPT headers at LBA 1 and at the last LBA (sectors of <paramref name="ss"/> bytes) get their entry array and header CRCs.</summary>
    public static byte[] Gpt(byte[] data, int ss)
    {
        var d = (byte[])data.Clone();
        long sectors = d.Length / ss;
        foreach (var lba in new[] { 1L, sectors - 1 })
        {
            if (lba >= 1 && lba < sectors)
            {
                FixGptHeader(d, ss, lba);
            }
        }

        return d;
    }

    private static void FixGptHeader(byte[] d, int ss, long lba)
    {
        var sector = d.AsSpan((int)(lba * ss), ss);
        var size = BinaryPrimitives.ReadUInt32LittleEndian(sector[GptHeader.HeaderSizeOffset..]);
        if (!GptHeader.HasSignature(sector) || size < GptHeader.DefinedSize || size > ss)
        {
            return;
        }

        var entriesLba = BinaryPrimitives.ReadUInt64LittleEndian(sector[GptHeader.EntriesLbaOffset..]);
        var bytes = (ulong)BinaryPrimitives.ReadUInt32LittleEndian(sector[GptHeader.EntryCountOffset..])
            * BinaryPrimitives.ReadUInt32LittleEndian(sector[GptHeader.EntrySizeOffset..]);
        if (entriesLba < (ulong)(d.Length / ss) && bytes <= (ulong)d.Length - (entriesLba * (ulong)ss))
        {
            var crc = Crc32.HashToUInt32(d.AsSpan((int)(entriesLba * (ulong)ss), (int)bytes));
            BinaryPrimitives.WriteUInt32LittleEndian(sector[GptHeader.EntriesCrcOffset..], crc);
        }

        BinaryPrimitives.WriteUInt32LittleEndian(sector[GptHeader.HeaderCrcOffset..], GptHeader.ComputeHeaderCrc(sector[..(int)size]));
    }
}
