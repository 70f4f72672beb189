using System.Runtime.InteropServices;

namespace Mkcdrec.Platform.Linux;

// The libc functions used, as source-generated P/Invoke (LibraryImport): no runtime marshalling stubs, NativeAOT-safe.
public sealed unsafe partial class FileSystemAccess
{
    [LibraryImport("libc", SetLastError = true)]
    private static partial int statx(int dirfd, byte* path, int flags, uint mask, byte* buf);

    [LibraryImport("libc", SetLastError = true)]
    internal static partial int open(byte* path, int flags, uint mode);

    [LibraryImport("libc", SetLastError = true)]
    internal static partial int close(int fd);

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint read(int fd, byte* buf, nuint count);

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint pread(int fd, byte* buf, nuint count, long offset);

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint write(int fd, byte* buf, nuint count);

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint pwrite(int fd, byte* buf, nuint count, long offset);

    [LibraryImport("libc", SetLastError = true)]
    private static partial long lseek(int fd, long offset, int whence);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int ftruncate(int fd, long length);

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint opendir(byte* path);

    [LibraryImport("libc", SetLastError = true)]
    private static partial byte* readdir64(nint dir);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int closedir(nint dir);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int dirfd(nint dir);

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint readlink(byte* path, byte* buf, nuint size);

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint llistxattr(byte* path, byte* list, nuint size);

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint lgetxattr(byte* path, byte* name, byte* value, nuint size);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int lsetxattr(byte* path, byte* name, byte* value, nuint size, int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int lremovexattr(byte* path, byte* name);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int mkdir(byte* path, uint mode);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int mknod(byte* path, uint mode, ulong dev);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int mkfifo(byte* path, uint mode);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int symlink(byte* target, byte* path);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int link(byte* existing, byte* path);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int unlink(byte* path);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int rmdir(byte* path);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int rename(byte* from, byte* to);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int lchown(byte* path, uint uid, uint gid);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int chmod(byte* path, uint mode);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int utimensat(int dirfd, byte* path, long* times, int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial byte* strerror(int errnum);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int fcntl(int fd, int cmd, int arg);

    [LibraryImport("libc", SetLastError = true)]
    internal static partial int fsync(int fd);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int fchown(int fd, uint uid, uint gid);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int fchmod(int fd, uint mode);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int futimens(int fd, long* times);
}
