using System.Diagnostics;
using Mkcdrec.Core.Archive;
using Mkcdrec.Core.Platform;
using Mkcdrec.Model.Layout;
using Mkcdrec.Model.Manifest;

namespace Mkcdrec.Core.Workflows;

/// <summary>How a whole-system backup is written (the archive engine's options that apply to every filesystem).</summary>
public sealed class BackupOptions
{
    public Compression Compression { get; init; } = Compression.Zstd;

    public int? Level { get; init; }

    /// <summary>zstd workers; 0 = one per processor.</summary>
    public int Threads { get; init; }

    /// <summary>Encrypt every archive with this passphrase; null = plain.</summary>
    public byte[]? Passphrase { get; init; }

    public int Iterations { get; init; } = Formats.Crypto.OpenSslEnc.DefaultIterations;

    /// <summary>Bytes per volume; 0 = one volume per archive (under the ISO9660 limit).</summary>
    public long VolumeSize { get; init; }

    /// <summary>User excludes; a pattern with a leading '/' is an absolute path of the live system and applies only to
    /// the filesystem that holds it, any other pattern applies to every filesystem (relative to its root).</summary>
    public IReadOnlyList<string> Excludes { get; init; } = [];

    public bool DefaultExcludes { get; init; } = true;

    /// <summary>
    /// To a destination of named backups: an increment on this host's newest backup there (a full backup when there is
    /// none, or when its chain already has <see cref="MaxIncrements"/> increments). docs/incremental.md.
    /// </summary>
    public bool Incremental { get; init; }

    /// <summary>With <see cref="Incremental"/>: after this many increments the next run makes a full backup again.</summary>
    public int MaxIncrements { get; init; } = 6;

    /// <summary>The admin's commands around the file walk (freeze and thaw a database); none by default.</summary>
    public BackupHooks Hooks { get; init; } = new();

    /// <summary>Where the LUKS headers wait to be archived (a private directory is made in it); null: /run.</summary>
    public string? LuksHeaderDirectory { get; init; }
}

/// <summary>One archive of a whole-system backup: which filesystem (and btrfs subvolume) and which live directory.</summary>
public sealed record BackupSource(string ArchiveId, string FilesystemId, string Type, string Directory, string? MountPoint, string? Subvolume)
{
    /// <summary>For a btrfs filesystem with subvolumes: mount its top level here first (every subvolume is archived from there).</summary>
    public string? TopLevelDevice { get; init; }
}

/// <summary>What a backup wrote.</summary>
public sealed class BackupResult
{
    public required string Directory { get; init; }

    public required string ManifestPath { get; init; }

    public required string LayoutPath { get; init; }

    public List<ArchiveRecord> Archives { get; } = [];

    /// <summary>Filesystems of the layout that were not backed up, and why (not mounted, swap, unknown type).</summary>
    public List<string> NotBackedUp { get; } = [];

    public long Entries => Archives.Sum(a => a.EntryCount);

    public long Bytes => Archives.Sum(a => a.Bytes);

    public long StoredBytes => Archives.Sum(a => a.Volumes.Sum(v => v.Size));

    public TimeSpan Elapsed { get; set; }

    public int Problems => Archives.Sum(a => a.Notes.Count);
}

/// <summary>
/// Backs up every mounted filesystem of a layout (ext2/3/4, xfs, btrfs, vfat) into one directory: one archive per
/// filesystem — per subvolume on btrfs — keyed by the layout's filesystem id, never crossing a mount point, never
/// archiving the destination; the layout JSON beside the volumes; manifest.json written last and atomically, so a
/// directory with a manifest always holds a complete backup. `mkcdrec mkbackuponly` and `mkcdrec mkbackup` call it.
/// </summary>
public sealed class BackupWorkflow
{
    /// <summary>Where btrfs top levels are mounted during a backup.</summary>
    public const string TopLevelMountRoot = "/run/mkcdrec/backup";

    private static readonly HashSet<string> Archivable = new(StringComparer.Ordinal)
    {
        FilesystemTypes.Ext2, FilesystemTypes.Ext3, FilesystemTypes.Ext4, FilesystemTypes.Xfs, FilesystemTypes.Btrfs, FilesystemTypes.Vfat,
    };

    private readonly IProcessRunner _run;
    private readonly IFileSystemAccess _fs;
    private readonly ILog _log;
    private readonly IArchiveEvents _events;

    public BackupWorkflow(IProcessRunner run, IFileSystemAccess fs, ILog log, IArchiveEvents? events = null)
    {
        _run = run;
        _fs = fs;
        _log = log;
        _events = events ?? NullArchiveEvents.Instance;
    }

    /// <summary>The archive engine's default excludes as paths of the live system (so /tmp/* applies to the root
    /// filesystem, and a separate /var filesystem gets tmp/* for /var/tmp/*), plus lost+found of every filesystem.</summary>
    public static IReadOnlyList<string> SystemDefaults { get; } =
        [.. Archive.Excludes.Defaults.Select(p => p.Contains('/', StringComparison.Ordinal) ? "/" + p : p), "lost+found/*"];

    /// <summary>
    /// What to archive, in restore order (parents before children): each mounted filesystem from its shortest mount
    /// point; a btrfs filesystem with subvolumes from its top level (mounted by the workflow), one archive for the top
    /// level and one per subvolume, so unmounted subvolumes and snapshots are kept too.
    /// </summary>
    public static List<BackupSource> Sources(LayoutDocument layout, List<string> notBackedUp)
    {
        var list = new List<BackupSource>();
        foreach (var f in layout.Filesystems)
        {
            var mounts = layout.Mounts.Where(m => m.FilesystemId == f.Id && m.Target.StartsWith('/'))
                .OrderBy(m => m.Target.Length).ThenBy(m => m.Target, StringComparer.Ordinal).ToList();
            if (!Archivable.Contains(f.Type))
            {
                if (f.Type != FilesystemTypes.Swap)
                {
                    notBackedUp.Add($"{f.Id}: type {f.Type} is not backed up by mkcdrec.");
                }

                continue;
            }

            if (mounts.Count == 0)
            {
                notBackedUp.Add($"{f.Id} ({f.Type}{(f.Label is null ? "" : ", label " + f.Label)}): not mounted, so not backed up; mount it to include it.");
                continue;
            }

            var main = mounts[0];
            if (f.Type == FilesystemTypes.Btrfs && f.Btrfs is { Subvolumes.Count: > 0 } b)
            {
                var dev = main.Source.StartsWith("/dev/", StringComparison.Ordinal) ? main.Source : layout.DescribeDevice(f.DeviceIds[0]) ?? main.Source;
                var top = TopLevelMountRoot + "/" + (f.Uuid ?? f.Id.Replace(':', '-'));
                list.Add(new BackupSource(f.Id, f.Id, f.Type, top, null, "") { TopLevelDevice = dev });
                foreach (var sv in b.Subvolumes.OrderBy(s => s.Path.Trim('/').Count(c => c == '/')).ThenBy(s => s.Path, StringComparer.Ordinal))
                {
                    var path = sv.Path.Trim('/');
                    var mp = mounts.FirstOrDefault(m => m.Subvolume?.Trim('/') == path)?.Target;
                    list.Add(new BackupSource(ArchiveId.ForSubvolume(f.Id, path), f.Id, f.Type, top + "/" + path, mp, path) { TopLevelDevice = dev });
                }

                continue;
            }

            list.Add(new BackupSource(f.Id, f.Id, f.Type, main.Target, main.Target, null));
        }

        // Parents before children: "/" first, then by mount depth, so a child filesystem's root directory metadata wins on restore.
        return list.Select((s, i) => (s, i))
            .OrderBy(x => x.s.MountPoint is null ? 1 : 0)
            .ThenBy(x => x.s.MountPoint == "/" ? 0 : 1)
            .ThenBy(x => x.s.MountPoint?.Trim('/').Count(c => c == '/') ?? 0)
            .ThenBy(x => x.i)
            .Select(x => x.s).ToList();
    }

    /// <summary>Excludes for one source: relative patterns as given; absolute ones ("/var/big") only when under that source's mount point.</summary>
    public static List<string> ExcludesFor(BackupSource s, IReadOnlyList<string> excludes)
    {
        var result = new List<string>();
        foreach (var e in excludes)
        {
            if (!e.StartsWith('/'))
            {
                result.Add(e);
                continue;
            }

            if (s.MountPoint is null)
            {
                continue;
            }

            var mp = s.MountPoint.TrimEnd('/');
            if (mp.Length == 0)
            {
                result.Add(e.TrimStart('/'));
            }
            else if (e.StartsWith(mp + "/", StringComparison.Ordinal))
            {
                result.Add(e[(mp.Length + 1)..]);
            }
        }

        return result;
    }

    /// <summary>
    /// The disks to capture for a backup into <paramref name="destination"/>: every disk but the one holding the destination
    /// (a USB disk or second disk receiving the backup is not part of the system to recover); empty = every disk.
    /// </summary>
    public static IReadOnlyList<string> DisksToCapture(ISystemFiles files, string destination)
    {
        var disks = Planning.TargetDiskDiscovery.Discover(files, [], [Path.GetFullPath(destination)]);
        if (!disks.Any(d => d.HoldsBackup))
        {
            return [];
        }

        return disks.Where(d => !d.HoldsBackup && files.DirectoryExists($"/sys/block/{d.KernelName}/device")).Select(d => d.Path).ToList();
    }

    /// <param name="volumeSink">Where the volumes go by file name instead of into <paramref name="destination"/> (a destination off
    /// the machine, <see cref="StoreBackupWorkflow"/>); the manifests and layout are still written into the directory.</param>
    /// <param name="parent">Make an increment on this backup: each filesystem it has an archive of gets an increment, a new one a full archive.</param>
    /// <param name="room">Where the backup's room is, for the error should it run out (default: the destination directory;
    /// with a <paramref name="volumeSink"/>: none, the store says it).</param>
    public BackupResult Run(LayoutDocument layout, string destination, BackupOptions options, Func<string, IOutputFile>? volumeSink = null, ParentBackup? parent = null,
        DestinationFull.Room? room = null)
    {
        var sw = Stopwatch.StartNew();
        var dest = Path.GetFullPath(destination);
        Directory.CreateDirectory(dest);
        var manifestPath = Path.Combine(dest, BackupFiles.Manifest);
        var result = new BackupResult { Directory = dest, ManifestPath = manifestPath, LayoutPath = Path.Combine(dest, BackupFiles.Layout) };
        var sources = Sources(layout, result.NotBackedUp);
        if (sources.Count == 0)
        {
            throw new MkcdrecException(ExitCode.BadInput, "The layout has no mounted filesystem to back up.",
                "Mount the system's filesystems (or capture the layout on the running system) and run the backup again.");
        }

        foreach (var n in result.NotBackedUp)
        {
            _log.Warn(n);
        }

        // A previous backup in the same directory stays whole until every archive of this run is staged beside it;
        // the swap then marks each archive incomplete in it while its volumes are replaced (ArchiveCreator.Commit).
        var old = File.Exists(manifestPath) ? TryParse(manifestPath) : null;
        File.Delete(Path.Combine(dest, BackupFiles.StagingManifest));

        var staged = new List<StagedArchive>();
        room ??= volumeSink is null ? new DestinationFull.Room(dest, dest, InPlace: true) : null;
        var freeAtStart = room?.Directory is { } roomDir ? DiskSpace.FreeBytes(roomDir) : -1;
        // A filesystem's use, once (btrfs subvolumes are archives of one filesystem): for the estimate should the disk fill.
        var usedByFilesystem = sources.GroupBy(s => s.FilesystemId).ToDictionary(g => g.Key,
            g => g.FirstOrDefault(s => s.MountPoint is not null) is { MountPoint: { } mp } ? DiskSpace.UsedBytes(mp) : -1);
        if (parent is null && usedByFilesystem.Values.All(u => u >= 0))
        {
            // The space in use is what a full backup reads, near enough for a share and a time left (not for an increment).
            _events.Totals(0, usedByFilesystem.Values.Sum());
        }

        options.Hooks.Before(_run, _log);
        var archived = false;
        try
        {
            ArchiveAll(sources, dest, options, result, volumeSink, parent, staged);
            ArchiveLuksHeaders(layout, dest, options, result, volumeSink, staged);
            archived = true;
            options.Hooks.After(_run, _log, archived);
        }
        catch (Exception e)
        {
            if (!archived)
            {
                options.Hooks.After(_run, _log, archived);
            }

            staged.ForEach(a => a.Discard());
            if (room is not null && DiskSpace.IsNoRoom(e))
            {
                var done = staged.Select(a => a.Record.FilesystemId).ToHashSet(StringComparer.Ordinal);
                var left = sources.Where(s => !done.Contains(s.ArchiveId)).Select(s => s.FilesystemId).Distinct().Select(f => usedByFilesystem[f]).ToList();
                var pending = left.Any(u => u < 0) ? -1 : left.Sum();
                throw DestinationFull.Error(room, freeAtStart, staged, pending, old, e);
            }

            throw;
        }

        var creator = new ArchiveCreator(_fs, _events);
        foreach (var a in staged)
        {
            result.Archives.Add(creator.Commit(a));
        }

        CommitManifest(layout, result, old, parent, options);
        result.Elapsed = sw.Elapsed;
        return result;
    }

    /// <summary>One staged archive per source (committed once all are), with btrfs top levels mounted for the time it takes.</summary>
    private void ArchiveAll(List<BackupSource> sources, string dest, BackupOptions options, BackupResult result, Func<string, IOutputFile>? volumeSink, ParentBackup? parent,
        List<StagedArchive> staged)
    {
        var mounted = new List<string>();
        var events = new RunningTotalEvents(_events);
        try
        {
            foreach (var s in sources)
            {
                events.NextArchive();
                if (s.TopLevelDevice is { } dev)
                {
                    var top = TopLevelOf(s);
                    if (!mounted.Contains(top))
                    {
                        Directory.CreateDirectory(top);
                        _run.RunChecked(new ProcessRequest("mount", ["-t", "btrfs", "-o", "ro,subvolid=5", dev, top]));
                        mounted.Add(top);
                    }
                }

                var what = s.MountPoint is null ? $"{s.ArchiveId} (unmounted btrfs subvolume)" : $"{s.MountPoint} ({s.ArchiveId})";
                var parentArchive = parent?.Manifest.Archives.FirstOrDefault(a => a.FilesystemId == s.ArchiveId);
                _log.Info($"backup: archiving {what} from {s.Directory}" + (parent is null ? "" : parentArchive is null
                    ? $": a full archive (the parent backup {parent.Link.Name} has none of it)"
                    : $": what changed since {parent.Link.Name}"));
                var archive = new ArchiveCreator(_fs, events).Stage(CreateOptionsFor(s.Directory, s.ArchiveId, dest, options, volumeSink) with
                {
                    Excludes = ExcludesFor(s, options.DefaultExcludes ? [.. SystemDefaults, .. options.Excludes] : options.Excludes),
                    Parent = parentArchive is null ? null : Task.FromResult(new ParentArchive(parentArchive, null, 0)),
                });
                staged.Add(archive);
                var record = archive.Record;
                _log.Info($"backup: {s.ArchiveId}: {record.EntryCount} entries, {record.Bytes} bytes, {record.Volumes.Sum(v => v.Size)} bytes stored in {record.Volumes.Count} volume(s)");
            }
        }
        finally
        {
            foreach (var m in Enumerable.Reverse(mounted))
            {
                var r = _run.Run(new ProcessRequest("umount", [m]));
                if (r.ExitCode != 0)
                {
                    _log.Warn($"umount {m} failed: {r.StandardError.Trim()}");
                }
                else
                {
                    TryDeleteDirectory(m);
                }
            }
        }
    }

    /// <summary>
    /// An encrypted backup keeps every LUKS container's header (all keyslots and tokens) as one more archive, always whole;
    /// a plain one keeps none, as a header in clear would let anyone who reads the backup attack the keyslots (docs/secrets.md).
    /// </summary>
    private void ArchiveLuksHeaders(LayoutDocument layout, string dest, BackupOptions options, BackupResult result, Func<string, IOutputFile>? volumeSink, List<StagedArchive> staged)
    {
        if (layout.Luks.Count == 0)
        {
            return;
        }

        if (options.Passphrase is null)
        {
            result.NotBackedUp.Add("LUKS headers: not kept, as the backup is not encrypted; recovery makes new containers with the same UUIDs and only the key it is given (encrypt the backup to keep every keyslot).");
            _log.Warn(result.NotBackedUp[^1]);
            return;
        }

        var dir = new LuksHeaderArchive(_run, _fs, _log).Save(layout, options.LuksHeaderDirectory)!;
        try
        {
            var archive = new ArchiveCreator(_fs, _events).Stage(CreateOptionsFor(dir, ArchiveId.LuksHeaders, dest, options, volumeSink));
            staged.Add(archive);
            _log.Info($"backup: {layout.Luks.Count} LUKS header(s) in archive '{ArchiveId.LuksHeaders}', {archive.StoredBytes} bytes stored");
        }
        finally
        {
            PrivateFile.DeleteDirectory(dir);
        }
    }

    /// <summary>The archive engine's options every archive of a backup shares.</summary>
    private static CreateOptions CreateOptionsFor(string root, string archiveId, string dest, BackupOptions options, Func<string, IOutputFile>? volumeSink) => new()
    {
        Root = root,
        Destination = dest,
        FilesystemId = archiveId,
        Compression = options.Compression,
        Level = options.Level,
        Threads = options.Threads,
        Passphrase = options.Passphrase,
        Iterations = options.Iterations,
        VolumeSize = options.VolumeSize,
        DefaultExcludes = false,
        ManifestName = BackupFiles.StagingManifest,
        VolumeSink = volumeSink,
    };

    /// <summary>The layout, then the manifest (atomically, last), then the volumes only the previous backup here listed.</summary>
    private void CommitManifest(LayoutDocument layout, BackupResult result, BackupManifest? old, ParentBackup? parent, BackupOptions options)
    {
        var passphrase = options.Passphrase;
        LayoutWorkflows.WriteLayout(result.LayoutPath, layout);
        var staging = Path.Combine(result.Directory, BackupFiles.StagingManifest);
        var manifest = ManifestSeal.Read(File.ReadAllBytes(staging), staging, passphrase);
        manifest.Host = layout.Host.Hostname;
        manifest.Layout = BackupFiles.Layout;
        manifest.PostRecoveryHook = options.Hooks.PostRecovery;
        manifest.Archives = [.. result.Archives.Select(a => manifest.Archives.First(m => m.FilesystemId == a.FilesystemId))];
        if (parent is not null)
        {
            manifest.Parent = parent.Link;
            manifest.Level = parent.Manifest.Level + 1;
        }

        AtomicFile.Write(result.ManifestPath, s => ManifestSeal.Write(s, manifest, passphrase), _fs);
        File.Delete(staging);

        // Volumes the previous backup here listed and this one does not are stale now.
        if (old is not null)
        {
            var keep = manifest.Archives.SelectMany(a => a.Volumes).Select(v => v.File).ToHashSet(StringComparer.Ordinal);
            foreach (var v in old.Archives.SelectMany(a => a.Volumes).Select(v => v.File).Where(f => !keep.Contains(f) && !f.Contains('/', StringComparison.Ordinal)))
            {
                File.Delete(Path.Combine(result.Directory, v));
            }
        }
    }

    private static string TopLevelOf(BackupSource s) => s.Subvolume is { Length: > 0 } sv ? s.Directory[..^(sv.Length + 1)] : s.Directory;

    private static BackupManifest? TryParse(string path)
    {
        try
        {
            return BackupManifest.Parse(File.ReadAllBytes(path), path);
        }
        catch (InvalidDataException)
        {
            return null;
        }
    }

    private static void TryDeleteDirectory(string dir)
    {
        try
        {
            Directory.Delete(dir);
        }
        catch (IOException)
        {
        }
    }
}
