using System.Security.Cryptography;
using System.Text;
using Mkcdrec.Core.Platform;
using Mkcdrec.Formats.Crypto;
using Mkcdrec.Formats.Tar;
using Mkcdrec.Model.Manifest;

namespace Mkcdrec.Core.Archive;

/// <summary>
/// Backs one filesystem up: walk → pax tar → zstd/gzip → (openssl-compatible AES) → volumes with hashes,
/// then records the archive in the destination's manifest.json (replacing an older archive of the same id).
/// </summary>
public sealed class ArchiveCreator
{
    private readonly IFileSystemAccess _fs;
    private readonly IArchiveEvents _events;

    public ArchiveCreator(IFileSystemAccess fs, IArchiveEvents? events = null)
    {
        _fs = fs;
        _events = events ?? NullArchiveEvents.Instance;
    }

    public ArchiveRecord Create(CreateOptions o)
    {
        var staged = Stage(o);
        try
        {
            return Commit(staged);
        }
        catch (MkcdrecException)
        {
            staged.Discard(); // refused before anything was swapped in
            throw;
        }
    }

    /// <summary>
    /// Writes the archive's volumes into a staging directory beside the destination's volumes and returns it uncommitted:
    /// the destination's manifest and volumes are untouched until <see cref="Commit"/>. A whole-system backup stages every
    /// archive first, so a run that fails (a full disk) leaves the previous backup as it was.
    /// </summary>
    public StagedArchive Stage(CreateOptions o)
    {
        var root = Path.GetFullPath(o.Root);
        var dest = Path.GetFullPath(o.Destination);
        Directory.CreateDirectory(dest);

        var level = o.Level ?? ArchivePipeline.DefaultLevel(o.Compression);
        var encrypted = o.Passphrase is not null;
        var baseName = BackupFiles.ArchiveBaseName(o.FilesystemId, ArchivePipeline.Extension(o.Compression), encrypted);
        var volumeSize = o.VolumeSize <= 0 ? VolumeSizes.Iso9660MaxFile : Math.Min(o.VolumeSize, VolumeSizes.Iso9660MaxFile);
        var record = NewRecord(o, root, level, encrypted);
        var mac = encrypted ? NewVolumeMac(o, record) : null;

        var patterns = (o.DefaultExcludes ? Excludes.Defaults : []).Concat(o.Excludes).ToList();
        var parent = o.Parent is null ? null : IncrementParent.TreeOf(o.Parent, o, patterns);
        var excludes = new Excludes(patterns);
        var walker = new TreeWalker(_fs, excludes, _events) { ListChildrenFirst = parent is not null, ReadAhead = parent is null ? 64 : 1024 };
        walker.SkipDirectory(dest);

        var staging = NewStagingDirectory(dest, baseName);
        _events.Step($"archiving {root} into {dest}/{baseName}.NNN ({record.Compression}{(o.Compression == Compression.Zstd ? " with " + ArchivePipeline.ZstdImplementation : "")}{(encrypted ? ", encrypted" : "")})");
        WriteVolumes(o, root, walker, staging, baseName, volumeSize, level, mac, record, parent);
        record.Excludes = patterns;
        record.Since = parent?.Result.Since; // the walk waited for it at the root
        record.Finished = DateTimeOffset.UtcNow;
        return new StagedArchive(record, dest, Path.Combine(dest, o.ManifestName), staging, baseName, o.VolumeSink is not null, o.Parent?.Result, o.Passphrase);
    }

    /// <summary>Swaps a staged archive's volumes in and records it in the manifest (read now: other archives may have been committed since it was staged).</summary>
    public ArchiveRecord Commit(StagedArchive staged)
    {
        var manifest = File.Exists(staged.ManifestPath)
            ? ManifestSeal.Read(File.ReadAllBytes(staged.ManifestPath), staged.ManifestPath, staged.Passphrase)
            : new BackupManifest { Created = DateTimeOffset.UtcNow };
        if (manifest.Sealed is not null)
        {
            throw new MkcdrecException(ExitCode.Usage, $"{staged.ManifestPath} belongs to an encrypted backup: this archive cannot be added to it without its passphrase.",
                "Encrypt with the same passphrase (--encrypt --passphrase-file FILE), or write into another directory.");
        }

        if (staged.Parent?.Link is { } link)
        {
            manifest.Parent = link;
            manifest.Level = staged.Parent.Level + 1;
        }

        Commit(staged, manifest);
        return staged.Record;
    }

    private static ArchiveRecord NewRecord(CreateOptions o, string root, int level, bool encrypted) => new()
    {
        FilesystemId = o.FilesystemId,
        Root = root,
        Compression = ArchivePipeline.Name(o.Compression),
        Level = o.Compression == Compression.None ? 0 : level,
        ChunkSize = o.ChunkSize,
        ChunkHash = encrypted ? ChunkDigest.HmacSha256 : ChunkDigest.Xxh128,
        Started = DateTimeOffset.UtcNow,
    };

    /// <summary>The key that authenticates the encrypted volumes' chunks; its salt and key check go into the record.</summary>
    private static VolumeMac NewVolumeMac(CreateOptions o, ArchiveRecord record)
    {
        var macSalt = RandomNumberGenerator.GetBytes(16);
        var mac = new VolumeMac(o.Passphrase, macSalt, o.Iterations);
        record.Encryption = new EncryptionRecord
        {
            Iterations = o.Iterations,
            MacSalt = Convert.ToHexStringLower(macSalt),
            KeyCheck = Convert.ToHexStringLower(mac.KeyCheck()),
        };
        return mac;
    }

    /// <summary>
    /// The new volumes are written into a staging directory first: until the run has finished, the old manifest and
    /// the old volumes stay untouched and consistent, so an interrupted re-backup leaves the previous backup usable.
    /// </summary>
    private string NewStagingDirectory(string dest, string baseName)
    {
        var staging = Path.Combine(dest, BackupFiles.StagingPrefix + baseName);
        if (Directory.Exists(staging))
        {
            _events.Step($"removing {staging}, left by an interrupted backup run");
            Directory.Delete(staging, recursive: true);
        }

        Directory.CreateDirectory(staging);
        return staging;
    }

    /// <summary>Walks the tree into staged volumes and fills the record's volumes, counts and file list; on failure the staging directory goes.</summary>
    private void WriteVolumes(CreateOptions o, string root, TreeWalker walker, string staging, string baseName, long volumeSize, int level, VolumeMac? mac, ArchiveRecord record, Task<ParentTree>? parent)
    {
        var encrypted = mac is not null;
        Stream? comp = null;
        WriteBehindStream? behind = null, output = null;
        try
        {
            using (mac)
            using (var volumes = new VolumeSetWriter(staging, baseName, volumeSize, o.ChunkSize, mac, o.VolumeSink is { } sink ? p => sink(Path.GetFileName(p)) : _fs.CreateOutputFile))
            {
                var enc = encrypted ? OpenSslEnc.Encrypt(volumes, o.Passphrase, o.Iterations, leaveOpen: true) : null;

                // Stages, each on its own thread: the walk (reading, hashing, tar) → the compressor's feeding (its workers
                // compress) → [encryption →] the volumes (SHA-256, chunk hashes, writes: the volume writer's own thread).
                // The compressor's thread never waits for a volume write or hash, nor for AES when encrypting, so its
                // workers are never starved of input while that runs.
                output = o.Compression == Compression.None || enc is null ? null : new WriteBehindStream(enc);
                comp = ArchivePipeline.Compress(output ?? enc ?? volumes, o.Compression, level, o.Threads);
                behind = new WriteBehindStream(comp);
                var tar = new PaxTarWriter(behind, leaveOpen: true);
                var archiver = new TreeArchiver(_fs, tar, _events, parent);
                walker.Walk(root, archiver);
                tar.Finish();
                tar.Dispose();
                behind.Complete();
                if (!ReferenceEquals(comp, output ?? enc ?? volumes))
                {
                    comp.Dispose();
                }

                output?.Complete();
                enc?.Dispose();
                volumes.Complete();

                record.Volumes = volumes.Volumes;
                record.EntryCount = archiver.Entries;
                record.Bytes = archiver.Bytes;
                record.TarBytes = tar.Position;
                record.Files = archiver.Records;
                record.Notes = archiver.Notes;
            }
        }
        catch
        {
            behind?.Abort(); // before the compressor is released: its thread must not be writing into it
            if (comp is not null)
            {
                ArchivePipeline.Abandon(comp);
            }

            output?.Abort();

            TryDelete(staging);
            throw;
        }

        finally
        {
            behind?.Dispose();
            output?.Dispose();
        }
    }

    /// <summary>
    /// Swaps the staged volumes in. The manifest first records the new archive as incomplete (so a crash during the swap
    /// leaves a manifest that verify and extract refuse, never one that looks valid over mismatched volumes), then old
    /// volumes are replaced, then the manifest is written without the mark. Each manifest write is atomic (rename).
    /// </summary>
    /// <param name="volumesElsewhere">The volumes went to a destination off the machine (already complete there): nothing to move.</param>
    private void Commit(StagedArchive staged, BackupManifest manifest)
    {
        var (dest, manifestPath, staging, record, baseName) = (staged.Destination, staged.ManifestPath, staged.StagingDirectory, staged.Record, staged.BaseName);
        _fs.SyncDirectory(Encoding.UTF8.GetBytes(staging));
        var old = manifest.Archives.Where(a => a.FilesystemId == record.FilesystemId).ToList();
        manifest.Archives.RemoveAll(a => a.FilesystemId == record.FilesystemId);
        manifest.Archives.Add(record);

        // A caller that collects archives in a staging manifest (a whole-system backup) still has the real manifest.json
        // of the previous run beside the volumes about to be replaced: mark that archive incomplete there too, so an
        // interruption from here on never leaves a manifest.json that looks valid over volumes it does not describe.
        var real = Path.Combine(dest, BackupFiles.Manifest);
        var previous = manifestPath != real && File.Exists(real) ? PreviousManifest(real, record.FilesystemId, staged.Passphrase) : null;
        var listed = previous?.Archives.Where(a => a.FilesystemId == record.FilesystemId).ToList() ?? [];

        // Only when a manifest lists volumes of this archive that are about to be replaced; a first archive of its id (a
        // new backup directory, every increment) has nothing to protect, and its one manifest write comes last.
        if (old.Count > 0 || listed.Count > 0)
        {
            record.Incomplete = true;
            WriteManifest(manifestPath, manifest, staged.Passphrase);
        }

        if (listed.Count > 0)
        {
            listed.ForEach(a => a.Incomplete = true);
            WriteManifest(real, previous!, staged.Passphrase);
        }

        old.AddRange(listed);

        _events.Step($"replacing the volumes of archive '{record.FilesystemId}' in {dest}");
        var keep = record.Volumes.Select(v => v.File).ToHashSet(StringComparer.Ordinal);
        foreach (var v in old.SelectMany(a => a.Volumes))
        {
            if (!keep.Contains(v.File) && Path.GetFileName(v.File) == v.File)
            {
                File.Delete(Path.Combine(dest, v.File));
            }
        }

        // Volumes of an older run of this archive that this run does not replace (also ones no manifest lists).
        for (var i = record.Volumes.Count; File.Exists(Path.Combine(dest, BackupFiles.VolumeName(baseName, i))); i++)
        {
            File.Delete(Path.Combine(dest, BackupFiles.VolumeName(baseName, i)));
        }

        foreach (var v in record.Volumes.Where(_ => !staged.VolumesElsewhere))
        {
            File.Move(Path.Combine(staging, v.File), Path.Combine(dest, v.File), overwrite: true);
        }

        Directory.Delete(staging);
        _fs.SyncDirectory(Encoding.UTF8.GetBytes(dest));

        record.Incomplete = null;
        WriteManifest(manifestPath, manifest, staged.Passphrase);
    }

    private void WriteManifest(string path, BackupManifest manifest, byte[]? passphrase) =>
        AtomicFile.Write(path, s => ManifestSeal.Write(s, manifest, passphrase), _fs);

    /// <summary>
    /// The manifest.json of the previous run, whole, to mark the archive being replaced. One this run cannot open (sealed
    /// with another passphrase or none given, or its sealed part damaged) is removed instead when it lists this archive:
    /// its volumes are about to go, it must not outlive them.
    /// </summary>
    private BackupManifest? PreviousManifest(string path, string archiveId, byte[]? passphrase)
    {
        var m = BackupManifest.Parse(File.ReadAllBytes(path), path);
        if (m.Sealed is null)
        {
            return m;
        }

        var (opened, why) = TryOpenSealed(m, path, passphrase);
        if (opened is not null || !m.Archives.Any(a => a.FilesystemId == archiveId))
        {
            return opened; // null: this run replaces none of its volumes
        }

        _events.Step($"removing {path}: {why}, and the volumes of '{archiveId}' it lists are being replaced");
        File.Delete(path);
        _fs.SyncDirectory(Encoding.UTF8.GetBytes(Path.GetDirectoryName(path)!));
        return null;
    }

    /// <summary>A sealed manifest opened with this run's passphrase, or null and why it cannot be.</summary>
    private static (BackupManifest? Opened, string Why) TryOpenSealed(BackupManifest m, string path, byte[]? passphrase)
    {
        if (passphrase is null)
        {
            return (null, "it is sealed and this run is not encrypted");
        }

        try
        {
            return (ManifestSeal.Open(m, path, passphrase), "");
        }
        catch (MkcdrecException)
        {
            return (null, "the backup it describes is encrypted with another passphrase");
        }
        catch (InvalidDataException e)
        {
            return (null, "its sealed part cannot be read (" + e.Message + ")");
        }
    }

    private static void TryDelete(string dir)
    {
        try
        {
            Directory.Delete(dir, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // left for the next run, which removes it first
        }
    }
}
