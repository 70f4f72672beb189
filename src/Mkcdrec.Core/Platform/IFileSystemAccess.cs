namespace Mkcdrec.Core.Platform;

/// <summary>What lstat/statx says about one file. Times are seconds + nanoseconds since the epoch.</summary>
public struct FileStatus
{
    /// <summary>st_mode: file type bits (S_IFMT) and permission bits.</summary>
    public uint Mode;
    public uint Uid;
    public uint Gid;
    public uint Nlink;
    public ulong Inode;
    public uint DevMajor;
    public uint DevMinor;
    public uint RdevMajor;
    public uint RdevMinor;
    public long Size;
    /// <summary>Allocated 512-byte blocks (a file with fewer than Size/512 may have holes).</summary>
    public long Blocks;
    public long MTimeSeconds;
    public uint MTimeNanoseconds;
    public long CTimeSeconds;
    public uint CTimeNanoseconds;

    public const uint TypeMask = 0xF000, Socket = 0xC000, Symlink = 0xA000, Regular = 0x8000, BlockDevice = 0x6000,
        Directory = 0x4000, CharDevice = 0x2000, Fifo = 0x1000;

    public readonly uint Type => Mode & TypeMask;

    public readonly uint Permissions => Mode & 0xFFF;

    public readonly bool SameDevice(in FileStatus other) => DevMajor == other.DevMajor && DevMinor == other.DevMinor;
}

/// <summary>A failed system call: <see cref="Errno"/> is the C errno value.</summary>
public sealed class FileSystemException : IOException
{
    public FileSystemException(string message, int errno)
        : base(message) => Errno = errno;

    public int Errno { get; }

    public const int ENOENT = 2, EEXIST = 17, ENOTDIR = 20, ENODATA = 61, EOPNOTSUPP = 95, ENOTEMPTY = 39, EPERM = 1, EACCES = 13, ENXIO = 6, EINVAL = 22, ELOOP = 40;

    public bool IsNotFound => Errno is ENOENT or ENOTDIR;
}

/// <summary>A name in a directory with its lstat; <see cref="Errno"/> is 0 when the lstat succeeded.</summary>
public readonly record struct DirectoryEntryStatus(byte[] Name, FileStatus Status, int Errno);

/// <summary>
/// The file system calls the archive engine needs, on raw-byte paths (Linux names need not be UTF-8).
/// Paths are absolute or relative to the current directory and are passed without a terminating NUL.
/// Every method throws <see cref="FileSystemException"/> on failure unless it says otherwise.
/// </summary>
public interface IFileSystemAccess : IDirectorySync
{
    /// <summary>lstat (does not follow a final symlink). False with errno when the file is gone or unreadable.</summary>
    bool TryLStat(ReadOnlySpan<byte> path, out FileStatus status, out int errno);

    /// <summary>Status of an open file.</summary>
    FileStatus FStat(int fd);

    /// <summary>Appends the names in a directory (without "." and "..") to <paramref name="names"/>.</summary>
    void ReadDirectory(ReadOnlySpan<byte> path, List<byte[]> names);

    /// <summary>As <see cref="ReadDirectory(ReadOnlySpan{byte}, List{byte[]})"/>, with whether each name is a directory when
    /// the directory entry says (d_type), null when it does not (then lstat tells).</summary>
    void ReadDirectory(ReadOnlySpan<byte> path, List<byte[]> names, List<bool?> isDirectory)
    {
        ReadDirectory(path, names);
        isDirectory.AddRange(Enumerable.Repeat<bool?>(null, names.Count - isDirectory.Count));
    }

    /// <summary>
    /// The names in a directory (without "." and "..") that <paramref name="include"/> accepts, each with its lstat
    /// (errno 0) or the errno it failed with. Linux takes each lstat relative to the open directory: no path walk per name.
    /// </summary>
    void ReadDirectoryStatus(ReadOnlySpan<byte> path, Func<byte[], bool> include, List<DirectoryEntryStatus> entries);

    byte[] ReadLink(ReadOnlySpan<byte> path);

    /// <summary>Appends the names of the file's extended attributes (llistxattr: not following symlinks).</summary>
    void ListXattrs(ReadOnlySpan<byte> path, List<string> names);

    /// <summary>The raw value of an extended attribute, or null when it is absent.</summary>
    byte[]? GetXattr(ReadOnlySpan<byte> path, string name);

    void SetXattr(ReadOnlySpan<byte> path, string name, ReadOnlySpan<byte> value);

    /// <summary>lremovexattr; no error when the attribute is not there.</summary>
    void RemoveXattr(ReadOnlySpan<byte> path, string name);

    /// <summary>Opens a regular file for reading without following symlinks; returns a descriptor.</summary>
    int OpenRead(ReadOnlySpan<byte> path);

    /// <summary>Creates a new file for writing (fails when it exists); returns a descriptor.</summary>
    int CreateFile(ReadOnlySpan<byte> path, uint mode);

    /// <summary>
    /// Turns direct I/O (O_DIRECT: writes around the page cache) on for an open file; false when the file system does
    /// not take it. Writes of whole 4096-byte blocks from 4096-aligned memory then skip the kernel's copy; any other
    /// write through <see cref="WriteAll"/> turns it off again by itself and goes through the cache.
    /// </summary>
    bool TrySetDirect(int fd) => false;

    int Read(int fd, Span<byte> buffer);

    int PRead(int fd, Span<byte> buffer, long offset);

    void WriteAll(int fd, ReadOnlySpan<byte> data);

    void PWriteAll(int fd, ReadOnlySpan<byte> data, long offset);

    /// <summary>lseek SEEK_DATA: offset of the next data at or after <paramref name="offset"/>, or -1 when only a hole follows.</summary>
    long SeekData(int fd, long offset);

    /// <summary>lseek SEEK_HOLE: offset of the next hole at or after <paramref name="offset"/> (the file size at the end).</summary>
    long SeekHole(int fd, long offset);

    void Truncate(int fd, long size);

    void Close(int fd);

    /// <summary>fchown / fchmod / futimens on an open file (cheaper than by path).</summary>
    void FChown(int fd, uint uid, uint gid);

    void FChmod(int fd, uint mode);

    void FSetTimes(int fd, long seconds, uint nanoseconds);

    void MakeDirectory(ReadOnlySpan<byte> path, uint mode);

    void MakeNode(ReadOnlySpan<byte> path, uint mode, uint major, uint minor);

    void MakeFifo(ReadOnlySpan<byte> path, uint mode);

    void Symlink(ReadOnlySpan<byte> target, ReadOnlySpan<byte> path);

    void Link(ReadOnlySpan<byte> existing, ReadOnlySpan<byte> path);

    /// <summary>rename(2): moves <paramref name="from"/> to <paramref name="to"/>, replacing a file or an empty directory there.</summary>
    void Rename(ReadOnlySpan<byte> from, ReadOnlySpan<byte> to);

    /// <summary>Removes a file or an empty directory; no error when it does not exist.</summary>
    void Remove(ReadOnlySpan<byte> path);

    /// <summary>lchown: sets owner and group without following a symlink.</summary>
    void LChown(ReadOnlySpan<byte> path, uint uid, uint gid);

    /// <summary>chmod (never called on symlinks).</summary>
    void Chmod(ReadOnlySpan<byte> path, uint mode);

    /// <summary>utimensat with AT_SYMLINK_NOFOLLOW: sets mtime (and atime to the same value) on the file or link itself.</summary>
    void SetTimes(ReadOnlySpan<byte> path, long seconds, uint nanoseconds);

    /// <summary>User and group names (from the system's databases) for uid/gid; null when unknown.</summary>
    string? UserName(uint uid);

    string? GroupName(uint gid);

    /// <summary>
    /// Creates (or truncates) a file for one long sequential write, such as a backup volume. The Linux implementation
    /// writes around the page cache (O_DIRECT) where the file system allows it: no kernel copy of every byte, and a
    /// backup does not push the server's working set out of its cache.
    /// </summary>
    IOutputFile CreateOutputFile(string path) => new BufferedOutputFile(path);

    /// <summary>fsync of a directory (makes renames and new names in it durable).</summary>
    void SyncDirectory(ReadOnlySpan<byte> path)
    {
    }

    void IDirectorySync.SyncDirectory(string directory) => SyncDirectory(System.Text.Encoding.UTF8.GetBytes(directory));

    uint? UserId(string name);

    uint? GroupId(string name);

    /// <summary>The process's umask: the permission bits a create call leaves out (unknown: all of them).</summary>
    uint Umask => 0x1FF;
}
