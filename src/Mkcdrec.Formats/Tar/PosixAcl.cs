using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace Mkcdrec.Formats.Tar;

/// <summary>
/// Converts between the kernel's POSIX ACL xattr value (system.posix_acl_access / system.posix_acl_default:
/// a little-endian u32 version 2, then u16 tag, u16 perm, u32 id per entry) and the text form GNU tar stores
/// in SCHILY.acl.access / SCHILY.acl.default ("user::rw-\nuser:1000:r--\ngroup::r--\nmask::r--\nother::r--\n").
/// We write numeric ids (a rescue system has no user database); we read names too, through a resolver.
/// </summary>
public static class PosixAcl
{
    public const string AccessXattr = "system.posix_acl_access";
    public const string DefaultXattr = "system.posix_acl_default";

    private const uint Version = 2;
    private const ushort UserObj = 0x01, User = 0x02, GroupObj = 0x04, Group = 0x08, Mask = 0x10, Other = 0x20;
    private const uint UndefinedId = 0xFFFFFFFF;

    /// <summary>The text form of a kernel ACL xattr value.</summary>
    public static string ToText(ReadOnlySpan<byte> xattr)
    {
        if (xattr.Length < 4 || (xattr.Length - 4) % 8 != 0 || BinaryPrimitives.ReadUInt32LittleEndian(xattr) != Version)
        {
            throw new InvalidDataException($"POSIX ACL xattr of {xattr.Length} bytes is not version 2 with 8-byte entries.");
        }

        var sb = new StringBuilder();
        for (var p = 4; p < xattr.Length; p += 8)
        {
            var tag = BinaryPrimitives.ReadUInt16LittleEndian(xattr[p..]);
            var perm = BinaryPrimitives.ReadUInt16LittleEndian(xattr[(p + 2)..]);
            var id = BinaryPrimitives.ReadUInt32LittleEndian(xattr[(p + 4)..]);
            sb.Append(tag switch
            {
                UserObj => "user::",
                User => "user:" + id.ToString(CultureInfo.InvariantCulture) + ":",
                GroupObj => "group::",
                Group => "group:" + id.ToString(CultureInfo.InvariantCulture) + ":",
                Mask => "mask::",
                Other => "other::",
                _ => throw new InvalidDataException($"POSIX ACL xattr: unknown tag 0x{tag:x} at byte {p}."),
            });
            sb.Append((perm & 4) != 0 ? 'r' : '-').Append((perm & 2) != 0 ? 'w' : '-').Append((perm & 1) != 0 ? 'x' : '-').Append('\n');
        }

        return sb.ToString();
    }

    /// <summary>
    /// The kernel xattr value of an ACL text (entries separated by newlines or commas, "#" comments ignored).
    /// Names are looked up with <paramref name="resolveUser"/> / <paramref name="resolveGroup"/>; numbers are used as ids.
    /// </summary>
    public static byte[] FromText(string text, Func<string, uint?>? resolveUser = null, Func<string, uint?>? resolveGroup = null)
    {
        var entries = new List<(ushort Tag, ushort Perm, uint Id)>();
        foreach (var raw in text.Split(['\n', ','], StringSplitOptions.RemoveEmptyEntries))
        {
            var line = raw;
            var hash = line.IndexOf('#', StringComparison.Ordinal);
            if (hash >= 0)
            {
                line = line[..hash];
            }

            line = line.Trim();
            if (line.Length == 0)
            {
                continue;
            }

            var parts = line.Split(':');
            if (parts.Length != 3)
            {
                throw new InvalidDataException($"ACL entry '{line}' is not 'type:qualifier:perms'.");
            }

            var (kind, qual, perms) = (parts[0], parts[1], parts[2]);
            var (tag, id) = ParseTagAndId(line, kind, qual, resolveUser, resolveGroup);
            entries.Add((tag, ParsePermissions(line, perms), id));
        }

        // The kernel wants entries sorted by tag, then id.
        entries.Sort((a, b) => a.Tag != b.Tag ? a.Tag.CompareTo(b.Tag) : a.Id.CompareTo(b.Id));
        var r = new byte[4 + 8 * entries.Count];
        BinaryPrimitives.WriteUInt32LittleEndian(r, Version);
        for (var i = 0; i < entries.Count; i++)
        {
            var p = 4 + 8 * i;
            BinaryPrimitives.WriteUInt16LittleEndian(r.AsSpan(p), entries[i].Tag);
            BinaryPrimitives.WriteUInt16LittleEndian(r.AsSpan(p + 2), entries[i].Perm);
            BinaryPrimitives.WriteUInt32LittleEndian(r.AsSpan(p + 4), entries[i].Id);
        }

        return r;
    }

    /// <summary>The kernel tag of an entry type ("user", "g", ...) and its id (undefined for the owner, owning group, mask, other).</summary>
    private static (ushort Tag, uint Id) ParseTagAndId(
        string line, string kind, string qual, Func<string, uint?>? resolveUser, Func<string, uint?>? resolveGroup)
    {
        ushort tag;
        var id = UndefinedId;
        switch (kind)
        {
            case "user" or "u":
                tag = qual.Length == 0 ? UserObj : User;
                if (qual.Length > 0)
                {
                    id = ResolveId(qual, resolveUser, "user");
                }

                break;
            case "group" or "g":
                tag = qual.Length == 0 ? GroupObj : Group;
                if (qual.Length > 0)
                {
                    id = ResolveId(qual, resolveGroup, "group");
                }

                break;
            case "mask" or "m":
                tag = Mask;
                break;
            case "other" or "o":
                tag = Other;
                break;
            default:
                throw new InvalidDataException($"ACL entry '{line}' has an unknown type '{kind}'.");
        }

        return (tag, id);
    }

    private static ushort ParsePermissions(string line, string perms)
    {
        ushort perm = 0;
        foreach (var c in perms)
        {
            perm |= c switch
            {
                'r' => (ushort)4,
                'w' => (ushort)2,
                'x' => (ushort)1,
                '-' => (ushort)0,
                _ => throw new InvalidDataException($"ACL entry '{line}' has bad permissions '{perms}'."),
            };
        }

        return perm;
    }

    private static uint ResolveId(string qual, Func<string, uint?>? resolver, string what)
    {
        if (uint.TryParse(qual, NumberStyles.None, CultureInfo.InvariantCulture, out var n))
        {
            return n;
        }

        return resolver?.Invoke(qual) ?? throw new InvalidDataException($"ACL names {what} '{qual}', which does not exist here.");
    }
}
