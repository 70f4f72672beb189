using static Mkcdrec.Formats.Tar.TarLayout;

namespace Mkcdrec.Formats.Tar;

/// <summary>The GNU sparse 1.0 map at the start of a sparse member's data.</summary>
public sealed partial class PaxTarReader
{
    private void ReadSparseMap(TarEntry e, long blockOffset)
    {
        // GNU sparse 1.0: the data starts with decimal lines "count", then "offset", "length" pairs, padded to a block.
        long read = 0;
        long ReadMapNumber()
        {
            long v = 0;
            var digits = 0;
            while (true)
            {
                var s = ReadData(1);
                if (s.Length == 0)
                {
                    throw new InvalidDataException($"tar member at byte {blockOffset}: sparse map runs past the member's data.");
                }

                read++;
                var c = s[0];
                if (c == (byte)'\n')
                {
                    break;
                }

                if (c < (byte)'0' || c > (byte)'9' || ++digits > 19)
                {
                    throw new InvalidDataException($"tar member at byte {blockOffset}: sparse map is not decimal numbers.");
                }

                v = v * 10 + (c - '0');
            }

            return v;
        }

        var count = ReadMapNumber();
        if (count > 1 << 24)
        {
            throw new InvalidDataException($"tar member at byte {blockOffset}: sparse map of {count} segments is implausible.");
        }

        // Grown as segments are read: the count is the archive's word, and 2^24 of them would be 256 MiB up front.
        var list = new List<SparseSegment>((int)Math.Min(count, 1024));
        long sum = 0, prevEnd = 0;
        for (var i = 0; i < count; i++)
        {
            var off = ReadMapNumber();
            var len = ReadMapNumber();
            if (off < prevEnd || off + len > e.Size)
            {
                throw new InvalidDataException($"tar member at byte {blockOffset}: sparse segment {off}+{len} is out of order or beyond the file size {e.Size}.");
            }

            prevEnd = off + len;
            sum += len;
            if (len > 0)
            {
                list.Add(new SparseSegment(off, len));
            }
        }

        var pad = Pad(read);
        if (_remaining < pad)
        {
            throw new InvalidDataException($"tar member at byte {blockOffset}: sparse map padding runs past the member's data.");
        }

        while (pad > 0)
        {
            pad -= ReadData((int)pad).Length;
        }

        if (_remaining != sum)
        {
            throw new InvalidDataException($"tar member at byte {blockOffset}: sparse map describes {sum} data bytes but the member holds {_remaining}.");
        }

        e.Sparse = list;
    }
}
