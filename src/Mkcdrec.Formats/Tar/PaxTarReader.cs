using System.Text;
using static Mkcdrec.Formats.Tar.TarLayout;

namespace Mkcdrec.Formats.Tar;

/// <summary>
/// Reads pax/ustar/GNU tar streams: pax local and global headers, GNU long names ('L', 'K'), base-256 numbers,
/// SCHILY.xattr.*, SCHILY.acl.*, GNU sparse 1.0. Every header checksum is verified; damage and truncation raise
/// <see cref="InvalidDataException"/> naming the byte offset in the tar stream.
/// </summary>
/// <remarks>The entry loop and the buffer; the other PaxTarReader.*.cs files read each kind of header.</remarks>
public sealed partial class PaxTarReader
{
    private readonly Stream _in;
    private readonly byte[] _buf;
    private int _start;
    private int _end;
    private long _consumed; // tar-stream offset of _buf[_start]
    private long _remaining; // data bytes of the current entry not yet read
    private long _padding;
    private readonly Dictionary<string, byte[]> _global = new(StringComparer.Ordinal);
    private byte[] _currentName = [];
    private bool _atEnd;

    public PaxTarReader(Stream input, int bufferSize = 1 << 20)
    {
        _in = input;
        _buf = new byte[Math.Max(bufferSize, 64 * 1024)];
    }

    /// <summary>Offset in the tar stream of the next byte to be read.</summary>
    public long Position => _consumed;

    /// <summary>Offset in the tar stream where the current entry's first header started.</summary>
    public long EntryOffset { get; private set; }

    /// <summary>Content bytes of the current entry still to read (sparse: data segments only).</summary>
    public long RemainingData => _remaining;

    /// <summary>Reads the next entry's headers into <paramref name="e"/>; false at the end of the archive.</summary>
    public bool TryReadNext(TarEntry e)
    {
        if (_atEnd)
        {
            return false;
        }

        Skip(_remaining + _padding);
        _remaining = _padding = 0;
        e.Reset();
        var pending = new PendingExtendedHeaders();
        EntryOffset = _consumed;
        while (true)
        {
            var blockOffset = _consumed;
            if (!FillBuffer(BlockSize))
            {
                if (_end - _start == 0)
                {
                    // EOF with no end marker: GNU tar accepts it; so do we, but only on a block boundary.
                    _atEnd = true;
                    if (pending.Pax is not null || pending.LongName is not null)
                    {
                        throw Truncated(blockOffset, "after an extended header");
                    }

                    return false;
                }

                throw Truncated(blockOffset, "inside a header block");
            }

            var h = _buf.AsSpan(_start, BlockSize);
            if (h.IndexOfAnyExcept((byte)0) < 0)
            {
                Consume(BlockSize);
                _atEnd = true;
                return false;
            }

            VerifyChecksum(h, blockOffset);
            var type = h[TypeOffset];
            var size = ReadNumber(h.Slice(SizeOffset, SizeLength), blockOffset, SizeOffset, "size");
            if (size < 0)
            {
                throw new InvalidDataException($"tar header at byte {blockOffset}: negative size.");
            }

            if (type is (byte)'x' or (byte)'g' or (byte)'L' or (byte)'K')
            {
                ReadExtendedHeader(type, size, blockOffset, ref pending);
                continue;
            }

            ReadMemberHeader(h, type, size, blockOffset, e);
            Consume(BlockSize);
            CompleteMember(e, type, blockOffset, in pending);
            return true;
        }
    }

    /// <summary>A view of the next content bytes of the current entry (at most <paramref name="max"/>); empty at its end.</summary>
    public ReadOnlySpan<byte> ReadData(int max = int.MaxValue)
    {
        if (_remaining == 0)
        {
            return default;
        }

        if (_end == _start && !FillBuffer(1))
        {
            throw Truncated(_consumed, $"inside the data of '{DisplayName(_currentName)}' ({_remaining} bytes missing)");
        }

        var n = (int)Math.Min(Math.Min(_end - _start, _remaining), max);
        var s = _buf.AsSpan(_start, n);
        _start += n;
        _consumed += n;
        _remaining -= n;
        return s;
    }

    public static string DisplayName(ReadOnlySpan<byte> name) => Encoding.UTF8.GetString(name);

    private InvalidDataException Truncated(long offset, string where) =>
        new($"tar stream ends at byte {offset} {where}: the archive is truncated.");

    private void Consume(int n)
    {
        _start += n;
        _consumed += n;
    }

    /// <summary>
    /// Reads an extended header's <paramref name="n"/> bytes. The size comes from the archive: the buffer grows with the
    /// bytes that arrive, so a header that claims megabytes in a short stream is refused as truncated before they are
    /// allocated (fuzzing: 14 MB allocated for a 10 KB archive).
    /// </summary>
    private byte[] ReadExact(int n, long blockOffset)
    {
        var r = new byte[Math.Min(n, FirstExtendedHeaderAllocation)];
        var got = 0;
        while (got < n)
        {
            if (_end == _start && !FillBuffer(1))
            {
                throw Truncated(_consumed, $"inside the extended header that starts at byte {blockOffset}");
            }

            if (got == r.Length)
            {
                Array.Resize(ref r, (int)Math.Min(n, 2L * r.Length));
            }

            var k = Math.Min(Math.Min(n - got, _end - _start), r.Length - got);
            _buf.AsSpan(_start, k).CopyTo(r.AsSpan(got));
            Consume(k);
            got += k;
        }

        return r;
    }

    private const int FirstExtendedHeaderAllocation = 64 * 1024;

    private void Skip(long n)
    {
        while (n > 0)
        {
            if (_end == _start && !FillBuffer(1))
            {
                throw Truncated(_consumed, $"inside the data of '{DisplayName(_currentName)}'");
            }

            var k = (int)Math.Min(n, _end - _start);
            Consume(k);
            n -= k;
        }
    }

    /// <summary>Ensures at least <paramref name="n"/> buffered bytes; false at EOF before that.</summary>
    private bool FillBuffer(int n)
    {
        if (_end - _start >= n)
        {
            return true;
        }

        if (_start > 0)
        {
            Buffer.BlockCopy(_buf, _start, _buf, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }

        while (_end < n)
        {
            var r = _in.Read(_buf, _end, _buf.Length - _end);
            if (r == 0)
            {
                return false;
            }

            _end += r;
        }

        return true;
    }
}
