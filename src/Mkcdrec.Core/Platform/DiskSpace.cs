namespace Mkcdrec.Core.Platform;

/// <summary>Room on a filesystem (statvfs through <see cref="DriveInfo"/>) and how a write that found none shows itself.</summary>
public static class DiskSpace
{
    private const int ENOSPC = 28, EDQUOT = 122;

    /// <summary>Free bytes for an unprivileged writer in the filesystem of <paramref name="dir"/>; -1 when unknown.</summary>
    public static long FreeBytes(string dir)
    {
        try
        {
            return new DriveInfo(dir).AvailableFreeSpace;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return -1;
        }
    }

    /// <summary>Bytes in use on the filesystem mounted at <paramref name="mountPoint"/>; -1 when that is not a mount point or cannot be read.</summary>
    public static long UsedBytes(string mountPoint)
    {
        try
        {
            var full = Path.GetFullPath(mountPoint).TrimEnd('/');
            var d = DriveInfo.GetDrives().LastOrDefault(d => d.Name.TrimEnd('/') == full);
            return d is null ? -1 : Math.Max(0, d.TotalSize - d.TotalFreeSpace);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return -1;
        }
    }

    /// <summary>Whether <paramref name="e"/> or an exception inside it is a write that found no room (ENOSPC, or EDQUOT for a quota).</summary>
    public static bool IsNoRoom(Exception e)
    {
        for (var x = e; x is not null; x = x.InnerException)
        {
            if (x is FileSystemException { Errno: ENOSPC or EDQUOT } || (x is IOException io && io.HResult is ENOSPC or EDQUOT)
                || x.Message.Contains("No space left on device", StringComparison.Ordinal) || x.Message.Contains("Disk quota exceeded", StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }
}
