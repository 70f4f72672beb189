using System.Runtime.InteropServices;

namespace Mkcdrec.Platform.Linux;

public sealed unsafe partial class FileSystemAccess
{
    public void ReadDirectory(ReadOnlySpan<byte> path, List<byte[]> names)
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
