using System.Runtime.InteropServices;

namespace Mkcdrec.Core.Platform;

/// <summary>fsync of a directory: makes a rename or a new name in it durable.</summary>
public interface IDirectorySync
{
    void SyncDirectory(string directory);
}

/// <summary>
/// The directory fsync every <see cref="AtomicFile"/> uses unless given another: open(2) read-only, fsync(2), close(2).
/// It lives here (not in Platform.Linux) because static writers such as the journal have no platform object to ask.
/// </summary>
public sealed partial class PosixDirectorySync : IDirectorySync
{
    public static readonly PosixDirectorySync Instance = new();

    // O_RDONLY | O_CLOEXEC: the same values on every Linux architecture (O_DIRECTORY is not, and is not needed).
    private const int OpenFlags = 0x80000;
    private const int EINTR = 4, EINVAL = 22;

    private PosixDirectorySync()
    {
    }

    public void SyncDirectory(string directory)
    {
        var fd = open(directory, OpenFlags);
        if (fd < 0)
        {
            throw new IOException($"open of directory {directory} for fsync failed (errno {Marshal.GetLastPInvokeError()}).");
        }

        try
        {
            while (fsync(fd) != 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                if (errno == EINVAL)
                {
                    return; // a file system without directory fsync (some FUSE and network ones): the rename is all it offers
                }

                if (errno != EINTR)
                {
                    throw new IOException($"fsync of directory {directory} failed (errno {errno}).");
                }
            }
        }
        finally
        {
            close(fd);
        }
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int open(string path, int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int fsync(int fd);

    [LibraryImport("libc")]
    private static partial int close(int fd);
}
