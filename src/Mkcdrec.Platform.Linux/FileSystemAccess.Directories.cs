using System.Runtime.InteropServices;

namespace Mkcdrec.Platform.Linux;

public sealed unsafe partial class FileSystemAccess
{
    private const byte DtUnknown = 0, DtDir = 4;

    public void ReadDirectory(ReadOnlySpan<byte> path, List<byte[]> names) => ReadDirectory(path, names, null);

    public void ReadDirectory(ReadOnlySpan<byte> path, List<byte[]> names, List<bool?>? isDirectory)
    {
        Span<byte> p = stackalloc byte[MaxPath];
        Terminate(path, p);
        nint dir;
        fixed (byte* pp = p)
        {
            dir = opendir(pp);
        }

        if (dir == 0)
        {
            throw Fail("opendir", path, Errno);
        }

        try
        {
            while (true)
            {
                Marshal.SetLastPInvokeError(0);
                var ent = readdir64(dir);
                if (ent == null)
                {
                    var e = Errno;
                    if (e != 0)
                    {
                        throw Fail("readdir", path, e);
                    }

                    break;
                }

                var name = MemoryMarshal.CreateReadOnlySpanFromNullTerminated(ent + 19);
                if (name.SequenceEqual("."u8) || name.SequenceEqual(".."u8))
                {
                    continue;
                }

                names.Add(name.ToArray());
                isDirectory?.Add(ent[18] switch { DtDir => true, DtUnknown => null, _ => false }); // d_type; some filesystems do not fill it
            }
        }
        finally
        {
            closedir(dir);
        }
    }

    public void SyncDirectory(ReadOnlySpan<byte> path)
    {
        Span<byte> p = stackalloc byte[MaxPath];
        Terminate(path, p);
        fixed (byte* pp = p)
        {
            var fd = open(pp, OpenFlags.RdOnly | OpenFlags.Directory | OpenFlags.CloExec, 0);
            if (fd < 0)
            {
                throw Fail("open", path, Errno);
            }

            try
            {
                if (fsync(fd) != 0)
                {
                    throw Fail("fsync", path, Errno);
                }
            }
            finally
            {
                close(fd);
            }
        }
    }
}
