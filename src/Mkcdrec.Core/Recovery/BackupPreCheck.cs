using System.Diagnostics;
using Mkcdrec.Core.Archive;
using Mkcdrec.Core.Workflows;
using Mkcdrec.Formats.Crypto;
using Mkcdrec.Model.Layout;
using Mkcdrec.Model.Manifest;

namespace Mkcdrec.Core.Recovery;

/// <summary>
/// Checks the backup before any disk is touched: the manifest parses (with the file lists the restore checks entries
/// against, which are otherwise read only when the restore reaches them), every volume exists with its size and chunk
/// hashes (<see cref="VolumeChecker"/>), an encrypted archive's passphrase is right, and every archive belongs to a
/// filesystem of the layout.
/// </summary>
public static class BackupPreCheck
{
    public static BackupManifest Verify(ArchiveSource backup, LayoutDocument layout, byte[]? passphrase, Action<string>? say = null)
    {
        var dir = backup.Directory;
        if (backup.Unseal(passphrase).IsSealed)
        {
            throw new MkcdrecException(ExitCode.Usage, $"The backup in {dir} is encrypted, and so is the list of what it holds.",
                "Give its passphrase (--passphrase-file FILE, or backup.passphrase in the --secrets directory); no disk was touched.");
        }

        var m = backup.Manifest;
        if (m.Archives.Count == 0)
        {
            throw new MkcdrecException(ExitCode.BadInput, $"The backup in {dir} lists no archives.", "Check that the backup finished (mkbackuponly writes manifest.json last).");
        }

        var sw = Stopwatch.StartNew();
        long total = 0;
        var where = backup.Volumes.Where(dir);
        var later = new List<string>();
        foreach (var a in m.Archives)
        {
            var (fsId, _) = ArchiveId.Parse(a.FilesystemId);
            if (ArchiveId.IsFilesystem(a.FilesystemId) && layout.Filesystems.All(f => f.Id != fsId))
            {
                throw new MkcdrecException(ExitCode.BadInput,
                    $"The backup's archive '{a.FilesystemId}' belongs to no filesystem of the layout; the layout and the backup do not match.",
                    "Use the layout saved with this backup (its layout.json), or name the right one with --layout; no disk was touched.");
            }

            total += CheckArchive(backup, a, passphrase, later);
        }

        var summary = $"{m.Archives.Count} archive(s), {m.Archives.Sum(a => a.Volumes.Count)} volume(s), {total / 1048576.0:0.0} MiB";
        say?.Invoke(backup.Volumes.Streams
            ? $"Backup checked at {where}: {summary}, every volume there with its size ({sw.Elapsed.TotalSeconds:0.0} s). Its chunk hashes are checked as the volumes stream into the restore, before a byte is written; " +
              "for a check of every chunk before any disk is touched, fetch it first (mkcdrec fetch URL --spool DIR) and recover from the spool."
            : $"Backup verified: {summary}, every chunk hash {(later.Count > 0 ? "of the volumes at hand " : "")}matches ({sw.Elapsed.TotalSeconds:0.0} s).");
        if (later.Count > 0)
        {
            say?.Invoke($"{later.Count} volume(s) are on media not in a drive now ({string.Join(", ", later)}): the restore asks for each medium "
                        + "when it reaches it and checks every chunk as it reads, before a byte of it is written. Attach every medium "
                        + "(a second drive, USB) to have them checked before any disk is touched.");
        }

        return m;
    }

    /// <summary>
    /// The backup and every earlier link of its chain that the restore reads (<see cref="BackupChain.ArchivesOf"/>):
    /// the tip as <see cref="Verify"/> checks it, then the volumes of each parent archive the same way.
    /// </summary>
    public static BackupManifest VerifyChain(BackupChain chain, LayoutDocument layout, byte[]? passphrase, Action<string>? say = null)
    {
        var m = Verify(chain.Tip, layout, passphrase, say);
        if (!chain.IsIncremental)
        {
            return m;
        }

        var sw = Stopwatch.StartNew();
        long total = 0;
        var archives = 0;
        foreach (var tipArchive in m.Archives)
        {
            foreach (var (source, a) in chain.ArchivesOf(tipArchive).SkipLast(1))
            {
                total += CheckArchive(source, a, passphrase);
                archives++;
            }
        }

        say?.Invoke($"Backup chain checked: a full backup and {chain.Links.Count - 1} increment(s), each link the one its increment was made on; " +
                    $"{archives} earlier archive(s), {total / 1048576.0:0.0} MiB ({sw.Elapsed.TotalSeconds:0.0} s).");
        return m;
    }

    /// <returns>The bytes of the archive's volumes, each present with its size and (not streamed) every chunk hash matching.</returns>
    /// <param name="later">Gets the volumes on a medium of the set that is not attached now (checked as the restore reads them); null: none may be missing.</param>
    private static long CheckArchive(ArchiveSource backup, ArchiveRecord a, byte[]? passphrase, List<string>? later = null)
    {
        long total = 0;
        var where = backup.Volumes.Where(backup.Directory);
        _ = a.Members(); // a list that does not read stops the recovery here, not halfway through the restore
        using var mac = ArchiveSource.OpenMac(a, passphrase);
        for (var i = 0; i < a.Volumes.Count; i++)
        {
            total += CheckVolume(backup, where, a, i, mac, later);
        }

        if (backup.Volumes.Streams)
        {
            VolumeSetReader.CheckVolumes(backup.Directory, a, mac, backup.Volumes); // chunk counts, and the HMAC over an encrypted archive's chunk list
        }

        return total;
    }

    /// <returns>The bytes of the intact volume; throws naming what is wrong with it. A streamed volume is checked for presence and size only.</returns>
    private static long CheckVolume(ArchiveSource backup, string where, ArchiveRecord a, int index, VolumeMac? mac, List<string>? later)
    {
        var v = a.Volumes[index];
        var size = backup.Volumes.SizeNow(backup.Directory, v.File);
        if (size is null && later is not null && backup.Volumes.CanObtainLater(v.File))
        {
            later.Add(v.File);
            return 0;
        }

        if (size is null)
        {
            throw new MkcdrecException(ExitCode.BadInput, $"Volume {v.File} of archive '{a.FilesystemId}' is missing from {where}.",
                backup.Volumes.Streams
                    ? "The backup at the destination is incomplete: recover from another backup of this host (mkcdrec backups list DEST); no disk was touched."
                    : "Put every volume of the backup in one directory (insert the other media and copy them), then run recover again; no disk was touched.");
        }

        if (size != v.Size)
        {
            throw new MkcdrecException(ExitCode.BadInput, $"Volume {v.File} has {size} bytes, the manifest says {v.Size}: it is truncated or not this backup's.",
                backup.Volumes.Streams ? "Recover from another backup of this host (mkcdrec backups list DEST); no disk was touched." : "Copy the volume again from the original medium; no disk was touched.");
        }

        if (backup.Volumes.Streams)
        {
            return v.Size;
        }

        // The whole-volume SHA-256 only for a manifest without chunk hashes: the chunks catch the same damage, faster.
        using var stream = backup.Volumes.Open(backup.Directory, v.File);
        if (VolumeChecker.Check(stream, a, index, mac, wholeVolumeHash: false) is { } bad)
        {
            var what = bad.IsWholeVolume
                ? $"Volume {v.File}: SHA-256 {bad.ActualSha256} does not match the manifest ({v.Sha256})."
                : $"Volume {v.File}: bytes {bad.FirstByte}..{bad.LastByte} (chunk {bad.Chunk + 1} of {v.Chunks.Count}) do not match the manifest.";
            throw new MkcdrecException(ExitCode.BadInput, what + " The volume is damaged.",
                "Copy the volume again from the original medium, or use another backup; no disk was touched.");
        }

        return v.Size;
    }
}
