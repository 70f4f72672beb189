using System.Text;

namespace Mkcdrec.Formats.Cpio;

/// <summary>
/// Reads "newc" ("070701") and "crc" ("070702") cpio archives forward only, so the input may be a
/// decompressor. Stops at TRAILER!!!. Bad magic, bad hex digits, truncation or a wrong crc-format
/// checksum throw <see cref="InvalidDataException"/> with the byte offset in the (uncompressed) archive.
/// </summary>
public sealed class CpioReader : IDisposable
{
    /// <summary>Entries larger than this are refused (the reader keeps data in memory; the largest .NET byte array).</summary>
    public const long MaxEntrySize = 0x7FFFFFC7;

    /// <summary>Data up to this size is read into a buffer of c_filesize at once; above it the buffer grows as data arrives.</summary>
    private const int TrustedDataSize = 1 << 20;

    private const int MaxNameSize = 4096 * 4;

    private readonly Stream _input;
    private readonly bool _leaveOpen;
    private long _position;
    private bool _done;

    public CpioReader(Stream input, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(input);
        _input = input;
        _leaveOpen = leaveOpen;
    }

    /// <summary>Bytes consumed from the input so far.</summary>
    public long Position => _position;

    /// <summary>All entries of the archive in <paramref name="archive"/> (up to its trailer).</summary>
    public static List<CpioEntry> ReadAll(ReadOnlySpan<byte> archive)
    {
        using var reader = new CpioReader(new MemoryStream(archive.ToArray(), writable: false));
        return reader.ReadAll();
    }

    public List<CpioEntry> ReadAll()
    {
        var list = new List<CpioEntry>();
        while (GetNextEntry() is { } e)
        {
            list.Add(e);
        }

        return list;
    }

    /// <summary>The next entry, or null after the trailer.</summary>
    public CpioEntry? GetNextEntry()
    {
        if (_done)
        {
            return null;
        }

        var start = _position;
        var h = new byte[CpioFormat.HeaderSize];
        ReadExactly(h, start, "header");
        var crc = IsCrcFormat(h, start);
        uint HexField(int offset, string field) => ParseHex(h, offset, field, start);

        var ino = HexField(CpioFormat.InoOffset, "c_ino");
        var mode = HexField(CpioFormat.ModeOffset, "c_mode");
        var uid = HexField(CpioFormat.UidOffset, "c_uid");
        var gid = HexField(CpioFormat.GidOffset, "c_gid");
        var nlink = HexField(CpioFormat.NLinkOffset, "c_nlink");
        var mtime = HexField(CpioFormat.MTimeOffset, "c_mtime");
        var size = HexField(CpioFormat.FileSizeOffset, "c_filesize");
        var devMajor = HexField(CpioFormat.DevMajorOffset, "c_devmajor");
        var devMinor = HexField(CpioFormat.DevMinorOffset, "c_devminor");
        var rdevMajor = HexField(CpioFormat.RDevMajorOffset, "c_rdevmajor");
        var rdevMinor = HexField(CpioFormat.RDevMinorOffset, "c_rdevminor");
        var nameSize = HexField(CpioFormat.NameSizeOffset, "c_namesize");
        var check = HexField(CpioFormat.CheckOffset, "c_check");

        var name = ReadName(nameSize, start);
        if (name == CpioFormat.TrailerName)
        {
            _done = true;
            Skip(size + CpioFormat.Pad(size), "trailer data");
            return null;
        }

        var type = CpioFormat.TypeFromMode(mode)
            ?? throw new InvalidDataException($"cpio: entry '{name}' at byte offset {start} has an unknown file type in c_mode 0x{mode:x}.");
        if (size > MaxEntrySize)
        {
            throw new InvalidDataException($"cpio: entry '{name}' at byte offset {start} is {size} bytes, more than this reader holds in memory ({MaxEntrySize}).");
        }

        var data = ReadData((int)size, $"data of '{name}'");
        Skip(CpioFormat.Pad(size), "data padding");

        // The crc format checksums regular files only (GNU cpio writes 0 for symlinks; the kernel checks files only).
        if (crc && type == CpioEntryType.RegularFile)
        {
            VerifyChecksum(data, check, name, start);
        }

        return new CpioEntry
        {
            Name = name,
            Type = type,
            Permissions = mode & CpioFormat.PermissionMask,
            Uid = uid,
            Gid = gid,
            ModificationTime = mtime,
            Inode = ino,
            NLink = nlink,
            DevMajor = devMajor,
            DevMinor = devMinor,
            RDevMajor = rdevMajor,
            RDevMinor = rdevMinor,
            Check = check,
            Data = data,
        };
    }

    /// <summary>Whether the header's magic is the crc format's (070702) rather than newc's (070701); any other magic is refused.</summary>
    private static bool IsCrcFormat(byte[] h, long start)
    {
        var magic = Encoding.ASCII.GetString(h, CpioFormat.MagicOffset, 6);
        return magic switch
        {
            CpioFormat.NewcMagic => false,
            CpioFormat.CrcMagic => true,
            _ => throw new InvalidDataException(
                $"cpio: bad magic \"{Printable(h.AsSpan(0, 6))}\" at byte offset {start}; expected {CpioFormat.NewcMagic} (newc) or {CpioFormat.CrcMagic} (crc). " +
                (magic.StartsWith("0707", StringComparison.Ordinal) ? "Old binary/odc cpio formats are not supported." : "Not a newc cpio archive, or it is still compressed.")),
        };
    }

    /// <summary>Reads the NUL-terminated name that follows the header, and its padding.</summary>
    private string ReadName(uint nameSize, long start)
    {
        if (nameSize is 0 or > MaxNameSize)
        {
            throw new InvalidDataException($"cpio: name size {nameSize} in the header at byte offset {start} is out of range (1..{MaxNameSize}).");
        }

        var nameOffset = _position;
        var nameBytes = new byte[nameSize];
        ReadExactly(nameBytes, nameOffset, "name");
        if (nameBytes[^1] != 0)
        {
            throw new InvalidDataException($"cpio: the name at byte offset {nameOffset} is not NUL-terminated (c_namesize {nameSize}).");
        }

        var name = Encoding.UTF8.GetString(nameBytes, 0, nameBytes.Length - 1);
        Skip(CpioFormat.Pad(CpioFormat.HeaderSize + nameSize), "name padding");
        return name;
    }

    private static void VerifyChecksum(byte[] data, uint check, string name, long start)
    {
        uint sum = 0;
        foreach (var b in data)
        {
            sum += b;
        }

        if (sum != check)
        {
            throw new InvalidDataException($"cpio: checksum mismatch for '{name}' (header at byte offset {start}): c_check 0x{check:X8}, data sums to 0x{sum:X8}.");
        }
    }

    public void Dispose()
    {
        if (!_leaveOpen)
        {
            _input.Dispose();
        }
    }

    private static uint ParseHex(byte[] h, int offset, string field, long headerStart)
    {
        uint v = 0;
        for (var i = 0; i < CpioFormat.FieldLength; i++)
        {
            var c = h[offset + i];
            int d = c switch
            {
                >= (byte)'0' and <= (byte)'9' => c - '0',
                >= (byte)'a' and <= (byte)'f' => c - 'a' + 10,
                >= (byte)'A' and <= (byte)'F' => c - 'A' + 10,
                _ => throw new InvalidDataException(
                    $"cpio: {field} at byte offset {headerStart + offset} is \"{Printable(h.AsSpan(offset, CpioFormat.FieldLength))}\", not 8 hexadecimal digits."),
            };
            v = (v << 4) | (uint)d;
        }

        return v;
    }

    private static string Printable(ReadOnlySpan<byte> bytes)
    {
        var sb = new StringBuilder();
        foreach (var b in bytes)
        {
            sb.Append(b is >= 0x20 and < 0x7f ? (char)b : '?');
        }

        return sb.ToString();
    }

    /// <summary>
    /// Reads <paramref name="size"/> data bytes. c_filesize is not trusted with memory: above 1 MiB the buffer grows with
    /// the bytes that actually arrive, so a header that claims 2 GiB in a short archive fails as truncated, not out of memory.
    /// </summary>
    private byte[] ReadData(int size, string what)
    {
        var offset = _position;
        var data = new byte[Math.Min(size, TrustedDataSize)];
        var got = 0;
        while (got < size)
        {
            if (got == data.Length)
            {
                Array.Resize(ref data, (int)Math.Min(size, 2L * data.Length));
            }

            var n = _input.Read(data, got, data.Length - got);
            if (n == 0)
            {
                throw new InvalidDataException($"cpio: truncated archive: the {what} at byte offset {offset} needs {size} bytes, only {got} remain (no TRAILER!!! seen).");
            }

            got += n;
            _position += n;
        }

        return data;
    }

    private void ReadExactly(byte[] buffer, long offset, string what)
    {
        var n = _input.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
        _position += n;
        if (n < buffer.Length)
        {
            throw new InvalidDataException($"cpio: truncated archive: the {what} at byte offset {offset} needs {buffer.Length} bytes, only {n} remain (no TRAILER!!! seen).");
        }
    }

    private void Skip(long count, string what)
    {
        if (count == 0)
        {
            return;
        }

        var offset = _position;
        var buffer = new byte[Math.Min(count, 1 << 16)];
        var left = count;
        while (left > 0)
        {
            var n = _input.Read(buffer, 0, (int)Math.Min(left, buffer.Length));
            if (n == 0)
            {
                // The kernel and GNU cpio also want the padding; a missing pad after the trailer is tolerated.
                if (_done)
                {
                    return;
                }

                throw new InvalidDataException($"cpio: truncated archive: the {what} at byte offset {offset} needs {count} bytes, only {count - left} remain.");
            }

            _position += n;
            left -= n;
        }
    }
}
