using System.Buffers;
using System.IO.Hashing;
using Mkcdrec.Core.Platform;
using Mkcdrec.Formats.Tar;

namespace Mkcdrec.Core.Archive;

/// <summary>A regular file's content and metadata: buffered, around the page cache (large files) or sparse.</summary>
public sealed partial class ArchiveExtractor
{
    private static readonly byte[] Zeros = new byte[1 << 20];

    /// <summary>Files up to this size are read whole and handed to the file writers (when there are any).</summary>
    private const long PooledMaximum = 1 << 20;

    private string WriteFile(TarEntry e, byte[] path)
    {
        if (_pool is not null && e.Sparse is null && e.Size <= PooledMaximum)
        {
            return QueueFile(e, path);
        }

        var fd = -1;
        var mode = CreationMode(e);
        Create(path, p => fd = _fs.CreateFile(p, mode));
        _hash.Reset();
        try
        {
            if (e.Sparse is null && e.Size >= DirectMinimum && _fs.TrySetDirect(fd))
            {
                WriteDirect(fd);
            }
            else if (e.Sparse is null)
            {
                while (true)
                {
                    var d = Reader.ReadData();
                    if (d.Length == 0)
                    {
                        break;
                    }

                    _hash.Append(d);
                    _fs.WriteAll(fd, d);
                    Advance(d.Length);
                }
            }
            else
            {
                WriteSparse(fd, e.Sparse, e.Size);
            }

            SetFileMetadata(fd, e, path, mode);
        }
        finally
        {
            _fs.Close(fd);
        }

        return EntryBuilder.Hex(_hash);
    }

    /// <summary>Reads a small file's content (hashing it here, in archive order) and queues it for a file writer.</summary>
    private string QueueFile(TarEntry e, byte[] path)
    {
        _hash.Reset();
        var data = e.Size > 0 ? ArrayPool<byte>.Shared.Rent((int)e.Size) : null;
        var n = 0;
        try
        {
            while (true)
            {
                var d = Reader.ReadData();
                if (d.Length == 0)
                {
                    break;
                }

                _hash.Append(d);
                d.CopyTo(data.AsSpan(n));
                n += d.Length;
                Advance(d.Length);
            }
        }
        catch
        {
            if (data is not null)
            {
                ArrayPool<byte>.Shared.Return(data);
            }

            throw;
        }

        _pool!.Add(new PendingFile(path, Clone(e), data, n));
        return EntryBuilder.Hex(_hash);
    }

    /// <summary>A queued file, written by a file writer thread.</summary>
    private void WritePending(PendingFile f)
    {
        var fd = -1;
        var mode = CreationMode(f.Entry);
        Create(f.Path, p => fd = _fs.CreateFile(p, mode));
        try
        {
            if (f.Length > 0)
            {
                _fs.WriteAll(fd, f.Data.AsSpan(0, f.Length));
            }

            SetFileMetadata(fd, f.Entry, f.Path, mode);
        }
        finally
        {
            _fs.Close(fd);
        }
    }

    /// <summary>
    /// The mode a file is created with: its own when the umask leaves it whole and it has no setuid, setgid or sticky
    /// bit (the owner's change would clear them), so no chmod is needed after (as GNU tar does); otherwise 0600. Not
    /// where a directory may hold a default ACL (an increment's, or a target that has one): that ACL, not the umask,
    /// would shape the mode.
    /// </summary>
    private uint CreationMode(TarEntry e) =>
        !_increment && !_targetHasDefaultAcl && (e.Mode & 0xE00) == 0 && (e.Mode & _umask) == 0 ? e.Mode & 0x1FF : 0x180;

    /// <summary>Owner first (it clears setuid/setgid and capabilities), then mode, xattrs and ACLs, times last.</summary>
    private void SetFileMetadata(int fd, TarEntry e, byte[] path, uint createdWith)
    {
        _fs.FChown(fd, e.Uid, e.Gid);
        if (createdWith != (e.Mode & 0xFFF))
        {
            _fs.FChmod(fd, e.Mode);
        }

        if (e.Xattrs.Count > 0 || e.AclAccess is not null)
        {
            SetXattrs(e, path);
        }

        _fs.FSetTimes(fd, e.MTimeSeconds, e.MTimeNanoseconds);
    }

    /// <summary>Files from this size on are written around the page cache (O_DIRECT) where the file system allows it.</summary>
    private const long DirectMinimum = 4 << 20;

    private const int DirectBlockSize = 4 << 20;

    private ArraySegment<byte> _directBlock;

    /// <summary>
    /// A large file's content, collected in an aligned block and written in whole blocks around the page cache: no kernel
    /// copy of every byte (in a VM the largest cost of a restore), and the rescue system's memory is not filled with
    /// dirty pages. The last partial block goes through the cache (<see cref="IFileSystemAccess.WriteAll"/> turns direct
    /// I/O off for it by itself).
    /// </summary>
    private void WriteDirect(int fd)
    {
        if (_directBlock.Array is null)
        {
            _directBlock = AlignedBlock.Allocate(DirectBlockSize);
        }

        var block = _directBlock.AsSpan();
        var held = 0;
        while (true)
        {
            var d = Reader.ReadData();
            if (d.Length == 0)
            {
                break;
            }

            _hash.Append(d);
            Advance(d.Length);
            while (d.Length > 0)
            {
                var k = Math.Min(d.Length, block.Length - held);
                d[..k].CopyTo(block[held..]);
                held += k;
                d = d[k..];
                if (held == block.Length)
                {
                    _fs.WriteAll(fd, block);
                    held = 0;
                }
            }
        }

        var whole = held & ~(AlignedBlock.Alignment - 1);
        if (whole > 0)
        {
            _fs.WriteAll(fd, block[..whole]);
        }

        if (held > whole)
        {
            _fs.WriteAll(fd, block[whole..held]);
        }
    }

    /// <summary>A sparse file's data segments written at their offsets; the holes are hashed as zeros and count as restored bytes.</summary>
    private void WriteSparse(int fd, List<SparseSegment> sparse, long size)
    {
        long pos = 0;
        foreach (var seg in sparse)
        {
            HashZeros(seg.Offset - pos);
            var off = seg.Offset;
            var end = seg.Offset + seg.Length;
            while (off < end)
            {
                var d = Reader.ReadData((int)Math.Min(int.MaxValue, end - off));
                if (d.Length == 0)
                {
                    throw new InvalidDataException("sparse member data ends early");
                }

                _hash.Append(d);
                _fs.PWriteAll(fd, d, off);
                off += d.Length;
                Advance(d.Length);
            }

            pos = end;
        }

        HashZeros(size - pos);
        _fs.Truncate(fd, size);
        Advance(size - sparse.Sum(x => x.Length)); // the holes count as restored bytes
    }

    private void HashZeros(long n)
    {
        while (n > 0)
        {
            var k = (int)Math.Min(n, Zeros.Length);
            _hash.Append(Zeros.AsSpan(0, k));
            n -= k;
        }
    }
}
