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

    public static string BaseName(string filesystemId, Compression c, bool encrypted)
    {
        var sb = new StringBuilder();
        foreach (var ch in filesystemId)
        {
            sb.Append(char.IsAsciiLetterOrDigit(ch) || ch is '-' or '_' or '.' ? ch : '_');
        }

        if (sb.Length == 0 || sb[0] == '.')
        {
            sb.Insert(0, "fs");
        }

        return sb + ".tar" + ArchivePipeline.Extension(c) + (encrypted ? ".enc" : "");
    }

    public ArchiveRecord Create(CreateOptions o)
    {
        var root = Path.GetFullPath(o.Root);
        var dest = Path.GetFullPath(o.Destination);
        Directory.CreateDirectory(dest);
        var manifestPath = Path.Combine(dest, o.ManifestName);
        var manifest = File.Exists(manifestPath)
            ? BackupManifest.Parse(File.ReadAllBytes(manifestPath), manifestPath)
            : new BackupManifest { Created = DateTimeOffset.UtcNow };

        var level = o.Level ?? ArchivePipeline.DefaultLevel(o.Compression);
        var encrypted = o.Passphrase is not null;
        var baseName = BaseName(o.FilesystemId, o.Compression, encrypted);
        var volumeSize = o.VolumeSize <= 0 ? VolumeSizes.Iso9660MaxFile : Math.Min(o.VolumeSize, VolumeSizes.Iso9660MaxFile);
        var record = new ArchiveRecord
        {
            FilesystemId = o.FilesystemId,
            Root = root,
            Compression = ArchivePipeline.Name(o.Compression),
            Level = o.Compression == Compression.None ? 0 : level,
            ChunkSize = o.ChunkSize,
            ChunkHash = encrypted ? ChunkDigest.HmacSha256 : ChunkDigest.Xxh128,
            Started = DateTimeOffset.UtcNow,
        };

        VolumeMac? mac = null;
        if (encrypted)
        {
            var macSalt = RandomNumberGenerator.GetBytes(16);
            mac = new VolumeMac(o.Passphrase, macSalt, o.Iterations);
            record.Encryption = new EncryptionRecord
            {
                Iterations = o.Iterations,
                MacSalt = Convert.ToHexStringLower(macSalt),
                KeyCheck = Convert.ToHexStringLower(mac.KeyCheck()),
            };
        }

        var patterns = (o.DefaultExcludes ? Excludes.Defaults : []).Concat(o.Excludes).ToList();
        var excludes = new Excludes(patterns);
        var walker = new TreeWalker(_fs, excludes, _events);
        walker.SkipDirectory(dest);
        _events.Step($"archiving {root} into {dest}/{baseName}.NNN ({record.Compression}{(encrypted ? ", encrypted" : "")})");

        using (mac)
        using (var volumes = new VolumeSetWriter(dest, baseName, volumeSize, o.ChunkSize, mac))
        {
            var enc = encrypted ? OpenSslEnc.Encrypt(volumes, o.Passphrase, o.Iterations, leaveOpen: true) : null;
            var comp = ArchivePipeline.Compress(enc ?? volumes, o.Compression, level, o.Threads);
            var tar = new PaxTarWriter(comp, leaveOpen: true);
            var archiver = new TreeArchiver(_fs, tar, _events);
            walker.Walk(root, archiver);
            tar.Finish();
            tar.Dispose();
            if (!ReferenceEquals(comp, enc ?? volumes))
            {
                comp.Dispose();
            }

            enc?.Dispose();
            volumes.Complete();

            record.Volumes = volumes.Volumes;
            record.EntryCount = archiver.Entries;
            record.Bytes = archiver.Bytes;
            record.TarBytes = tar.Position;
            record.Files = archiver.Records;
            record.Notes = archiver.Notes;
            record.Excludes = patterns;
        }

        record.Finished = DateTimeOffset.UtcNow;

        // Remove volumes of an older run of this archive that this run did not overwrite.
        for (var i = record.Volumes.Count; File.Exists(Path.Combine(dest, VolumeSetWriter.VolumeName(baseName, i))); i++)
        {
            File.Delete(Path.Combine(dest, VolumeSetWriter.VolumeName(baseName, i)));
        }

        manifest.Archives.RemoveAll(a => a.FilesystemId == o.FilesystemId);
        manifest.Archives.Add(record);
        var tmp = manifestPath + ".tmp";
        File.WriteAllBytes(tmp, manifest.ToJson());
        File.Move(tmp, manifestPath, overwrite: true);
        return record;
    }
}
