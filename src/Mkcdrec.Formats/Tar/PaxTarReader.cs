using System.Text;
using static Mkcdrec.Formats.Tar.TarLayout;

namespace Mkcdrec.Formats.Tar;

/// <summary>
/// Reads pax/ustar/GNU tar streams: pax local and global headers, GNU long names ('L', 'K'), base-256 numbers,
/// SCHILY.xattr.*, SCHILY.acl.*, GNU sparse 1.0. Every header checksum is verified; damage and truncation raise
/// <see cref="InvalidDataException"/> naming the byte offset in the tar stream.
/// </summary>
public sealed class PaxTarReader
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
        byte[]? longName = null, longLink = null;
        Dictionary<string, byte[]>? pax = null;
        EntryOffset = _consumed;
        while (true)
        {
            var blockOffset = _consumed;
            if (!Fill(BlockSize))
            {
                if (_end - _start == 0)
                {
                    // EOF with no end marker: GNU tar accepts it; so do we, but only on a block boundary.
                    _atEnd = true;
                    if (pax is not null || longName is not null)
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
                _start += BlockSize;
                _consumed += BlockSize;
                _atEnd = true;
                return false;
            }

            var stored = ReadNumber(h.Slice(ChecksumOffset, ChecksumLength), blockOffset, ChecksumOffset, "checksum");
            var sum = ComputeChecksum(h, out var signedSum);
            if (stored != sum && stored != signedSum)
            {
                throw new InvalidDataException($"tar header at byte {blockOffset}: checksum mismatch (stored {stored}, computed {sum}); the archive is damaged here.");
            }

            var type = h[TypeOffset];
            var size = ReadNumber(h.Slice(SizeOffset, SizeLength), blockOffset, SizeOffset, "size");
            if (size < 0)
            {
                throw new InvalidDataException($"tar header at byte {blockOffset}: negative size.");
            }

            switch (type)
            {
                case (byte)'x':
                case (byte)'g':
                case (byte)'L':
                case (byte)'K':
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
                        longName = CString(data).ToArray();
                    }
                    else if (type == (byte)'K')
                    {
                        longLink = CString(data).ToArray();
                    }
                    else
                    {
                        var target = type == (byte)'g' ? _global : (pax ??= new Dictionary<string, byte[]>(StringComparer.Ordinal));
                        ParsePax(data, target, blockOffset);
                    }

                    continue;
                }
            }

            // A real member header.
            var name = CString(h.Slice(NameOffset, NameLength));
            var isUstar = h.Slice(MagicOffset, 5).SequenceEqual("ustar"u8);
            var prefix = isUstar && h[VersionOffset] == (byte)'0' ? CString(h.Slice(PrefixOffset, PrefixLength)) : default;
            e.Name = prefix.Length > 0 ? [.. prefix, (byte)'/', .. name] : name.ToArray();
            e.Type = type == 0 ? TarEntryType.Regular : (TarEntryType)type;
            e.Mode = (uint)(ReadNumber(h.Slice(ModeOffset, ModeLength), blockOffset, ModeOffset, "mode") & 0xFFF);
            e.Uid = (uint)ReadNumber(h.Slice(UidOffset, UidLength), blockOffset, UidOffset, "uid");
            e.Gid = (uint)ReadNumber(h.Slice(GidOffset, GidLength), blockOffset, GidOffset, "gid");
            e.Size = size;
            e.MTimeSeconds = ReadNumber(h.Slice(MTimeOffset, MTimeLength), blockOffset, MTimeOffset, "mtime");
            var link = CString(h.Slice(LinkNameOffset, LinkNameLength));
            e.LinkName = link.Length > 0 ? link.ToArray() : null;
            if (isUstar)
            {
                var un = CString(h.Slice(UNameOffset, UNameLength));
                var gn = CString(h.Slice(GNameOffset, GNameLength));
                e.UserName = un.Length > 0 ? Encoding.UTF8.GetString(un) : null;
                e.GroupName = gn.Length > 0 ? Encoding.UTF8.GetString(gn) : null;
                if (e.Type is TarEntryType.CharDevice or TarEntryType.BlockDevice)
                {
                    e.DevMajor = (uint)ReadNumber(h.Slice(DevMajorOffset, DevMajorLength), blockOffset, DevMajorOffset, "devmajor");
                    e.DevMinor = (uint)ReadNumber(h.Slice(DevMinorOffset, DevMinorLength), blockOffset, DevMinorOffset, "devminor");
                }
            }

            Consume(BlockSize);
            if (longName is not null)
            {
                e.Name = longName;
            }

            if (longLink is not null)
            {
                e.LinkName = longLink;
            }

            if (type is (byte)'S' or (byte)'M' or (byte)'V')
            {
                throw new InvalidDataException($"tar header at byte {blockOffset}: GNU old-format member type '{(char)type}' is not supported (write the archive with --format=pax).");
            }

            long? realSize = null;
            if (_global.Count > 0)
            {
                realSize = Apply(_global, e, blockOffset) ?? realSize;
            }

            if (pax is not null)
            {
                realSize = Apply(pax, e, blockOffset) ?? realSize;
            }

            // Members other than files carry no data (hard links may, but GNU tar never writes it; skip it if present).
            var dataInArchive = e.Size;
            if (e.Type is not (TarEntryType.Regular or TarEntryType.Contiguous))
            {
                _remaining = 0;
                _padding = dataInArchive + Pad(dataInArchive);
                e.Size = 0;
                e.Sparse = null;
            }
            else
            {
                _remaining = dataInArchive;
                _padding = Pad(dataInArchive);
            }

            if (e.Sparse is not null)
            {
                e.Size = realSize ?? throw new InvalidDataException($"tar header at byte {blockOffset}: GNU sparse member without GNU.sparse.realsize.");
                ReadSparseMap(e, blockOffset);
            }

            // Strip a trailing slash from names (directories).
            if (e.Name.Length > 1 && e.Name[^1] == (byte)'/')
            {
                e.Name = e.Name.AsSpan(0, e.Name.Length - 1).ToArray();
            }

            _currentName = e.Name;
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

        if (_end == _start && !Fill(1))
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

    private void ReadSparseMap(TarEntry e, long blockOffset)
    {
        // GNU sparse 1.0: the data starts with decimal lines "count", then "offset", "length" pairs, padded to a block.
        long read = 0;
        long ReadLine()
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

        var count = ReadLine();
        if (count > 1 << 24)
        {
            throw new InvalidDataException($"tar member at byte {blockOffset}: sparse map of {count} segments is implausible.");
        }

        var list = new List<SparseSegment>((int)count);
        long sum = 0, prevEnd = 0;
        for (var i = 0; i < count; i++)
        {
            var off = ReadLine();
            var len = ReadLine();
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

    /// <summary>Applies pax records; returns GNU.sparse.realsize for a sparse member (which then has an empty Sparse list).</summary>
    private static long? Apply(Dictionary<string, byte[]> pax, TarEntry e, long blockOffset)
    {
        byte[]? sparseName = null;
        long? realSize = null;
        string? major = null;
        foreach (var (key, value) in pax)
        {
            switch (key)
            {
                case "path":
                    e.Name = value;
                    break;
                case "linkpath":
                    e.LinkName = value;
                    break;
                case "size":
                    e.Size = ParseLong(value, key, blockOffset);
                    break;
                case "uid":
                    e.Uid = (uint)ParseLong(value, key, blockOffset);
                    break;
                case "gid":
                    e.Gid = (uint)ParseLong(value, key, blockOffset);
                    break;
                case "uname":
                    e.UserName = Encoding.UTF8.GetString(value);
                    break;
                case "gname":
                    e.GroupName = Encoding.UTF8.GetString(value);
                    break;
                case "mtime":
                    ParseTime(value, blockOffset, out var sec, out var ns);
                    e.MTimeSeconds = sec;
                    e.MTimeNanoseconds = ns;
                    break;
                case "SCHILY.acl.access":
                    e.AclAccess = Encoding.UTF8.GetString(value);
                    break;
                case "SCHILY.acl.default":
                    e.AclDefault = Encoding.UTF8.GetString(value);
                    break;
                case "GNU.sparse.name":
                    sparseName = value;
                    break;
                case "GNU.sparse.realsize":
                    realSize = ParseLong(value, key, blockOffset);
                    break;
                case "GNU.sparse.major":
                    major = Encoding.ASCII.GetString(value);
                    break;
                case "GNU.sparse.size":
                    realSize ??= ParseLong(value, key, blockOffset);
                    break;
                case "GNU.sparse.map":
                case "GNU.sparse.numblocks":
                case "GNU.sparse.offset":
                case "GNU.sparse.numbytes":
                    throw new InvalidDataException($"tar header at byte {blockOffset}: GNU sparse format 0.x is not supported (GNU tar writes 1.0 by default).");
                case "atime":
                case "ctime":
                case "hdrcharset":
                case "comment":
                case "GNU.sparse.minor":
                    break;
                default:
                    if (key.StartsWith("SCHILY.xattr.", StringComparison.Ordinal))
                    {
                        e.Xattrs.Add(new(key["SCHILY.xattr.".Length..], value));
                    }
                    else
                    {
                        e.UnknownRecords.Add(new(key, value));
                    }

                    break;
            }
        }

        if (major is not null || sparseName is not null)
        {
            if (major != "1")
            {
                throw new InvalidDataException($"tar header at byte {blockOffset}: GNU sparse format {major ?? "0.x"} is not supported.");
            }

            if (sparseName is not null)
            {
                e.Name = sparseName;
            }

            e.Sparse = [];
            return realSize ?? throw new InvalidDataException($"tar header at byte {blockOffset}: GNU sparse member without GNU.sparse.realsize.");
        }

        return null;
    }

    internal static long ParseLong(ReadOnlySpan<byte> v, string key, long blockOffset)
    {
        if (!long.TryParse(v, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var r))
        {
            throw new InvalidDataException($"pax header at byte {blockOffset}: '{key}' is not a number.");
        }

        return r;
    }

    private static void ParseTime(ReadOnlySpan<byte> v, long blockOffset, out long sec, out uint ns)
    {
        var neg = v.Length > 0 && v[0] == (byte)'-';
        var body = neg ? v[1..] : v;
        var dot = body.IndexOf((byte)'.');
        var whole = dot < 0 ? body : body[..dot];
        sec = whole.Length == 0 ? 0 : ParseLong(whole, "mtime", blockOffset);
        long frac = 0;
        if (dot >= 0)
        {
            var f = body[(dot + 1)..];
            for (var i = 0; i < 9; i++)
            {
                var d = i < f.Length ? f[i] : (byte)'0';
                if (d < (byte)'0' || d > (byte)'9')
                {
                    throw new InvalidDataException($"pax header at byte {blockOffset}: 'mtime' is not a time.");
                }

                frac = frac * 10 + (d - '0');
            }
        }

        if (neg)
        {
            sec = -sec;
            if (frac > 0)
            {
                sec -= 1;
                frac = 1_000_000_000 - frac;
            }
        }

        ns = (uint)frac;
    }

    private InvalidDataException Truncated(long offset, string where) =>
        new($"tar stream ends at byte {offset} {where}: the archive is truncated.");

    private void Consume(int n)
    {
        _start += n;
        _consumed += n;
    }

    private byte[] ReadExact(int n, long blockOffset)
    {
        var r = new byte[n];
        var got = 0;
        while (got < n)
        {
            if (_end == _start && !Fill(1))
            {
                throw Truncated(_consumed, $"inside the extended header that starts at byte {blockOffset}");
            }

            var k = Math.Min(n - got, _end - _start);
            _buf.AsSpan(_start, k).CopyTo(r.AsSpan(got));
            Consume(k);
            got += k;
        }

        return r;
    }

    private void Skip(long n)
    {
        while (n > 0)
        {
            if (_end == _start && !Fill(1))
            {
                throw Truncated(_consumed, $"inside the data of '{DisplayName(_currentName)}'");
            }

            var k = (int)Math.Min(n, _end - _start);
            Consume(k);
            n -= k;
        }
    }

    /// <summary>Ensures at least <paramref name="n"/> buffered bytes; false at EOF before that.</summary>
    private bool Fill(int n)
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
