using System.Text;

namespace Mkcdrec.Formats.Tar;

/// <summary>Applies pax records (POSIX keywords, SCHILY.xattr/acl, GNU sparse 1.0) to an entry.</summary>
public sealed partial class PaxTarReader
{
    /// <summary>GNU sparse records seen among one header's pax records.</summary>
    private struct GnuSparseRecords
    {
        public byte[]? Name;
        public long? RealSize;
        public string? Major;
    }

    /// <summary>Applies pax records; returns GNU.sparse.realsize for a sparse member (which then has an empty Sparse list).</summary>
    private static long? ApplyPaxRecords(Dictionary<string, byte[]> pax, TarEntry e, long blockOffset)
    {
        var sparse = new GnuSparseRecords();
        foreach (var (key, value) in pax)
        {
            if (!TryApplyPosixRecord(key, value, e, blockOffset) && !TryReadSparseRecord(key, value, blockOffset, ref sparse))
            {
                KeepOtherRecord(key, value, e);
            }
        }

        if (sparse.Major is not null || sparse.Name is not null)
        {
            if (sparse.Major != "1")
            {
                throw new InvalidDataException($"tar header at byte {blockOffset}: GNU sparse format {sparse.Major ?? "0.x"} is not supported.");
            }

            if (sparse.Name is not null)
            {
                e.Name = sparse.Name;
            }

            e.Sparse = [];
            return sparse.RealSize ?? throw new InvalidDataException($"tar header at byte {blockOffset}: GNU sparse member without GNU.sparse.realsize.");
        }

        return null;
    }

    /// <summary>Applies a POSIX pax keyword or an ACL record; false for any other key.</summary>
    private static bool TryApplyPosixRecord(string key, byte[] value, TarEntry e, long blockOffset)
    {
        switch (key)
        {
            case "path":
                e.Name = value;
                return true;
            case "linkpath":
                e.LinkName = value;
                return true;
            case "size":
                e.Size = ParseLong(value, key, blockOffset);
                return true;
            case "uid":
                e.Uid = (uint)ParseLong(value, key, blockOffset);
                return true;
            case "gid":
                e.Gid = (uint)ParseLong(value, key, blockOffset);
                return true;
            case "uname":
                e.UserName = Encoding.UTF8.GetString(value);
                return true;
            case "gname":
                e.GroupName = Encoding.UTF8.GetString(value);
                return true;
            case "mtime":
                ParseTime(value, blockOffset, out var sec, out var ns);
                e.MTimeSeconds = sec;
                e.MTimeNanoseconds = ns;
                return true;
            case "SCHILY.acl.access":
                e.AclAccess = Encoding.UTF8.GetString(value);
                return true;
            case "SCHILY.acl.default":
                e.AclDefault = Encoding.UTF8.GetString(value);
                return true;
            case "GNU.dumpdir":
                e.DumpDir = value;
                return true;
            case "atime":
            case "ctime":
            case "hdrcharset":
            case "comment":
                return true; // read and ignored
            default:
                return false;
        }
    }

    /// <summary>Collects a GNU.sparse.* record; false for any other key. Sparse 0.x records are refused.</summary>
    private static bool TryReadSparseRecord(string key, byte[] value, long blockOffset, ref GnuSparseRecords sparse)
    {
        switch (key)
        {
            case "GNU.sparse.name":
                sparse.Name = value;
                return true;
            case "GNU.sparse.realsize":
                sparse.RealSize = ParseLong(value, key, blockOffset);
                return true;
            case "GNU.sparse.major":
                sparse.Major = Encoding.ASCII.GetString(value);
                return true;
            case "GNU.sparse.size":
                sparse.RealSize ??= ParseLong(value, key, blockOffset);
                return true;
            case "GNU.sparse.map":
            case "GNU.sparse.numblocks":
            case "GNU.sparse.offset":
            case "GNU.sparse.numbytes":
                throw new InvalidDataException($"tar header at byte {blockOffset}: GNU sparse format 0.x is not supported (GNU tar writes 1.0 by default).");
            case "GNU.sparse.minor":
                return true;
            default:
                return false;
        }
    }

    private static void KeepOtherRecord(string key, byte[] value, TarEntry e)
    {
        if (key.StartsWith("SCHILY.xattr.", StringComparison.Ordinal))
        {
            e.Xattrs.Add(new(key["SCHILY.xattr.".Length..], value));
        }
        else
        {
            e.UnknownRecords.Add(new(key, value));
        }
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
}
