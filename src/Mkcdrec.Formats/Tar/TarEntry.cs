namespace Mkcdrec.Formats.Tar;

/// <summary>The ustar typeflag values this engine reads and writes.</summary>
public enum TarEntryType : byte
{
    Regular = (byte)'0',
    HardLink = (byte)'1',
    Symlink = (byte)'2',
    CharDevice = (byte)'3',
    BlockDevice = (byte)'4',
    Directory = (byte)'5',
    Fifo = (byte)'6',
    Contiguous = (byte)'7',
}

/// <summary>One data segment of a sparse file: <see cref="Length"/> bytes at <see cref="Offset"/> of the real file.</summary>
public readonly record struct SparseSegment(long Offset, long Length);

/// <summary>
/// One archive member with every piece of metadata the engine keeps. Names are raw bytes (Linux names need not be
/// UTF-8). Instances are meant to be reused by the writer's caller and are refilled by the reader.
/// </summary>
public sealed class TarEntry
{
    /// <summary>The member name as raw bytes, without a trailing slash (the writer adds one for directories).</summary>
    public byte[] Name { get; set; } = [];

    public TarEntryType Type { get; set; } = TarEntryType.Regular;

    /// <summary>Permission bits including setuid, setgid and sticky (07777).</summary>
    public uint Mode { get; set; }

    public uint Uid { get; set; }

    public uint Gid { get; set; }

    public string? UserName { get; set; }

    public string? GroupName { get; set; }

    /// <summary>Size of the file's content (for a sparse file: its real size, holes included).</summary>
    public long Size { get; set; }

    public long MTimeSeconds { get; set; }

    /// <summary>0..999,999,999.</summary>
    public uint MTimeNanoseconds { get; set; }

    /// <summary>Symlink target or hard link target name, raw bytes.</summary>
    public byte[]? LinkName { get; set; }

    public uint DevMajor { get; set; }

    public uint DevMinor { get; set; }

    /// <summary>Extended attributes as (name, raw value); names exclude the SCHILY.xattr. prefix. ACL xattrs are not kept here.</summary>
    public List<KeyValuePair<string, byte[]>> Xattrs { get; } = [];

    /// <summary>The access ACL in the text form GNU tar writes (one entry per line), or null.</summary>
    public string? AclAccess { get; set; }

    /// <summary>The default ACL (directories) in text form, or null.</summary>
    public string? AclDefault { get; set; }

    /// <summary>Data segments of a sparse file (sorted, not overlapping), or null for a plain file.</summary>
    public List<SparseSegment>? Sparse { get; set; }

    /// <summary>
    /// A directory's GNU dumpdir (pax record GNU.dumpdir): the names the directory held when an incremental archive was
    /// made, each with its <see cref="GnuDumpDir"/> code; null for a plain directory.
    /// </summary>
    public byte[]? DumpDir { get; set; }

    /// <summary>Pax records the engine does not interpret, kept for inspection (key, raw value).</summary>
    public List<KeyValuePair<string, byte[]>> UnknownRecords { get; } = [];

    public void Reset()
    {
        Name = [];
        Type = TarEntryType.Regular;
        Mode = Uid = Gid = 0;
        UserName = GroupName = null;
        Size = 0;
        MTimeSeconds = 0;
        MTimeNanoseconds = 0;
        LinkName = null;
        DevMajor = DevMinor = 0;
        Xattrs.Clear();
        AclAccess = AclDefault = null;
        Sparse = null;
        DumpDir = null;
        UnknownRecords.Clear();
    }
}
