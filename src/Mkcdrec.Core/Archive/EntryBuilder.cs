using System.Buffers.Binary;
using System.Globalization;
using System.IO.Hashing;
using System.Text;
using System.Text.Unicode;
using Mkcdrec.Core.Platform;
using Mkcdrec.Formats.Tar;
using Mkcdrec.Model.Manifest;

namespace Mkcdrec.Core.Archive;

/// <summary>
/// Fills a <see cref="TarEntry"/> from a live file (metadata, xattrs, ACLs, link targets, hard links, sparse map) and
/// turns entries into manifest <see cref="FileRecord"/>s. Shared by the archiver and the live-tree comparer so both see
/// a file the same way.
/// </summary>
public sealed class EntryBuilder
{
    private readonly IFileSystemAccess _fs;
    private readonly Dictionary<(uint, uint, ulong), byte[]> _links = [];
    private readonly Dictionary<uint, string?> _users = [];
    private readonly Dictionary<uint, string?> _groups = [];
    private readonly List<string> _xattrNames = [];
    private readonly XxHash128 _xattrHash = new();

    public EntryBuilder(IFileSystemAccess fs) => _fs = fs;

    /// <summary>XXH128 of the last filled entry's xattrs and ACLs, or null when it has none.</summary>
    public string? LastXattrHash { get; private set; }

    /// <summary>The tar name of a path relative to the root: "." for the root, "./rel" otherwise.</summary>
    public static byte[] TarName(ReadOnlySpan<byte> relative)
    {
        var n = new byte[relative.Length + (relative.Length == 0 ? 1 : 2)];
        n[0] = (byte)'.';
        if (relative.Length > 0)
        {
            n[1] = (byte)'/';
            relative.CopyTo(n.AsSpan(2));
        }

        return n;
    }

    /// <summary>Fills <paramref name="e"/>. For regular files the caller reads the content; Sparse is set when the file has holes (needs <paramref name="fd"/>).</summary>
    public void Fill(TarEntry e, ReadOnlySpan<byte> fullPath, ReadOnlySpan<byte> relative, in FileStatus st)
    {
        e.Reset();
        e.Name = TarName(relative);
        e.Mode = st.Permissions;
        e.Uid = st.Uid;
        e.Gid = st.Gid;
        e.UserName = Name(_users, st.Uid, true);
        e.GroupName = Name(_groups, st.Gid, false);
        e.MTimeSeconds = st.MTimeSeconds;
        e.MTimeNanoseconds = st.MTimeNanoseconds;
        LastXattrHash = null;

        if (st.Type != FileStatus.Directory && st.Nlink > 1)
        {
            var key = (st.DevMajor, st.DevMinor, st.Inode);
            if (_links.TryGetValue(key, out var first))
            {
                e.Type = TarEntryType.HardLink;
                e.LinkName = first;
                return;
            }

            _links[key] = e.Name;
        }

        SetType(e, fullPath, relative, st);
        ReadXattrs(e, fullPath);
    }

    /// <summary>The entry's type and what goes with it: size, link target, device numbers.</summary>
    private void SetType(TarEntry e, ReadOnlySpan<byte> fullPath, ReadOnlySpan<byte> relative, in FileStatus st)
    {
        switch (st.Type)
        {
            case FileStatus.Regular:
                e.Type = TarEntryType.Regular;
                e.Size = st.Size;
                break;
            case FileStatus.Directory:
                e.Type = TarEntryType.Directory;
                break;
            case FileStatus.Symlink:
                e.Type = TarEntryType.Symlink;
                e.LinkName = _fs.ReadLink(fullPath);
                break;
            case FileStatus.CharDevice:
                e.Type = TarEntryType.CharDevice;
                e.DevMajor = st.RdevMajor;
                e.DevMinor = st.RdevMinor;
                break;
            case FileStatus.BlockDevice:
                e.Type = TarEntryType.BlockDevice;
                e.DevMajor = st.RdevMajor;
                e.DevMinor = st.RdevMinor;
                break;
            case FileStatus.Fifo:
                e.Type = TarEntryType.Fifo;
                break;
            default:
                throw new FileSystemException($"'{Encoding.UTF8.GetString(relative)}' has an unsupported file type 0{st.Type:o}", FileSystemException.EINVAL);
        }
    }

    /// <summary>The file's xattrs in name order; the POSIX ACL ones become the entry's ACL text. Sets <see cref="LastXattrHash"/>.</summary>
    private void ReadXattrs(TarEntry e, ReadOnlySpan<byte> fullPath)
    {
        _xattrNames.Clear();
        _fs.ListXattrs(fullPath, _xattrNames);
        if (_xattrNames.Count > 0)
        {
            _xattrNames.Sort(StringComparer.Ordinal);
            _xattrHash.Reset();
            foreach (var name in _xattrNames)
            {
                var value = _fs.GetXattr(fullPath, name);
                if (value is null)
                {
                    continue;
                }

                AppendXattr(_xattrHash, name, value);
                if (name == PosixAcl.AccessXattr)
                {
                    e.AclAccess = PosixAcl.ToText(value);
                }
                else if (name == PosixAcl.DefaultXattr)
                {
                    e.AclDefault = PosixAcl.ToText(value);
                }
                else
                {
                    e.Xattrs.Add(new(name, value));
                }
            }

            LastXattrHash = Hex(_xattrHash);
        }
    }

    /// <summary>The data segments of an open file, or null when it has no holes.</summary>
    public List<SparseSegment>? FindSparse(int fd, in FileStatus st)
    {
        if (st.Size == 0 || st.Blocks * 512 >= st.Size)
        {
            return null;
        }

        var list = new List<SparseSegment>();
        long off = 0;
        while (off < st.Size)
        {
            var d = _fs.SeekData(fd, off);
            if (d < 0 || d >= st.Size)
            {
                break;
            }

            var h = Math.Min(_fs.SeekHole(fd, d), st.Size);
            list.Add(new SparseSegment(d, h - d));
            off = h;
        }

        return list.Count == 1 && list[0].Offset == 0 && list[0].Length == st.Size ? null : list;
    }

    public static void AppendXattr(XxHash128 h, string name, ReadOnlySpan<byte> value)
    {
        Span<byte> len = stackalloc byte[4];
        h.Append(Encoding.UTF8.GetBytes(name));
        BinaryPrimitives.WriteInt32LittleEndian(len, value.Length);
        h.Append(len);
        h.Append(value);
    }

    public static string Hex(XxHash128 h)
    {
        Span<byte> d = stackalloc byte[16];
        h.GetCurrentHash(d);
        return Convert.ToHexStringLower(d);
    }

    /// <summary>The manifest record of an entry (content hash and xattr hash supplied by the caller).</summary>
    public static FileRecord Record(TarEntry e, string? contentHash, string? xattrHash)
    {
        var r = new FileRecord
        {
            Type = e.Type switch
            {
                TarEntryType.Directory => "d",
                TarEntryType.Symlink => "l",
                TarEntryType.HardLink => "h",
                TarEntryType.CharDevice => "c",
                TarEntryType.BlockDevice => "b",
                TarEntryType.Fifo => "p",
                _ => "f",
            },
            Mode = e.Mode,
            Uid = e.Uid,
            Gid = e.Gid,
            Size = e.Type is TarEntryType.Regular or TarEntryType.Contiguous ? e.Size : 0,
            MTime = string.Create(CultureInfo.InvariantCulture, $"{e.MTimeSeconds}.{e.MTimeNanoseconds:D9}"),
            Hash = contentHash,
            XattrHash = xattrHash,
        };
        var rel = RelativeOf(e.Name);
        if (Utf8.IsValid(rel))
        {
            r.Path = Encoding.UTF8.GetString(rel);
        }
        else
        {
            r.PathBase64 = Convert.ToBase64String(rel);
        }

        if (e.LinkName is { } l)
        {
            var link = e.Type == TarEntryType.HardLink ? RelativeOf(l) : l;
            if (Utf8.IsValid(link))
            {
                r.Link = Encoding.UTF8.GetString(link);
            }
            else
            {
                r.LinkBase64 = Convert.ToBase64String(link);
            }
        }

        if (e.Type is TarEntryType.CharDevice or TarEntryType.BlockDevice)
        {
            r.Device = string.Create(CultureInfo.InvariantCulture, $"{e.DevMajor},{e.DevMinor}");
        }

        return r;
    }

    /// <summary>"./a/b" → "a/b", "." → ".", other names unchanged except a leading "/" removed.</summary>
    public static ReadOnlySpan<byte> RelativeOf(ReadOnlySpan<byte> name)
    {
        while (name.Length > 2 && name[0] == (byte)'.' && name[1] == (byte)'/')
        {
            name = name[2..];
        }

        while (name.Length > 1 && name[0] == (byte)'/')
        {
            name = name[1..];
        }

        if (name.Length == 0 || name.SequenceEqual("./"u8))
        {
            return "."u8;
        }

        return name;
    }

    private string? Name(Dictionary<uint, string?> cache, uint id, bool user)
    {
        if (!cache.TryGetValue(id, out var n))
        {
            n = user ? _fs.UserName(id) : _fs.GroupName(id);
            cache[id] = n;
        }

        return n;
    }
}
