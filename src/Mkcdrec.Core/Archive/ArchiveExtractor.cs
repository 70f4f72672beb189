using System.IO.Hashing;
using System.Text;
using Mkcdrec.Core.Platform;
using Mkcdrec.Formats.Tar;
using Mkcdrec.Model.Manifest;

namespace Mkcdrec.Core.Archive;

public sealed class ExtractResult
{
    public long Entries { get; set; }

    public long Bytes { get; set; }

    public List<string> Problems { get; } = [];
}

/// <summary>
/// Restores a tar stream into a directory with all metadata: owner (numeric), mode with setuid/setgid/sticky,
/// xattrs (raw bytes), ACLs, device nodes, fifos, hard links, symlinks with their own times, sparse files with holes,
/// nanosecond mtimes; directories get their mode, default ACL and times after their content.
/// Also checks each file's content hash against the manifest when records are given.
/// </summary>
public sealed partial class ArchiveExtractor
{
    private readonly IFileSystemAccess _fs;
    private readonly IArchiveEvents _events;
    private readonly XxHash128 _hash = new();

    /// <param name="writers">Threads that write small files (<see cref="FileWriterPool"/>); 1 writes everything on the reading thread.</param>
    public ArchiveExtractor(IFileSystemAccess fs, IArchiveEvents? events = null, int writers = 0)
    {
        _fs = fs;
        _events = events ?? NullArchiveEvents.Instance;
        _writers = writers > 0 ? writers : FileWriterPool.DefaultThreads;
        _umask = fs.Umask & 0x1FF;
    }

    private readonly int _writers;
    private readonly uint _umask;
    private bool _targetHasDefaultAcl;

    /// <summary>Writes small files beside the reading thread; only for an archive whose member list is known (no name twice).</summary>
    private FileWriterPool? _pool;

    /// <summary>Refuses writes through a symbolic link below the target (made by the archive or found there).</summary>
    private TargetPathGuard? _guard;

    /// <summary>
    /// Extracts every entry. With <paramref name="expected"/> (the archive's <see cref="ArchiveRecord.Members"/>: an
    /// increment's unchanged records are not members) the entries must match it: count, names, content hashes.
    /// </summary>
    public ExtractResult Extract(PaxTarReader reader, string target, List<FileRecord>? expected)
    {
        _reader = reader;
        _increment = false;
        var result = new ExtractResult();
        var targetBytes = OpenTarget(target);

        if (expected is not null)
        {
            _events.Totals(expected.Count, expected.Where(f => f.Type == "f").Sum(f => f.Size));
        }

        _result = result;
        _guard = new TargetPathGuard(_fs, targetBytes);
        _pool = expected is not null && _writers > 1 ? new FileWriterPool(_writers, WritePending, (f, ex) => AddProblem(DisplayOf(f.Entry), ex.Message)) : null;
        try
        {
            ExtractEntries(reader, targetBytes, expected, result);
        }
        finally
        {
            _pool?.Dispose();
            _pool = null;
        }

        _events.Progress(result.Entries, result.Bytes, "");
        return result;
    }

    private void ExtractEntries(PaxTarReader reader, byte[] targetBytes, List<FileRecord>? expected, ExtractResult result)
    {
        var e = new TarEntry();
        var delayed = new List<(byte[] Path, TarEntry Dir)>();
        var index = 0;
        while (reader.TryReadNext(e))
        {
            var rel = EntryBuilder.RelativeOf(e.Name);
            var display = Encoding.UTF8.GetString(rel);
            if (!IsSafe(rel))
            {
                throw new InvalidDataException($"archive member at byte {reader.EntryOffset}: name '{display}' leaves the target directory; refusing to extract it.");
            }

            var path = Join(targetBytes, rel);
            var want = expected is null ? null : ExpectedEntry(expected, index, rel, display);
            index++;
            _current = display;
            RestoreEntry(e, path, rel, display, targetBytes, delayed, want);
            result.Entries++;
            if ((result.Entries & 1023) == 0)
            {
                Progress();
            }
        }

        if (expected is not null && index != expected.Count)
        {
            throw new InvalidDataException($"the archive ends after {index} entries (tar byte {reader.Position}) but the manifest lists {expected.Count}: the archive is incomplete.");
        }

        _pool?.Drain(); // every file is there before its directory gets its times
        RestoreDirectories(delayed);
    }

    /// <summary>The target directory as a path in bytes, made when missing; anything else than a directory is refused.</summary>
    private byte[] OpenTarget(string target)
    {
        var targetBytes = Encoding.UTF8.GetBytes(Path.GetFullPath(target).TrimEnd('/'));
        if (targetBytes.Length == 0)
        {
            targetBytes = "/"u8.ToArray();
        }

        if (!_fs.TryLStat(targetBytes, out var ts, out _))
        {
            _fs.MakeDirectory(targetBytes, 0x1ED);
        }
        else if (ts.Type != FileStatus.Directory)
        {
            throw new MkcdrecException(ExitCode.BadInput, $"'{target}' is not a directory.", "Give a directory to restore into.");
        }

        var names = new List<string>();
        _fs.ListXattrs(targetBytes, names);
        _targetHasDefaultAcl = names.Contains(PosixAcl.DefaultXattr);

        return targetBytes;
    }

    /// <summary>The manifest's record for entry <paramref name="index"/>, which must carry the same name.</summary>
    private FileRecord ExpectedEntry(List<FileRecord> expected, int index, ReadOnlySpan<byte> rel, string display)
    {
        if (index >= expected.Count)
        {
            throw new InvalidDataException($"archive member at byte {Reader.EntryOffset} ('{display}'): the archive holds more entries than the manifest lists ({expected.Count}).");
        }

        var want = expected[index];
        var wantName = want.Path is not null ? Encoding.UTF8.GetBytes(want.Path) : Convert.FromBase64String(want.PathBase64 ?? "");
        if (!wantName.AsSpan().SequenceEqual(rel))
        {
            throw new InvalidDataException($"archive member at byte {Reader.EntryOffset}: '{display}' where the manifest lists '{want.Path ?? want.PathBase64}' (entry {index + 1}); the manifest does not match this archive.");
        }

        return want;
    }

    /// <summary>Restores one entry and checks its content hash; a file-system error is a problem of that entry only, its data is skipped.</summary>
    private void RestoreEntry(TarEntry e, byte[] path, ReadOnlySpan<byte> rel, string display, byte[] target, List<(byte[], TarEntry)> delayed, FileRecord? want)
    {
        try
        {
            var hash = Apply(e, path, rel, target, delayed);
            if (want is not null && want.Hash != hash && (hash is not null || want.Hash is not null))
            {
                throw new InvalidDataException($"archive member '{display}' (byte {Reader.EntryOffset}): content hash {hash} does not match the manifest's {want.Hash}.");
            }
        }
        catch (FileSystemException ex)
        {
            AddProblem(display, ex.Message);
            while (Reader.ReadData().Length > 0)
            {
            }
        }
    }

    /// <summary>Directories last, deepest first: mode, xattrs, ACLs (default ACLs only now, so restored files do not inherit them), times.</summary>
    private void RestoreDirectories(List<(byte[] Path, TarEntry Dir)> delayed)
    {
        for (var i = delayed.Count - 1; i >= 0; i--)
        {
            var (p, d) = delayed[i];
            try
            {
                SetMetadata(d, p, isLink: false);
            }
            catch (FileSystemException ex)
            {
                AddProblem(DisplayOf(d), ex.Message);
            }
        }
    }

    /// <summary>A file-system error of one entry: recorded and reported (from the reading thread or a file writer).</summary>
    private void AddProblem(string display, string message)
    {
        lock (_result!.Problems)
        {
            _result.Problems.Add($"{display}: {message}");
            _events.Problem(display, message);
        }
    }

    private static string DisplayOf(TarEntry e) => Encoding.UTF8.GetString(EntryBuilder.RelativeOf(e.Name));

    private string? Apply(TarEntry e, byte[] path, ReadOnlySpan<byte> rel, byte[] target, List<(byte[], TarEntry)> delayed)
    {
        var isRoot = rel.SequenceEqual("."u8);
        _guard!.CheckParents(rel);
        if (e.Type == TarEntryType.Directory)
        {
            if (!isRoot)
            {
                try
                {
                    Create(path, p => _fs.MakeDirectory(p, 0x1C0), keepDirectory: true);
                }
                catch (FileSystemException ex) when (ex.Errno == FileSystemException.EEXIST)
                {
                    // already a directory: keep it, its metadata is set below
                }
            }

            _fs.LChown(path, e.Uid, e.Gid);
            if (e.DumpDir is not null)
            {
                _increment = true;
                ApplyDumpDir(e, path, Encoding.UTF8.GetString(rel), target);
            }

            delayed.Add((path, Clone(e)));
            return null;
        }

        switch (e.Type)
        {
            case TarEntryType.Regular:
            case TarEntryType.Contiguous:
                return WriteFile(e, path);
            case TarEntryType.HardLink:
                var linkRel = EntryBuilder.RelativeOf(e.LinkName ?? []);
                if (!IsSafe(linkRel))
                {
                    throw new InvalidDataException($"hard link '{Encoding.UTF8.GetString(rel)}' points outside the target directory.");
                }

                _guard!.CheckParents(linkRel); // a link to "x/shadow" where x leads to /etc would share /etc/shadow's inode
                var existing = Join(target, linkRel);
                _pool?.Drain(); // the file it links to may still be on its way
                Create(path, p => _fs.Link(existing, p));
                return null; // shares the target's inode and metadata
            case TarEntryType.Symlink:
                var to = e.LinkName ?? [];
                Create(path, p => _fs.Symlink(to, p));
                SetMetadata(e, path, isLink: true);
                return null;
            case TarEntryType.CharDevice:
            case TarEntryType.BlockDevice:
                var kind = e.Type == TarEntryType.CharDevice ? FileStatus.CharDevice : FileStatus.BlockDevice;
                var (major, minor) = (e.DevMajor, e.DevMinor);
                Create(path, p => _fs.MakeNode(p, kind | 0x180, major, minor));
                break;
            case TarEntryType.Fifo:
                Create(path, p => _fs.MakeFifo(p, 0x180));
                break;
            default:
                throw new FileSystemException($"'{Encoding.UTF8.GetString(rel)}' has tar type '{(char)e.Type}', which is not restored", FileSystemException.EINVAL);
        }

        SetMetadata(e, path, isLink: false);
        return null;
    }

    /// <summary>Runs a create call; an existing non-directory is replaced. Missing parents were made by the guard.</summary>
    private void Create(byte[] path, Action<byte[]> create, bool keepDirectory = false)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                create(path);
                return;
            }
            catch (FileSystemException ex) when (attempt < 2 && ex.Errno == FileSystemException.EEXIST)
            {
                if (_fs.TryLStat(path, out var old, out _) && old.Type == FileStatus.Directory)
                {
                    if (keepDirectory)
                    {
                        throw;
                    }

                    throw new FileSystemException($"'{Encoding.UTF8.GetString(path)}' exists as a directory in the target; not replaced", FileSystemException.EEXIST);
                }

                _fs.Remove(path);
            }
        }
    }

    private PaxTarReader? _reader;
    private ExtractResult? _result;
    private string _current = "";
    private long _nextProgress;

    /// <summary>Counts restored content bytes; reports progress every 16 MiB, so one large file shows it too.</summary>
    private void Advance(long n)
    {
        _result!.Bytes += n;
        if (_result.Bytes >= _nextProgress)
        {
            Progress();
        }
    }

    private void Progress()
    {
        _nextProgress = _result!.Bytes + (16 << 20);
        _events.Progress(_result.Entries, _result.Bytes, _current);
    }

    private PaxTarReader Reader => _reader!;

    private void SetMetadata(TarEntry e, byte[] path, bool isLink)
    {
        _fs.LChown(path, e.Uid, e.Gid);
        if (!isLink)
        {
            _fs.Chmod(path, e.Mode);
        }

        SetXattrs(e, path);
        _fs.SetTimes(path, e.MTimeSeconds, e.MTimeNanoseconds);
    }

    private void SetXattrs(TarEntry e, byte[] path)
    {
        if (_increment)
        {
            RemoveOtherXattrs(e, path);
        }

        foreach (var (name, value) in e.Xattrs)
        {
            if (name is PosixAcl.AccessXattr or PosixAcl.DefaultXattr)
            {
                if ((name == PosixAcl.AccessXattr ? e.AclAccess : e.AclDefault) is not null)
                {
                    continue; // GNU tar writes both forms; the SCHILY.acl text is applied below
                }
            }

            _fs.SetXattr(path, name, value);
        }

        if (e.AclAccess is { } aa)
        {
            _fs.SetXattr(path, PosixAcl.AccessXattr, PosixAcl.FromText(aa, _fs.UserId, _fs.GroupId));
        }

        if (e.AclDefault is { } ad)
        {
            _fs.SetXattr(path, PosixAcl.DefaultXattr, PosixAcl.FromText(ad, _fs.UserId, _fs.GroupId));
        }
    }

    private static bool IsSafe(ReadOnlySpan<byte> rel)
    {
        if (rel.Length > 0 && rel[0] == (byte)'/')
        {
            return false;
        }

        foreach (var part in rel.Split((byte)'/'))
        {
            if (rel[part].SequenceEqual(".."u8))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>target/rel as bytes; "." is the target itself. Shared with the guard so both name a path alike.</summary>
    internal static byte[] Join(byte[] target, ReadOnlySpan<byte> rel)
    {
        if (rel.SequenceEqual("."u8))
        {
            return target;
        }

        var sep = target.Length > 0 && target[^1] == (byte)'/' ? 0 : 1;
        var r = new byte[target.Length + sep + rel.Length];
        target.CopyTo(r, 0);
        if (sep == 1)
        {
            r[target.Length] = (byte)'/';
        }

        rel.CopyTo(r.AsSpan(target.Length + sep));
        return r;
    }

    private static TarEntry Clone(TarEntry e)
    {
        var c = new TarEntry
        {
            Name = e.Name,
            Type = e.Type,
            Mode = e.Mode,
            Uid = e.Uid,
            Gid = e.Gid,
            MTimeSeconds = e.MTimeSeconds,
            MTimeNanoseconds = e.MTimeNanoseconds,
            AclAccess = e.AclAccess,
            AclDefault = e.AclDefault,
        };
        c.Xattrs.AddRange(e.Xattrs);
        return c;
    }
}
