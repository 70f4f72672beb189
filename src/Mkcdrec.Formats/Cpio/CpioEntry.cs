namespace Mkcdrec.Formats.Cpio;

/// <summary>The file type of a cpio entry (the S_IFMT bits of c_mode).</summary>
public enum CpioEntryType
{
    RegularFile,
    Directory,
    SymbolicLink,
    CharacterDevice,
    BlockDevice,
    Fifo,
    Socket,
}

/// <summary>Owner, permissions and modification time of an entry.</summary>
/// <param name="Permissions">The permission bits, including set-uid, set-gid and sticky (0..0o7777).</param>
/// <param name="ModificationTime">Seconds since the Unix epoch (newc stores 32 bits: 0..4294967295).</param>
public readonly record struct CpioAttributes(uint Permissions, uint Uid = 0, uint Gid = 0, long ModificationTime = 0)
{
    public static CpioAttributes Default(CpioEntryType type) => type switch
    {
        CpioEntryType.Directory => new CpioAttributes(0x1ED) /* 0755 */,
        CpioEntryType.SymbolicLink => new CpioAttributes(0x1FF) /* 0777 */,
        _ => new CpioAttributes(0x1A4) /* 0644 */,
    };
}

/// <summary>One entry of a cpio archive as the reader returns it (every header field, and the data).</summary>
public sealed record CpioEntry
{
    public required string Name { get; init; }

    public required CpioEntryType Type { get; init; }

    /// <summary>Permission bits (c_mode without the file type bits).</summary>
    public required uint Permissions { get; init; }

    public uint Uid { get; init; }

    public uint Gid { get; init; }

    public long ModificationTime { get; init; }

    public uint Inode { get; init; }

    public uint NLink { get; init; } = 1;

    public uint DevMajor { get; init; }

    public uint DevMinor { get; init; }

    /// <summary>Device number of a character or block device.</summary>
    public uint RDevMajor { get; init; }

    public uint RDevMinor { get; init; }

    /// <summary>c_check: the sum of the data bytes in "070702" (crc) archives, 0 in "newc".</summary>
    public uint Check { get; init; }

    /// <summary>File contents; for a symbolic link, the target as bytes.</summary>
    public ReadOnlyMemory<byte> Data { get; init; }

    /// <summary>The link target of a symbolic link (its data as UTF-8), else null.</summary>
    public string? LinkTarget => Type == CpioEntryType.SymbolicLink ? System.Text.Encoding.UTF8.GetString(Data.Span) : null;

    /// <summary>The complete c_mode value: file type bits and permissions.</summary>
    public uint Mode => CpioFormat.TypeBits(Type) | Permissions;
}

/// <summary>The "newc" (SVR4, "070701") and "crc" ("070702") header layout shared by writer and reader.</summary>
public static class CpioFormat
{
    public const string NewcMagic = "070701";
    public const string CrcMagic = "070702";
    public const string TrailerName = "TRAILER!!!";

    /// <summary>6 magic characters and 13 fields of 8 hexadecimal digits.</summary>
    public const int HeaderSize = 110;

    // Field offsets in the header (each field is 8 ASCII hex digits).
    public const int MagicOffset = 0;
    public const int InoOffset = 6;
    public const int ModeOffset = 14;
    public const int UidOffset = 22;
    public const int GidOffset = 30;
    public const int NLinkOffset = 38;
    public const int MTimeOffset = 46;
    public const int FileSizeOffset = 54;
    public const int DevMajorOffset = 62;
    public const int DevMinorOffset = 70;
    public const int RDevMajorOffset = 78;
    public const int RDevMinorOffset = 86;
    public const int NameSizeOffset = 94;
    public const int CheckOffset = 102;
    public const int FieldLength = 8;

    /// <summary>Header+name and data are each padded to a multiple of 4 bytes.</summary>
    public const int Alignment = 4;

    // S_IFMT and the file type values (octal 0170000, 0140000, ...).
    public const uint TypeMask = 0xF000;
    public const uint SocketBits = 0xC000;
    public const uint SymlinkBits = 0xA000;
    public const uint RegularBits = 0x8000;
    public const uint BlockBits = 0x6000;
    public const uint DirectoryBits = 0x4000;
    public const uint CharBits = 0x2000;
    public const uint FifoBits = 0x1000;
    public const uint PermissionMask = 0xFFF;

    public static uint TypeBits(CpioEntryType type) => type switch
    {
        CpioEntryType.RegularFile => RegularBits,
        CpioEntryType.Directory => DirectoryBits,
        CpioEntryType.SymbolicLink => SymlinkBits,
        CpioEntryType.CharacterDevice => CharBits,
        CpioEntryType.BlockDevice => BlockBits,
        CpioEntryType.Fifo => FifoBits,
        CpioEntryType.Socket => SocketBits,
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };

    public static CpioEntryType? TypeFromMode(uint mode) => (mode & TypeMask) switch
    {
        RegularBits => CpioEntryType.RegularFile,
        DirectoryBits => CpioEntryType.Directory,
        SymlinkBits => CpioEntryType.SymbolicLink,
        CharBits => CpioEntryType.CharacterDevice,
        BlockBits => CpioEntryType.BlockDevice,
        FifoBits => CpioEntryType.Fifo,
        SocketBits => CpioEntryType.Socket,
        _ => null,
    };

    public static int Pad(long length) => (int)((Alignment - (length % Alignment)) % Alignment);
}
