using System.Text;
using Mkcdrec.Core.Platform;
using Mkcdrec.Formats.Crypto;
using Mkcdrec.Formats.Tar;
using Mkcdrec.Model.Manifest;

namespace Mkcdrec.Core.Archive;

public sealed class VerifyReport
{
    public List<string> Checked { get; } = [];

    public List<string> Skipped { get; } = [];
}

public sealed class CompareReport
{
    public List<string> Changed { get; } = [];

    public List<string> Missing { get; } = [];

    public List<string> New { get; } = [];

    public bool HasDifferences => Changed.Count + Missing.Count + New.Count > 0;
}

/// <summary>verify: every volume's SHA-256 and chunk hashes, every archive test-read against its manifest; --compare: manifest vs live tree.</summary>
public sealed class ArchiveVerifier
{
    private readonly IFileSystemAccess _fs;
    private readonly IArchiveEvents _events;

    public ArchiveVerifier(IFileSystemAccess fs, IArchiveEvents? events = null)
    {
        _fs = fs;
        _events = events ?? NullArchiveEvents.Instance;
    }

    /// <summary>Throws (InvalidDataException / MkcdrecException) at the first problem, naming volume and byte offset.</summary>
    /// <param name="volumes">Where the volumes are read; null: files in <paramref name="dir"/>.</param>
    public VerifyReport Verify(string dir, byte[]? passphrase, IVolumeSource? volumes = null) => Verify(ArchiveSource.Open(dir, volumes), passphrase);

    /// <summary>
    /// Verifies a backup and, when it is an increment, every backup of its chain (<see cref="BackupChain"/>): the links
    /// are opened and checked against each other first, then each is verified like a backup of its own, oldest first.
    /// </summary>
    public VerifyReport VerifyChain(ArchiveSource tip, byte[]? passphrase)
    {
        tip.Unseal(passphrase);
        var chain = BackupChain.Of(tip);
        if (!chain.IsIncremental)
        {
            return Verify(tip, passphrase);
        }

        var report = new VerifyReport();
        report.Checked.Add($"chain: a full backup and {chain.Links.Count - 1} increment(s); each link's manifest.json is the one its increment was made on");
        foreach (var link in chain.Links)
        {
            var name = $"{BackupChain.Describe(link)} (level {link.Manifest.Level})";
            _events.Step($"verifying {name}");
            var r = Verify(link, passphrase);
            report.Checked.AddRange(r.Checked.Select(c => $"{name}: {c}"));
            report.Skipped.AddRange(r.Skipped.Select(c => $"{name}: {c}"));
        }

        return report;
    }

    public VerifyReport Verify(ArchiveSource src, byte[]? passphrase)
    {
        src.Unseal(passphrase);
        var dir = src.Directory;
        var report = new VerifyReport();
        foreach (var a in src.Manifest.Archives)
        {
            _events.Step($"verifying archive '{a.FilesystemId}'");
            var testRead = a.Encryption is null || passphrase is not null;
            var mac = a.Encryption is not null && passphrase is not null ? ArchiveSource.OpenMac(a, passphrase) : null;
            using (mac)
            {
                VolumeSetReader.CheckVolumes(dir, a, mac, src.Volumes);

                // Streamed volumes are read once: the test-read checks every chunk as it arrives (a pass of its own would fetch them twice).
                var separatePass = !(src.Volumes.Streams && testRead);
                for (var i = 0; i < a.Volumes.Count && separatePass; i++)
                {
                    VerifyVolume(src, a, i, mac);
                    report.Checked.Add($"{a.Volumes[i].File}: {a.Volumes[i].Size} bytes, SHA-256 {(mac is null && a.Encryption is not null ? "" : "and chunk hashes ")}match");
                }

                if (!separatePass)
                {
                    report.Checked.AddRange(a.Volumes.Select(v => $"{v.File}: {v.Size} bytes at the destination, chunk hashes checked as it streamed in"));
                }
            }

            if (!testRead)
            {
                report.Skipped.Add($"archive '{a.FilesystemId}': encrypted; test-read and HMAC check need --passphrase-file");
                continue;
            }

            using var tar = src.OpenTar(a, passphrase);
            var (entries, bytes) = TestRead(tar.Reader, a);
            tar.Drain();
            report.Checked.Add($"archive '{a.FilesystemId}': {entries} entries, {bytes} bytes read back, every content hash matches");
        }

        return report;
    }

    private static void VerifyVolume(ArchiveSource src, ArchiveRecord a, int index, VolumeMac? mac)
    {
        var v = a.Volumes[index];
        using var stream = src.Volumes.Open(src.Directory, v.File);
        if (src.Volumes.SizeNow(src.Directory, v.File) is { } length)
        {
            VolumeSetReader.CheckSize(length, v);
        }

        switch (VolumeChecker.Check(stream, a, index, mac, wholeVolumeHash: true))
        {
            case { IsWholeVolume: true } m:
                throw new InvalidDataException($"volume {v.File}: SHA-256 {m.ActualSha256} does not match the manifest's {v.Sha256}.");
            case { } m:
                throw new InvalidDataException($"volume {v.File}: bytes {m.FirstByte}..{m.LastByte} (chunk {m.Chunk + 1} of {v.Chunks.Count}) do not match the manifest: the volume is damaged there.");
        }
    }

    /// <summary>Reads every entry, hashing contents, and checks them against the manifest's list.</summary>
    public static (long Entries, long Bytes) TestRead(PaxTarReader reader, ArchiveRecord a)
    {
        var e = new TarEntry();
        var h = new System.IO.Hashing.XxHash128();
        var zeros = new byte[1 << 16];
        var files = a.Members();
        long n = 0, bytes = 0;
        while (reader.TryReadNext(e))
        {
            var rel = EntryBuilder.RelativeOf(e.Name);
            if (n >= files.Count)
            {
                throw new InvalidDataException($"archive '{a.FilesystemId}', tar byte {reader.EntryOffset}: more entries than the manifest's {files.Count}.");
            }

            var want = files[(int)n];
            var wantName = want.Path is not null ? Encoding.UTF8.GetBytes(want.Path) : Convert.FromBase64String(want.PathBase64 ?? "");
            if (!wantName.AsSpan().SequenceEqual(rel))
            {
                throw new InvalidDataException($"archive '{a.FilesystemId}', tar byte {reader.EntryOffset}: entry '{Encoding.UTF8.GetString(rel)}' where the manifest lists '{want.Path ?? want.PathBase64}'.");
            }

            string? hash = null;
            if (e.Type is TarEntryType.Regular or TarEntryType.Contiguous)
            {
                h.Reset();
                long pos = 0;
                var segs = e.Sparse ?? [new SparseSegment(0, e.Size)];
                foreach (var s in segs)
                {
                    for (var z = s.Offset - pos; z > 0; z -= Math.Min(z, zeros.Length))
                    {
                        h.Append(zeros.AsSpan(0, (int)Math.Min(z, zeros.Length)));
                    }

                    var left = s.Length;
                    while (left > 0)
                    {
                        var d = reader.ReadData((int)Math.Min(left, int.MaxValue));
                        if (d.Length == 0)
                        {
                            throw new InvalidDataException($"archive '{a.FilesystemId}': data of '{Encoding.UTF8.GetString(rel)}' ends early.");
                        }

                        h.Append(d);
                        left -= d.Length;
                    }

                    pos = s.Offset + s.Length;
                }

                for (var z = e.Size - pos; z > 0; z -= Math.Min(z, zeros.Length))
                {
                    h.Append(zeros.AsSpan(0, (int)Math.Min(z, zeros.Length)));
                }

                hash = EntryBuilder.Hex(h);
                bytes += e.Size;
            }

            if (hash != want.Hash)
            {
                throw new InvalidDataException($"archive '{a.FilesystemId}': content of '{Encoding.UTF8.GetString(rel)}' (tar byte {reader.EntryOffset}) does not match the manifest's hash.");
            }

            n++;
        }

        if (n != files.Count || n != a.EntryCount)
        {
            throw new InvalidDataException($"archive '{a.FilesystemId}': {n} entries read, the manifest lists {files.Count} (entry count {a.EntryCount}).");
        }

        return (n, bytes);
    }

    /// <summary>Walks the live tree like the backup did and lists changed, missing and new entries.</summary>
    public CompareReport Compare(ArchiveSource src, string root, string? filesystemId)
    {
        if (src.IsSealed)
        {
            throw new MkcdrecException(ExitCode.Usage, "The backup is encrypted, and so is its list of files to compare with.",
                "Give the passphrase with --passphrase-file FILE or --secrets DIR.");
        }

        return Compare(src.Select(filesystemId), root, src.Directory);
    }

    /// <summary>One archive (of an opened manifest) compared with the live tree at <paramref name="root"/>; <paramref name="backupDir"/> is left out of the walk.</summary>
    public CompareReport Compare(ArchiveRecord a, string root, string backupDir)
    {
        var dir = backupDir;
        var recorder = new RecordingVisitor(_fs);
        var walker = new TreeWalker(_fs, new Excludes(a.Excludes), _events);
        walker.SkipDirectory(dir);
        walker.Walk(root, recorder);

        static string Key(FileRecord r) => r.Path ?? "base64:" + r.PathBase64;
        var live = new Dictionary<string, FileRecord>(StringComparer.Ordinal);
        foreach (var r in recorder.Records)
        {
            live[Key(r)] = r;
        }

        var report = new CompareReport();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var want in a.Files)
        {
            var k = Key(want);
            seen.Add(k);
            if (!live.TryGetValue(k, out var got))
            {
                report.Missing.Add(k);
                continue;
            }

            var diffs = Differences(want, got);
            if (diffs.Count > 0)
            {
                report.Changed.Add($"{k} ({string.Join(", ", diffs)})");
            }
        }

        foreach (var r in recorder.Records)
        {
            if (!seen.Contains(Key(r)))
            {
                report.New.Add(Key(r));
            }
        }

        return report;
    }

    private static List<string> Differences(FileRecord want, FileRecord got)
    {
        var d = new List<string>();
        // A hard link and the file it links to are the same thing seen from two names: compare as files then.
        if (want.Type != got.Type && !(want.Type is "h" || got.Type is "h"))
        {
            d.Add($"type {want.Type}→{got.Type}");
            return d;
        }

        if (want.Type == "h" || got.Type == "h")
        {
            if (want.Type != got.Type || want.Link != got.Link || want.LinkBase64 != got.LinkBase64)
            {
                d.Add("hard link");
            }

            return d;
        }

        if (want.Mode != got.Mode)
        {
            d.Add($"mode {Convert.ToString(want.Mode, 8)}→{Convert.ToString(got.Mode, 8)}");
        }

        if (want.Uid != got.Uid || want.Gid != got.Gid)
        {
            d.Add($"owner {want.Uid}:{want.Gid}→{got.Uid}:{got.Gid}");
        }

        if (want.Size != got.Size)
        {
            d.Add($"size {want.Size}→{got.Size}");
        }

        if (want.Hash != got.Hash && want.Size == got.Size)
        {
            d.Add("content");
        }

        if (want.MTime != got.MTime)
        {
            d.Add($"mtime {want.MTime}→{got.MTime}");
        }

        if (want.Link != got.Link || want.LinkBase64 != got.LinkBase64)
        {
            d.Add("link target");
        }

        if (want.Device != got.Device)
        {
            d.Add($"device {want.Device}→{got.Device}");
        }

        if (want.XattrHash != got.XattrHash)
        {
            d.Add("xattrs/ACLs");
        }

        return d;
    }

    /// <summary>Builds manifest records of a live tree (content hashed, nothing written).</summary>
    private sealed class RecordingVisitor : IWalkVisitor
    {
        private readonly IFileSystemAccess _fs;
        private readonly EntryBuilder _builder;
        private readonly TarEntry _e = new();
        private readonly System.IO.Hashing.XxHash128 _h = new();
        private readonly byte[] _buf = new byte[1 << 20];

        public RecordingVisitor(IFileSystemAccess fs)
        {
            _fs = fs;
            _builder = new EntryBuilder(fs);
        }

        public List<FileRecord> Records { get; } = [];

        public bool Visit(ReadOnlySpan<byte> fullPath, ReadOnlySpan<byte> relative, in FileStatus status, IReadOnlyList<WalkChild>? children)
        {
            try
            {
                _builder.Fill(_e, fullPath, relative, status);
                string? hash = null;
                if (_e.Type == TarEntryType.Regular)
                {
                    var fd = _fs.OpenRead(fullPath);
                    try
                    {
                        _h.Reset();
                        int n;
                        while ((n = _fs.Read(fd, _buf)) > 0)
                        {
                            _h.Append(_buf.AsSpan(0, n));
                        }

                        hash = EntryBuilder.Hex(_h);
                    }
                    finally
                    {
                        _fs.Close(fd);
                    }
                }

                Records.Add(EntryBuilder.Record(_e, hash, _builder.LastXattrHash));
                return true;
            }
            catch (FileSystemException)
            {
                return false;
            }
        }
    }
}
