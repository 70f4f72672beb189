using Mkcdrec.Core.Platform;

namespace Mkcdrec.Platform.Linux;

public sealed unsafe partial class FileSystemAccess
{
    public void FChown(int fd, uint uid, uint gid)
    {
        if (fchown(fd, uid, gid) != 0)
        {
            throw new FileSystemException($"fchown: {ErrorText(Errno)}", Errno);
        }
    }

    public void FChmod(int fd, uint mode)
    {
        if (fchmod(fd, mode) != 0)
        {
            throw new FileSystemException($"fchmod: {ErrorText(Errno)}", Errno);
        }
    }

    public void FSetTimes(int fd, long seconds, uint nanoseconds)
    {
        var times = stackalloc long[4];
        times[0] = seconds;
        times[1] = nanoseconds;
        times[2] = seconds;
        times[3] = nanoseconds;
        if (futimens(fd, times) != 0)
        {
            throw new FileSystemException($"futimens: {ErrorText(Errno)}", Errno);
        }
    }

    public void LChown(ReadOnlySpan<byte> path, uint uid, uint gid) => CallWithPath("lchown", path, p => lchown(p, uid, gid));

    public void Chmod(ReadOnlySpan<byte> path, uint mode) => CallWithPath("chmod", path, p => chmod(p, mode));

    public void SetTimes(ReadOnlySpan<byte> path, long seconds, uint nanoseconds)
    {
        var times = stackalloc long[4];
        times[0] = seconds;
        times[1] = nanoseconds;
        times[2] = seconds;
        times[3] = nanoseconds;
        var tp = times;
        CallWithPath("utimensat", path, p => utimensat(AT_FDCWD, p, tp, AT_SYMLINK_NOFOLLOW));
    }
}
