using System.Runtime.InteropServices;
using System.Text;
using Mkcdrec.Core.Platform;

namespace Mkcdrec.Platform.Linux;

/// <summary>
/// <see cref="IFileSystemAccess"/> over glibc with source-generated P/Invoke. statx gives an architecture-independent
/// layout; paths are copied into a NUL-terminated stack buffer (no allocation per call).
/// </summary>
/// <remarks>Parts by job in FileSystemAccess.*.cs: NativeMethods, MetadataRead/Write, Xattrs, Directories, Entries, Reads, Writes, Owners.</remarks>
public sealed unsafe partial class FileSystemAccess : IFileSystemAccess
{
    private const int AT_FDCWD = -100;
    private const int AT_SYMLINK_NOFOLLOW = 0x100;
    private const int AT_EMPTY_PATH = 0x1000;
    private const uint STATX_BASIC_STATS = 0x7FF;
    private const int SEEK_DATA = 3, SEEK_HOLE = 4;
    private const int MaxPath = 4096;
    private const int F_GETFL = 3, F_SETFL = 4;

    private Dictionary<uint, string?>? _users;
    private Dictionary<uint, string?>? _groups;
    private bool _noAtime = true;

    internal static int Errno => Marshal.GetLastPInvokeError();

    private static string PathText(ReadOnlySpan<byte> path) => Encoding.UTF8.GetString(path);

    internal static string ErrorText(int errno)
    {
        var p = strerror(errno);
        return p == null ? $"errno {errno}" : Marshal.PtrToStringUTF8((nint)p) ?? $"errno {errno}";
    }

    internal static FileSystemException Fail(string op, ReadOnlySpan<byte> path, int errno) =>
        new($"{op} '{PathText(path)}': {ErrorText(errno)}", errno);

    /// <summary>Copies a path into a NUL-terminated buffer.</summary>
    private static void Terminate(ReadOnlySpan<byte> path, Span<byte> buf)
    {
        if (path.Length >= buf.Length)
        {
            throw new FileSystemException($"path '{PathText(path)}' is longer than {MaxPath - 1} bytes", 36);
        }

        path.CopyTo(buf);
        buf[path.Length] = 0;
    }

    private delegate int PathCall(byte* p);

    /// <summary>Calls a libc function on a NUL-terminated copy of the path; a non-zero result throws with the errno.</summary>
    private static void CallWithPath(string op, ReadOnlySpan<byte> path, PathCall call)
    {
        Span<byte> p = stackalloc byte[MaxPath];
        Terminate(path, p);
        fixed (byte* pp = p)
        {
            if (call(pp) != 0)
            {
                throw Fail(op, path, Errno);
            }
        }
    }
}
