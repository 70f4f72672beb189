using System.Text;
using static Mkcdrec.Formats.Tar.TarLayout;

namespace Mkcdrec.Formats.Tar;

/// <summary>The pax extended header records of an entry, built in a reused buffer, and the GNU sparse 1.0 map.</summary>
public sealed partial class PaxTarWriter
{
    /// <summary>
    /// GNU sparse 1.0: records naming the real file, a header name under GNUSparseFile.0/, and the map that
    /// precedes the data segments. Returns the map; <paramref name="dataSize"/> is map plus segments.
    /// </summary>
    private byte[] AddSparseRecords(TarEntry e, byte[] fullName, List<SparseSegment> sparse, out long dataSize, out byte[] headerName)
    {
        var name = e.Name;
        AddRecord("GNU.sparse.major", "1"u8);
        AddRecord("GNU.sparse.minor", "0"u8);
        AddRecord("GNU.sparse.name", fullName);
        AddNumberRecord("GNU.sparse.realsize", e.Size);
        var sparseMap = BuildSparseMap(sparse, e.Size, out var dataBytes);
        dataSize = sparseMap.Length + dataBytes;
        var slash = name.AsSpan().LastIndexOf((byte)'/');
        headerName = slash < 0 ? Concat(SparseDirName, name) : Concat(Concat(name.AsSpan(0, slash + 1), SparseDirName), name.AsSpan(slash + 1));
        return sparseMap;
    }

    /// <summary>Pax records for values the ustar header cannot hold (long or non-ASCII names, big numbers, nanoseconds).</summary>
    private void AddRecordsForFieldsThatDoNotFit(TarEntry e, byte[] headerName, long dataSize)
    {
        if (!FitsUstar(headerName, NameLength))
        {
            AddRecord("path", headerName);
        }

        if (e.LinkName is { } link && !FitsUstar(link, LinkNameLength))
        {
            AddRecord("linkpath", link);
        }

        if (!FitsOctal(SizeLength, dataSize))
        {
            AddNumberRecord("size", dataSize);
        }

        if (!FitsOctal(UidLength, e.Uid))
        {
            AddNumberRecord("uid", e.Uid);
        }

        if (!FitsOctal(GidLength, e.Gid))
        {
            AddNumberRecord("gid", e.Gid);
        }

        if (e.UserName is { } un && !FitsUstarString(un, UNameLength))
        {
            AddRecord("uname", Encoding.UTF8.GetBytes(un));
        }

        if (e.GroupName is { } gn && !FitsUstarString(gn, GNameLength))
        {
            AddRecord("gname", Encoding.UTF8.GetBytes(gn));
        }

        if (e.MTimeNanoseconds != 0 || !FitsOctal(MTimeLength, e.MTimeSeconds))
        {
            AddTimeRecord("mtime", e.MTimeSeconds, e.MTimeNanoseconds);
        }
    }

    private void AddAclAndXattrRecords(TarEntry e)
    {
        if (e.AclAccess is { } aa)
        {
            AddRecord("SCHILY.acl.access", Encoding.UTF8.GetBytes(aa));
        }

        if (e.AclDefault is { } ad)
        {
            AddRecord("SCHILY.acl.default", Encoding.UTF8.GetBytes(ad));
        }

        foreach (var x in e.Xattrs)
        {
            AddRecord("SCHILY.xattr." + x.Key, x.Value);
        }

        if (e.DumpDir is { } dd)
        {
            AddRecord("GNU.dumpdir", dd);
        }
    }
    /// <summary>The GNU sparse 1.0 map: decimal "count\n" then "offset\nlength\n" per segment, padded to a block.</summary>
    private static byte[] BuildSparseMap(List<SparseSegment> segments, long realSize, out long dataBytes)
    {
        var sb = new StringBuilder();
        dataBytes = 0;
        var count = segments.Count;
        var end = segments.Count > 0 ? segments[^1].Offset + segments[^1].Length : 0;
        var trailer = end < realSize || segments.Count == 0;
        sb.Append(count + (trailer ? 1 : 0)).Append('\n');
        foreach (var s in segments)
        {
            sb.Append(s.Offset).Append('\n').Append(s.Length).Append('\n');
            dataBytes += s.Length;
        }

        if (trailer)
        {
            sb.Append(realSize).Append("\n0\n");
        }

        var text = Encoding.ASCII.GetBytes(sb.ToString());
        var map = new byte[text.Length + Pad(text.Length)];
        text.CopyTo(map, 0);
        return map;
    }

    private void AddNumberRecord(string key, long value)
    {
        Span<byte> tmp = stackalloc byte[24];
        value.TryFormat(tmp, out var n);
        AddRecord(key, tmp[..n]);
    }

    private void AddTimeRecord(string key, long seconds, uint nanos)
    {
        Span<byte> tmp = stackalloc byte[40];
        var n = 0;
        if (seconds < 0 && nanos > 0)
        {
            tmp[n++] = (byte)'-';
            (-(seconds + 1)).TryFormat(tmp[n..], out var w);
            n += w;
            nanos = 1_000_000_000 - nanos;
        }
        else
        {
            seconds.TryFormat(tmp[n..], out var w);
            n += w;
        }

        if (nanos != 0)
        {
            tmp[n++] = (byte)'.';
            nanos.TryFormat(tmp[n..], out var w, "D9");
            n += w;
        }

        AddRecord(key, tmp[..n]);
    }

    private void AddRecord(string key, ReadOnlySpan<byte> value)
    {
        // "%d %s=%s\n", where %d counts the whole record including its own digits.
        var keyLen = Encoding.UTF8.GetByteCount(key);
        var body = keyLen + value.Length + 3;
        var len = body + 1;
        while (len != body + DecimalDigitCount(len))
        {
            len = body + DecimalDigitCount(len);
        }

        if (_paxLen + len > _pax.Length)
        {
            Array.Resize(ref _pax, Math.Max(_pax.Length * 2, _paxLen + len));
        }

        var d = _pax.AsSpan(_paxLen, len);
        len.TryFormat(d, out var w);
        d[w++] = (byte)' ';
        w += Encoding.UTF8.GetBytes(key, d[w..]);
        d[w++] = (byte)'=';
        value.CopyTo(d[w..]);
        w += value.Length;
        d[w] = (byte)'\n';
        _paxLen += len;
    }

    private static int DecimalDigitCount(int n)
    {
        var d = 1;
        while (n >= 10)
        {
            n /= 10;
            d++;
        }

        return d;
    }
}
