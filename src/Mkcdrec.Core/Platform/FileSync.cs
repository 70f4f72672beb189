using System.Runtime.InteropServices;

namespace Mkcdrec.Core.Platform;

/// <summary>
/// fsync(2) of an open file with its error reported. FileStream.Flush(true) was seen (NativeAOT, .NET 10) returning
/// normally while fsync failed with ENOSPC on an NFS mount: a full server would have left volumes and a manifest of
/// zero bytes behind a backup reported complete (NfsBackupTests). Every file mkcdrec commits goes through here.
/// </summary>
public static partial class FileSync
{
    private const int EINTR = 4, EINVAL = 22, EROFS = 30;

    /// <summary>Writes .NET's buffer into the kernel, then waits until the file's content is on stable storage.</summary>
    public static void Sync(FileStream stream)
    {
        stream.Flush(flushToDisk: false);
        if (OperatingSystem.IsWindows())
        {
            stream.Flush(flushToDisk: true);
            return;
        }

        var fd = (int)stream.SafeFileHandle.DangerousGetHandle();
        while (fsync(fd) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            if (errno == EINTR)
            {
                continue;
            }

            if (errno is EINVAL or EROFS)
            {
                return; // a special file or read-only file system: there is nothing to make durable
            }

            throw new IOException($"Writing {stream.Name} failed: {Marshal.GetPInvokeErrorMessage(errno)} (fsync, errno {errno}).", errno);
        }
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int fsync(int fd);
}
