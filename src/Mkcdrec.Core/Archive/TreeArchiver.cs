using System.IO.Hashing;
using System.Text;
using Mkcdrec.Core.Platform;
using Mkcdrec.Formats.Tar;
using Mkcdrec.Model.Manifest;

namespace Mkcdrec.Core.Archive;

/// <summary>
/// Writes a walked tree into a pax tar stream: every entry's metadata, file content read straight into the tar
/// writer's buffer (no copy), sparse files as GNU sparse 1.0, and a manifest record with an XXH128 content hash.
/// </summary>
public sealed class TreeArchiver : IWalkVisitor
{
    private static readonly byte[] Zeros = new byte[1 << 20];

    private readonly IFileSystemAccess _fs;
    private readonly PaxTarWriter _writer;
    private readonly IArchiveEvents _events;
    private readonly EntryBuilder _builder;
    private readonly TarEntry _entry = new();
    private readonly XxHash128 _hash = new();
    private readonly Task<ParentTree>? _parentTask;
    private ParentTree? _parent;
    private long _lastProgressBytes;

    /// <param name="parent">For an increment: the parent's tree (waited for at the first entry); unchanged files are
    /// listed, not archived, and every directory gets its GNU dumpdir (the walker must list children first).</param>
    public TreeArchiver(IFileSystemAccess fs, PaxTarWriter writer, IArchiveEvents events, Task<ParentTree>? parent = null)
    {
        _fs = fs;
        _writer = writer;
        _events = events;
        _builder = new EntryBuilder(fs);
        _parentTask = parent;
    }

    public List<FileRecord> Records { get; } = [];

    public List<string> Notes { get; } = [];

    public long Entries { get; private set; }

    public long Bytes { get; private set; }

    /// <summary>The bytes read from disk: a sparse file's data, not its holes. Progress counts these, so that it stays
    /// within the estimate (the space in use) where sparse images are large and mostly hole.</summary>
    public long ReadBytes { get; private set; }

    /// <summary>Files of an increment that were listed as unchanged, not archived.</summary>
    public long Unchanged { get; private set; }

    public bool Visit(ReadOnlySpan<byte> fullPath, ReadOnlySpan<byte> relative, in FileStatus st, IReadOnlyList<WalkChild>? children)
    {
        // An increment: a file unchanged since the parent is listed, not archived; so is a directory that did not change
        // and holds no file archived here (restoring one into it would change its mtime, which its record then sets back).
        var anyArchived = false;
        _parent ??= _parentTask?.GetAwaiter().GetResult();
        var dumpDir = _parent is not null && children is not null ? DumpDir(relative, children, out anyArchived) : null;
        if (!anyArchived && _parent?.Unchanged(relative, st) is { } same)
        {
            same.Unchanged = true;
            Records.Add(same);
            Unchanged++;
            return true;
        }

        var e = _entry;
        try
        {
            _builder.Fill(e, fullPath, relative, st);
        }
        catch (FileSystemException ex)
        {
            Problem(relative, ex.IsNotFound ? "vanished during the walk" : ex.Message);
            return false;
        }

        string? hash = null;
        if (e.Type == TarEntryType.Regular)
        {
            int fd;
            try
            {
                fd = _fs.OpenRead(fullPath);
            }
            catch (FileSystemException ex)
            {
                Problem(relative, ex.IsNotFound ? "vanished during the walk" : ex.Message);
                return false;
            }

            try
            {
                e.Sparse = _builder.FindSparse(fd, st);
                _writer.WriteHeader(e);
                hash = e.Sparse is null ? CopyPlain(fd, e.Size, relative) : CopySparse(fd, e, relative);
                _writer.FinishEntry(fillMissing: true);
                var after = _fs.FStat(fd);
                if (after.Size != st.Size || after.MTimeSeconds != st.MTimeSeconds || after.MTimeNanoseconds != st.MTimeNanoseconds
                    || after.CTimeSeconds != st.CTimeSeconds || after.CTimeNanoseconds != st.CTimeNanoseconds)
                {
                    Problem(relative, "changed while it was being read; the archived copy may be inconsistent");
                }
            }
            finally
            {
                _fs.Close(fd);
            }

            Bytes += e.Size;
            ReadBytes += e.Sparse is null ? e.Size : e.Sparse.Sum(seg => seg.Length);
        }
        else
        {
            e.DumpDir = dumpDir;

            _writer.WriteHeader(e);
            _writer.FinishEntry();
        }

        Entries++;
        Records.Add(EntryBuilder.Record(e, hash, _builder.LastXattrHash));
        if (ReadBytes - _lastProgressBytes >= 64 << 20 || (Entries & 1023) == 0)
        {
            _lastProgressBytes = ReadBytes;
            _events.Progress(Entries, ReadBytes, Encoding.UTF8.GetString(relative));
        }

        return true;
    }

    /// <summary>
    /// The directory's GNU dumpdir: D for a subdirectory, N for a file unchanged since the parent, Y for one archived
    /// here. A mount point gets none (children null), so no extraction ever deletes what another filesystem holds.
    /// </summary>
    private byte[] DumpDir(ReadOnlySpan<byte> relative, IReadOnlyList<WalkChild> children, out bool anyArchived)
    {
        anyArchived = false;
        var entries = new List<DumpDirEntry>(children.Count);
        var path = new byte[relative.Length + 256];
        relative.CopyTo(path);
        var at = relative.Length == 0 ? 0 : relative.Length + 1;
        if (at > 0)
        {
            path[relative.Length] = (byte)'/';
        }

        foreach (var (name, st) in children)
        {
            if (path.Length < at + name.Length)
            {
                Array.Resize(ref path, at + name.Length);
            }

            name.CopyTo(path, at);
            var code = st.Type == FileStatus.Directory ? GnuDumpDir.Directory
                : _parent!.Unchanged(path.AsSpan(0, at + name.Length), st) is null ? GnuDumpDir.InArchive : GnuDumpDir.Unchanged;
            entries.Add(new DumpDirEntry(code, name));
            anyArchived |= code == GnuDumpDir.InArchive;
        }

        return GnuDumpDir.Build(entries);
    }

    private string CopyPlain(int fd, long size, ReadOnlySpan<byte> relative)
    {
        _hash.Reset();
        var remaining = size;
        while (remaining > 0)
        {
            var span = _writer.GetDataSpan();
            var n = _fs.Read(fd, span);
            if (n == 0)
            {
                Problem(relative, $"shrank while it was being read ({remaining} bytes missing, archived as zeros)");
                HashZeros(remaining);
                break;
            }

            _hash.Append(span[..n]);
            _writer.Advance(n);
            remaining -= n;
            if (remaining > 0 && (size - remaining) % (64 << 20) < n)
            {
                _events.Progress(Entries, ReadBytes + size - remaining, Encoding.UTF8.GetString(relative)); // inside a large file
            }
        }

        return EntryBuilder.Hex(_hash);
    }

    private string CopySparse(int fd, TarEntry e, ReadOnlySpan<byte> relative)
    {
        _hash.Reset();
        long pos = 0;
        foreach (var seg in e.Sparse!)
        {
            HashZeros(seg.Offset - pos);
            var off = seg.Offset;
            var end = seg.Offset + seg.Length;
            while (off < end)
            {
                var span = _writer.GetDataSpan();
                if (span.Length > end - off)
                {
                    span = span[..(int)(end - off)];
                }

                var n = _fs.PRead(fd, span, off);
                if (n == 0)
                {
                    Problem(relative, "shrank while it was being read (archived as zeros)");
                    span.Clear();
                    n = span.Length;
                }

                _hash.Append(span[..n]);
                _writer.Advance(n);
                off += n;
            }

            pos = end;
        }

        HashZeros(e.Size - pos);
        return EntryBuilder.Hex(_hash);
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

    private void Problem(ReadOnlySpan<byte> relative, string message)
    {
        var p = relative.Length == 0 ? "." : Encoding.UTF8.GetString(relative);
        Notes.Add($"{p}: {message}");
        _events.Problem(p, message);
    }
}
