using System.Text;

namespace Mkcdrec.Formats.Cpio;

/// <summary>
/// Writes a cpio archive in the "newc" format ("070701"), the format the Linux kernel unpacks as an
/// initramfs. Streams forward only (the output may be a compressor); call <see cref="Finish"/> (or
/// dispose) to write the TRAILER!!! entry.
/// </summary>
/// <remarks>Names, inode numbers and hard links (data on the last name): see docs/rescue-formats.md.</remarks>
public sealed class CpioWriter : IDisposable
{
    private const int BlockSize = 512;
    private const long MaxFileSize = uint.MaxValue;

    private readonly Stream _output;
    private readonly bool _leaveOpen;
    private readonly byte[] _header = new byte[CpioFormat.HeaderSize];
    private long _position;
    private uint _nextInode = 1;
    private bool _finished;

    public CpioWriter(Stream output, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(output);
        _output = output;
        _leaveOpen = leaveOpen;
    }

    /// <summary>Bytes written so far.</summary>
    public long Position => _position;

    /// <summary>Pad the archive with zeros to a multiple of this many bytes after the trailer (GNU cpio: 512). 1 for none.</summary>
    public int TrailerBlockSize { get; init; } = BlockSize;

    public void AddDirectory(string name, CpioAttributes? attributes = null) =>
        WriteSimple(name, CpioEntryType.Directory, attributes, nlink: 2);

    public void AddFile(string name, ReadOnlySpan<byte> data, CpioAttributes? attributes = null)
    {
        var a = attributes ?? CpioAttributes.Default(CpioEntryType.RegularFile);
        WriteHeader(name, CpioEntryType.RegularFile, a, _nextInode++, 1, data.Length, 0, 0);
        WriteData(data);
    }

    /// <summary>Adds a regular file whose <paramref name="length"/> bytes are copied from <paramref name="data"/>.</summary>
    public void AddFile(string name, Stream data, long length, CpioAttributes? attributes = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        var a = attributes ?? CpioAttributes.Default(CpioEntryType.RegularFile);
        WriteHeader(name, CpioEntryType.RegularFile, a, _nextInode++, 1, length, 0, 0);
        CopyData(data, length, name);
    }

    public void AddSymlink(string name, string target, CpioAttributes? attributes = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(target);
        if (target.Contains('\0', StringComparison.Ordinal))
        {
            throw new ArgumentException($"The target of symbolic link '{name}' contains a NUL character.", nameof(target));
        }

        var bytes = Encoding.UTF8.GetBytes(target);
        var a = attributes ?? CpioAttributes.Default(CpioEntryType.SymbolicLink);
        WriteHeader(name, CpioEntryType.SymbolicLink, a, _nextInode++, 1, bytes.Length, 0, 0);
        WriteData(bytes);
    }

    public void AddCharacterDevice(string name, uint major, uint minor, CpioAttributes? attributes = null) =>
        WriteSimple(name, CpioEntryType.CharacterDevice, attributes, 1, major, minor);

    public void AddBlockDevice(string name, uint major, uint minor, CpioAttributes? attributes = null) =>
        WriteSimple(name, CpioEntryType.BlockDevice, attributes, 1, major, minor);

    public void AddFifo(string name, CpioAttributes? attributes = null) =>
        WriteSimple(name, CpioEntryType.Fifo, attributes, 1);

    public void AddSocket(string name, CpioAttributes? attributes = null) =>
        WriteSimple(name, CpioEntryType.Socket, attributes, 1);

    /// <summary>A regular file with several names (hard links): one inode, the data on the last name.</summary>
    public void AddHardLinkedFile(IReadOnlyList<string> names, ReadOnlySpan<byte> data, CpioAttributes? attributes = null)
    {
        var a = CheckLinks(names, attributes);
        var ino = _nextInode++;
        for (var i = 0; i < names.Count; i++)
        {
            var last = i == names.Count - 1;
            WriteHeader(names[i], CpioEntryType.RegularFile, a, ino, (uint)names.Count, last ? data.Length : 0, 0, 0);
            if (last)
            {
                WriteData(data);
            }
        }
    }

    /// <summary>A regular file with several names (hard links), its data copied from a stream onto the last name.</summary>
    public void AddHardLinkedFile(IReadOnlyList<string> names, Stream data, long length, CpioAttributes? attributes = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        var a = CheckLinks(names, attributes);
        var ino = _nextInode++;
        for (var i = 0; i < names.Count; i++)
        {
            var last = i == names.Count - 1;
            WriteHeader(names[i], CpioEntryType.RegularFile, a, ino, (uint)names.Count, last ? length : 0, 0, 0);
            if (last)
            {
                CopyData(data, length, names[i]);
            }
        }
    }

    /// <summary>Writes the TRAILER!!! entry and the block padding. Nothing can be added afterwards.</summary>
    public void Finish()
    {
        if (_finished)
        {
            return;
        }

        _finished = true;
        FillHeader(CpioFormat.TrailerName, 0, 0, new CpioAttributes(0), 1, 0, 0, 0);
        WriteNameAndHeader(CpioFormat.TrailerName);
        if (TrailerBlockSize > 1)
        {
            var pad = (int)((TrailerBlockSize - (_position % TrailerBlockSize)) % TrailerBlockSize);
            WriteZeros(pad);
        }

        _output.Flush();
    }

    public void Dispose()
    {
        Finish();
        if (!_leaveOpen)
        {
            _output.Dispose();
        }
    }

    /// <summary>
    /// The name as stored: without leading "/" or "./", no empty or ".." components, no NUL.
    /// "." (the extraction root itself) is kept.
    /// </summary>
    public static string NormalizeName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var n = name;
        while (true)
        {
            if (n.StartsWith('/'))
            {
                n = n[1..];
            }
            else if (n.StartsWith("./", StringComparison.Ordinal))
            {
                n = n[2..];
            }
            else
            {
                break;
            }
        }

        n = n.TrimEnd('/');
        if (n.Length == 0)
        {
            return ".";
        }

        if (n.Contains('\0', StringComparison.Ordinal))
        {
            throw new ArgumentException($"The cpio entry name '{name}' contains a NUL character.", nameof(name));
        }

        foreach (var part in n.Split('/'))
        {
            if (part.Length == 0 || part == "..")
            {
                throw new ArgumentException($"The cpio entry name '{name}' has an empty or '..' component.", nameof(name));
            }
        }

        if (n == CpioFormat.TrailerName)
        {
            throw new ArgumentException($"'{CpioFormat.TrailerName}' is reserved for the end-of-archive entry.", nameof(name));
        }

        return n;
    }

    private static CpioAttributes CheckLinks(IReadOnlyList<string> names, CpioAttributes? attributes)
    {
        ArgumentNullException.ThrowIfNull(names);
        if (names.Count == 0)
        {
            throw new ArgumentException("A hard-linked file needs at least one name.", nameof(names));
        }

        return attributes ?? CpioAttributes.Default(CpioEntryType.RegularFile);
    }

    private void WriteSimple(string name, CpioEntryType type, CpioAttributes? attributes, uint nlink, uint major = 0, uint minor = 0)
    {
        var a = attributes ?? CpioAttributes.Default(type);
        WriteHeader(name, type, a, _nextInode++, nlink, 0, major, minor);
    }

    private void WriteHeader(string name, CpioEntryType type, CpioAttributes a, uint ino, uint nlink, long size, uint rdevMajor, uint rdevMinor)
    {
        ObjectDisposedException.ThrowIf(_finished, this);
        var stored = NormalizeName(name);
        if (a.Permissions > CpioFormat.PermissionMask)
        {
            throw new ArgumentOutOfRangeException(nameof(a), $"Permissions 0x{a.Permissions:x} of '{name}' have bits outside 07777.");
        }

        if (size is < 0 or > MaxFileSize)
        {
            throw new ArgumentOutOfRangeException(nameof(size), $"'{name}' is {size} bytes; a newc entry holds 0..{MaxFileSize}.");
        }

        FillHeader(stored, ino, CpioFormat.TypeBits(type) | a.Permissions, a, nlink, (uint)size, rdevMajor, rdevMinor);
        WriteNameAndHeader(stored);
    }

    private void FillHeader(string name, uint ino, uint mode, CpioAttributes a, uint nlink, uint size, uint rdevMajor, uint rdevMinor)
    {
        if (a.ModificationTime is < 0 or > uint.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(a), $"Modification time {a.ModificationTime} of '{name}' does not fit the 32-bit newc field.");
        }

        var h = _header.AsSpan();
        Encoding.ASCII.GetBytes(CpioFormat.NewcMagic, h[CpioFormat.MagicOffset..]);
        WriteHexField(h, CpioFormat.InoOffset, ino);
        WriteHexField(h, CpioFormat.ModeOffset, mode);
        WriteHexField(h, CpioFormat.UidOffset, a.Uid);
        WriteHexField(h, CpioFormat.GidOffset, a.Gid);
        WriteHexField(h, CpioFormat.NLinkOffset, nlink);
        WriteHexField(h, CpioFormat.MTimeOffset, (uint)a.ModificationTime);
        WriteHexField(h, CpioFormat.FileSizeOffset, size);
        WriteHexField(h, CpioFormat.DevMajorOffset, 0);
        WriteHexField(h, CpioFormat.DevMinorOffset, 0);
        WriteHexField(h, CpioFormat.RDevMajorOffset, rdevMajor);
        WriteHexField(h, CpioFormat.RDevMinorOffset, rdevMinor);
        WriteHexField(h, CpioFormat.NameSizeOffset, (uint)Encoding.UTF8.GetByteCount(name) + 1);
        WriteHexField(h, CpioFormat.CheckOffset, 0);
    }

    private void WriteNameAndHeader(string name)
    {
        var nameBytes = Encoding.UTF8.GetBytes(name + "\0");
        Write(_header);
        Write(nameBytes);
        WriteZeros(CpioFormat.Pad(CpioFormat.HeaderSize + nameBytes.Length));
    }

    private static void WriteHexField(Span<byte> h, int offset, uint value)
    {
        // Upper-case hex digits, as GNU cpio and the kernel's gen_init_cpio write them.
        if (!value.TryFormat(h.Slice(offset, CpioFormat.FieldLength), out var written, "X8") || written != CpioFormat.FieldLength)
        {
            throw new InvalidOperationException("A cpio header field did not format to 8 hex digits.");
        }
    }

    private void WriteData(ReadOnlySpan<byte> data)
    {
        Write(data);
        WriteZeros(CpioFormat.Pad(data.Length));
    }

    private void CopyData(Stream data, long length, string name)
    {
        var buffer = new byte[Math.Min(length, 1 << 16)];
        var left = length;
        while (left > 0)
        {
            var n = data.Read(buffer, 0, (int)Math.Min(left, buffer.Length));
            if (n == 0)
            {
                throw new EndOfStreamException($"The data of '{name}' ended after {length - left} of {length} bytes; the archive is now incomplete.");
            }

            Write(buffer.AsSpan(0, n));
            left -= n;
        }

        WriteZeros(CpioFormat.Pad(length));
    }

    private void WriteZeros(int count)
    {
        Span<byte> zeros = stackalloc byte[CpioFormat.Alignment];
        while (count > 0)
        {
            var n = Math.Min(count, zeros.Length);
            Write(zeros[..n]);
            count -= n;
        }
    }

    private void Write(ReadOnlySpan<byte> bytes)
    {
        _output.Write(bytes);
        _position += bytes.Length;
    }
}
