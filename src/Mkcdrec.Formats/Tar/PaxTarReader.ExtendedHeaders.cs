using System.Text;
using static Mkcdrec.Formats.Tar.TarLayout;

namespace Mkcdrec.Formats.Tar;

/// <summary>Extended header blocks before a member: pax local ('x') and global ('g'), GNU long name ('L') and link ('K').</summary>
public sealed partial class PaxTarReader
{
    /// <summary>What the extended headers read so far say about the member header that follows them.</summary>
    private struct PendingExtendedHeaders
    {
        public byte[]? LongName;
        public byte[]? LongLink;
        public Dictionary<string, byte[]>? Pax;
    }

    private void ReadExtendedHeader(byte type, long size, long blockOffset, ref PendingExtendedHeaders pending)
    {
        Consume(BlockSize);
        if (size > 64 << 20)
        {
            throw new InvalidDataException($"tar header at byte {blockOffset}: extended header of {size} bytes is implausibly large.");
        }

        var data = ReadExact((int)size, blockOffset);
        Skip(Pad(size));
        if (type == (byte)'L')
        {
            pending.LongName = CString(data).ToArray();
        }
        else if (type == (byte)'K')
        {
            pending.LongLink = CString(data).ToArray();
        }
        else
        {
            var target = type == (byte)'g' ? _global : (pending.Pax ??= new Dictionary<string, byte[]>(StringComparer.Ordinal));
            ParsePax(data, target, blockOffset);
        }
    }

    private static void ParsePax(ReadOnlySpan<byte> data, Dictionary<string, byte[]> target, long blockOffset)
    {
        var pos = 0;
        while (pos < data.Length)
        {
            if (data[pos] == 0)
            {
                break; // some writers pad with NULs
            }

            var sp = data[pos..].IndexOf((byte)' ');
            if (sp <= 0)
            {
                throw new InvalidDataException($"pax header at byte {blockOffset}: record at offset {pos} has no length.");
            }

            var len = 0;
            foreach (var c in data.Slice(pos, sp))
            {
                if (c < (byte)'0' || c > (byte)'9' || len > 100_000_000)
                {
                    throw new InvalidDataException($"pax header at byte {blockOffset}: record at offset {pos} has a bad length.");
                }

                len = len * 10 + (c - '0');
            }

            if (len <= sp + 1 || pos + len > data.Length || data[pos + len - 1] != (byte)'\n')
            {
                throw new InvalidDataException($"pax header at byte {blockOffset}: record at offset {pos} is malformed.");
            }

            var rec = data.Slice(pos + sp + 1, len - sp - 2);
            var eq = rec.IndexOf((byte)'=');
            if (eq <= 0)
            {
                throw new InvalidDataException($"pax header at byte {blockOffset}: record at offset {pos} has no '='.");
            }

            target[Encoding.UTF8.GetString(rec[..eq])] = rec[(eq + 1)..].ToArray();
            pos += len;
        }
    }
}
