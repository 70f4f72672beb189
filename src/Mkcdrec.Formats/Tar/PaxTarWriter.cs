using System.Text;
using static Mkcdrec.Formats.Tar.TarLayout;

namespace Mkcdrec.Formats.Tar;

/// <summary>
/// Writes a POSIX.1-2001 pax tar stream that GNU tar extracts with every piece of metadata: nanosecond mtimes,
/// SCHILY.xattr.* raw extended attributes, SCHILY.acl.access/default, GNU sparse 1.0, and raw-byte names.
/// Buffered: callers can read file data straight into <see cref="GetDataSpan"/> and <see cref="Advance"/>, with no copy.
/// </summary>
public sealed partial class PaxTarWriter : IDisposable
{
    /// <summary>Name of every pax extended header member (informational only; GNU tar and star ignore it).</summary>
    private static readonly byte[] PaxHeaderName = "././@PaxHeader"u8.ToArray();
    private static readonly byte[] SparseDirName = "GNUSparseFile.0/"u8.ToArray();

    private readonly Stream _out;
    private readonly bool _leaveOpen;
    private byte[] _buf;
    private int _pos;
    private long _flushed;
    private long _remaining; // data bytes the current entry still needs
    private long _entryData;  // data bytes of the current entry (for padding)
    private byte[] _pax = new byte[4096];
    private int _paxLen;
    private bool _finished;

    public PaxTarWriter(Stream output, int bufferSize = 1 << 20, bool leaveOpen = false)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bufferSize, 64 * 1024);
        _out = output;
        _leaveOpen = leaveOpen;
        _buf = new byte[bufferSize - bufferSize % BlockSize];
    }

    /// <summary>Bytes of tar stream produced so far (written plus buffered).</summary>
    public long Position => _flushed + _pos;

    /// <summary>Data bytes the current entry still expects.</summary>
    public long RemainingData => _remaining;

    /// <summary>
    /// Writes the headers of <paramref name="e"/> (a pax extended header when needed, then the ustar header; for a
    /// sparse file also the sparse map). Then write exactly the content (sparse: the data segments in order),
    /// then call <see cref="FinishEntry"/>.
    /// </summary>
    public void WriteHeader(TarEntry e)
    {
        if (_remaining != 0)
        {
            throw new InvalidOperationException($"The previous entry still expects {_remaining} data bytes.");
        }

        var isFile = e.Type is TarEntryType.Regular or TarEntryType.Contiguous;
        var name = e.Name;
        var isDir = e.Type == TarEntryType.Directory;
        _paxLen = 0;

        // Name: the ustar field holds up to 100 bytes; longer or non-ASCII names go to a pax record (raw bytes, as GNU tar does).
        var fullName = isDir && (name.Length == 0 || name[^1] != (byte)'/') ? Concat(name, "/"u8) : name;
        byte[] headerName = fullName;
        List<SparseSegment>? sparse = isFile ? e.Sparse : null;
        long dataSize = isFile ? e.Size : 0;
        byte[]? sparseMap = null;
        if (sparse is not null)
        {
            sparseMap = AddSparseRecords(e, fullName, sparse, out dataSize, out headerName);
        }

        AddRecordsForFieldsThatDoNotFit(e, headerName, dataSize);
        AddAclAndXattrRecords(e);
        if (_paxLen > 0)
        {
            WritePaxHeader(e.MTimeSeconds);
        }

        WriteUstar(headerName, (byte)e.Type, e.Mode & 0xFFF, e.Uid, e.Gid, e.UserName, e.GroupName, dataSize, e.MTimeSeconds, e.LinkName, e.DevMajor, e.DevMinor);
        _entryData = dataSize;
        _remaining = dataSize;
        if (sparseMap is not null)
        {
            WriteData(sparseMap);
        }
    }

    private void WritePaxHeader(long mtimeSeconds)
    {
        WriteUstar(PaxHeaderName, (byte)'x', 0x1A4, 0, 0, null, null, _paxLen, Math.Max(0, mtimeSeconds), null, 0, 0);
        WriteRaw(_pax.AsSpan(0, _paxLen));
        WriteZeros((int)Pad(_paxLen));
    }

    /// <summary>Free buffer space for up to <see cref="RemainingData"/> bytes of content; fill it, then call <see cref="Advance"/>.</summary>
    public Span<byte> GetDataSpan()
    {
        if (_pos == _buf.Length)
        {
            FlushBuffer();
        }

        var n = (int)Math.Min(_buf.Length - _pos, _remaining);
        return _buf.AsSpan(_pos, n);
    }

    public void Advance(int count)
    {
        if (count < 0 || count > _remaining || _pos + count > _buf.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(count));
        }

        _pos += count;
        _remaining -= count;
    }

    public void WriteData(ReadOnlySpan<byte> data)
    {
        if (data.Length > _remaining)
        {
            throw new InvalidOperationException($"Entry data exceeds its declared size by {data.Length - _remaining} bytes.");
        }

        _remaining -= data.Length;
        WriteRaw(data);
    }

    /// <summary>Pads the current entry's data to a block boundary. With <paramref name="fillMissing"/> a short file is zero-filled.</summary>
    public void FinishEntry(bool fillMissing = false)
    {
        if (_remaining != 0)
        {
            if (!fillMissing)
            {
                throw new InvalidOperationException($"The entry still expects {_remaining} data bytes.");
            }

            while (_remaining > 0)
            {
                var s = GetDataSpan();
                s.Clear();
                Advance(s.Length);
            }
        }

        WriteZeros((int)Pad(_entryData));
        _entryData = 0;
    }

    /// <summary>Writes the end-of-archive marker (two zero blocks) padded to a 10 KiB record, and flushes.</summary>
    public void Finish()
    {
        if (_finished)
        {
            return;
        }

        _finished = true;
        WriteZeros(2 * BlockSize);
        var rec = Position % 10240;
        if (rec != 0)
        {
            WriteZeros((int)(10240 - rec));
        }

        FlushBuffer();
        _out.Flush();
    }

    public void Dispose()
    {
        FlushBuffer();
        if (!_leaveOpen)
        {
            _out.Dispose();
        }
    }

    private void FlushBuffer()
    {
        if (_pos > 0)
        {
            if (_out is IBufferExchange x)
            {
                var next = x.Exchange(_buf, _pos);
                if (next.Length != _buf.Length)
                {
                    throw new InvalidOperationException($"The output exchanged a buffer of {_buf.Length} bytes for one of {next.Length}.");
                }

                _buf = next;
            }
            else
            {
                _out.Write(_buf, 0, _pos);
            }

            _flushed += _pos;
            _pos = 0;
        }
    }

    private void WriteRaw(ReadOnlySpan<byte> data)
    {
        while (data.Length > 0)
        {
            if (_pos == _buf.Length)
            {
                FlushBuffer();
            }

            var n = Math.Min(data.Length, _buf.Length - _pos);
            data[..n].CopyTo(_buf.AsSpan(_pos));
            _pos += n;
            data = data[n..];
        }
    }

    private void WriteZeros(int count)
    {
        while (count > 0)
        {
            if (_pos == _buf.Length)
            {
                FlushBuffer();
            }

            var n = Math.Min(count, _buf.Length - _pos);
            _buf.AsSpan(_pos, n).Clear();
            _pos += n;
            count -= n;
        }
    }

    private Span<byte> NextBlock()
    {
        if (_buf.Length - _pos < BlockSize)
        {
            FlushBuffer();
        }

        var s = _buf.AsSpan(_pos, BlockSize);
        _pos += BlockSize;
        s.Clear();
        return s;
    }

    private void WriteUstar(ReadOnlySpan<byte> name, byte type, uint mode, uint uid, uint gid, string? uname, string? gname,
        long size, long mtime, byte[]? link, uint devMajor, uint devMinor)
    {
        var h = NextBlock();
        name[..Math.Min(name.Length, NameLength)].CopyTo(h[NameOffset..]);
        WriteNumber(h.Slice(ModeOffset, ModeLength), mode);
        WriteNumber(h.Slice(UidOffset, UidLength), FitsOctal(UidLength, uid) ? uid : 0);
        WriteNumber(h.Slice(GidOffset, GidLength), FitsOctal(GidLength, gid) ? gid : 0);
        WriteNumber(h.Slice(SizeOffset, SizeLength), size);
        WriteNumber(h.Slice(MTimeOffset, MTimeLength), mtime);
        h[TypeOffset] = type;
        if (link is not null)
        {
            link.AsSpan(0, Math.Min(link.Length, LinkNameLength)).CopyTo(h[LinkNameOffset..]);
        }

        "ustar\0"u8.CopyTo(h[MagicOffset..]);
        "00"u8.CopyTo(h[VersionOffset..]);
        if (uname is not null)
        {
            Encoding.UTF8.GetBytes(uname.AsSpan(0, Math.Min(uname.Length, UNameLength - 1)), h.Slice(UNameOffset, UNameLength));
        }

        if (gname is not null)
        {
            Encoding.UTF8.GetBytes(gname.AsSpan(0, Math.Min(gname.Length, GNameLength - 1)), h.Slice(GNameOffset, GNameLength));
        }

        if (type is (byte)'3' or (byte)'4')
        {
            WriteNumber(h.Slice(DevMajorOffset, DevMajorLength), devMajor);
            WriteNumber(h.Slice(DevMinorOffset, DevMinorLength), devMinor);
        }

        var sum = ComputeChecksum(h, out _);
        // Six octal digits, NUL, space: the form every tar writes.
        for (var i = 5; i >= 0; i--)
        {
            h[ChecksumOffset + i] = (byte)('0' + (sum & 7));
            sum >>= 3;
        }

        h[ChecksumOffset + 6] = 0;
        h[ChecksumOffset + 7] = (byte)' ';
    }

    private static bool FitsUstar(ReadOnlySpan<byte> s, int len)
    {
        if (s.Length > len)
        {
            return false;
        }

        foreach (var b in s)
        {
            if (b >= 0x80 || b == 0)
            {
                return false;
            }
        }

        return true;
    }

    private static bool FitsUstarString(string s, int len)
    {
        if (s.Length >= len)
        {
            return false;
        }

        foreach (var c in s)
        {
            if (c >= 0x80)
            {
                return false;
            }
        }

        return true;
    }

    private static byte[] Concat(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        var r = new byte[a.Length + b.Length];
        a.CopyTo(r);
        b.CopyTo(r.AsSpan(a.Length));
        return r;
    }
}
