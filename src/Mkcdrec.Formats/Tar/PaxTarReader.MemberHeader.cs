using System.Text;
using static Mkcdrec.Formats.Tar.TarLayout;

namespace Mkcdrec.Formats.Tar;

/// <summary>The member header block: checksum, ustar fields, and what the extended headers before it override.</summary>
public sealed partial class PaxTarReader
{
    private static void VerifyChecksum(ReadOnlySpan<byte> h, long blockOffset)
    {
        var stored = ReadNumber(h.Slice(ChecksumOffset, ChecksumLength), blockOffset, ChecksumOffset, "checksum");
        var sum = ComputeChecksum(h, out var signedSum);
        if (stored != sum && stored != signedSum)
        {
            throw new InvalidDataException($"tar header at byte {blockOffset}: checksum mismatch (stored {stored}, computed {sum}); the archive is damaged here.");
        }
    }

    /// <summary>Fills <paramref name="e"/> from the fields of a ustar (or pre-POSIX) member header block.</summary>
    private static void ReadMemberHeader(ReadOnlySpan<byte> h, byte type, long size, long blockOffset, TarEntry e)
    {
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
            ReadUstarOwnerAndDevice(h, blockOffset, e);
        }
    }

    private static void ReadUstarOwnerAndDevice(ReadOnlySpan<byte> h, long blockOffset, TarEntry e)
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

    /// <summary>
    /// After the member header block is consumed: applies GNU long names and pax records, sets how much data
    /// follows, reads a sparse map, and makes the entry current.
    /// </summary>
    private void CompleteMember(TarEntry e, byte type, long blockOffset, in PendingExtendedHeaders pending)
    {
        if (pending.LongName is not null)
        {
            e.Name = pending.LongName;
        }

        if (pending.LongLink is not null)
        {
            e.LinkName = pending.LongLink;
        }

        if (type is (byte)'S' or (byte)'M' or (byte)'V')
        {
            throw new InvalidDataException($"tar header at byte {blockOffset}: GNU old-format member type '{(char)type}' is not supported (write the archive with --format=pax).");
        }

        long? realSize = null;
        if (_global.Count > 0)
        {
            realSize = ApplyPaxRecords(_global, e, blockOffset) ?? realSize;
        }

        if (pending.Pax is not null)
        {
            realSize = ApplyPaxRecords(pending.Pax, e, blockOffset) ?? realSize;
        }

        SetDataExtent(e);
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
    }

    private void SetDataExtent(TarEntry e)
    {
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
    }
}
