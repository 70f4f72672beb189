using System.Diagnostics;
using System.Security.Cryptography;
using Mkcdrec.Core.Platform;
using Mkcdrec.Model.Manifest;

namespace Mkcdrec.Core.Archive;

/// <summary>What goes into the spool after the manifest: what it already holds, the room check, the layout, the volumes.</summary>
public sealed partial class BackupFetcher
{
    private async Task<BackupFetchResult> FetchRestAsync(HttpClient client, Uri baseUri, string shown, string spool, BackupManifest manifest, string manifestPath,
        string manifestTemp, BackupFetchOptions o, Transfer stats, Stopwatch sw, CancellationToken ct)
    {
        var volumes = CheckedVolumes(manifest, shown);

        // 2. What the spool already holds from an earlier fetch of the same manifest stays; anything else is fetched again.
        var same = File.Exists(manifestPath) && FilesEqual(manifestPath, manifestTemp);
        if (!same && File.Exists(manifestPath) && !o.ReplaceOtherBackup)
        {
            throw new MkcdrecException(ExitCode.Refused, $"{spool} already holds another backup (its manifest.json differs from the one at {shown}).",
                "Give --spool an empty directory (or the one this backup was fetched into before); the backup there was left as it was.");
        }

        var missing = MissingVolumes(volumes, spool, same, stats);

        // 3. Room for what is missing, before any volume is fetched.
        var need = missing.Sum(v => v.Size);
        var free = CheckRoom(shown, spool, missing.Count, need, o);
        if (missing.Count > 0 || !same)
        {
            // manifest.json in the spool means "complete": it goes until every volume is there (never an old manifest over new volumes).
            File.Delete(manifestPath);
        }

        _events.Totals(missing.Count, need);
        _log.Info($"fetch: {volumes.Count} volume(s), {missing.Count} to fetch ({Mib(need)} MiB), {stats.Reused} already in the spool; {Mib(free)} MiB free in {spool}");

        await FetchLayoutAsync(client, baseUri, spool, manifest, same, o, stats, ct);
        await FetchVolumesAsync(client, baseUri, spool, missing, o, stats, ct);

        AtomicFile.Replace(manifestTemp, manifestPath);
        var result = new BackupFetchResult
        {
            Directory = spool,
            Source = shown,
            Manifest = manifest,
            Files = stats.Files,
            Bytes = stats.Bytes,
            Reused = stats.Reused,
            Retries = stats.Retries,
            Elapsed = sw.Elapsed,
        };
        _log.Info($"fetch: {result.Files} file(s), {Mib(result.Bytes)} MiB in {result.Elapsed.TotalSeconds:0.0} s ({result.MiBPerSecond:0.0} MiB/s), {result.Retries} retry(ies), {result.Reused} volume(s) reused");
        return result;
    }

    /// <summary>Every volume the manifest lists, each with a plain relative name and a size that is not negative.</summary>
    private static List<VolumeRecord> CheckedVolumes(BackupManifest manifest, string shown)
    {
        var volumes = manifest.Archives.SelectMany(a => a.Volumes).ToList();
        foreach (var v in volumes)
        {
            CheckRelativeName(v.File, "the volume");
            if (v.Size < 0)
            {
                throw new MkcdrecException(ExitCode.BadInput, $"The manifest at {shown} gives volume {v.File} a negative size.", "The manifest is damaged; fetch another backup.");
            }
        }

        return volumes;
    }

    /// <summary>The volumes to download: all but those complete in the spool from a fetch of the <paramref name="same"/> manifest.</summary>
    private static List<VolumeRecord> MissingVolumes(List<VolumeRecord> volumes, string spool, bool same, Transfer stats)
    {
        var missing = new List<VolumeRecord>();
        foreach (var v in volumes.DistinctBy(v => v.File))
        {
            var path = Path.Combine(spool, v.File);
            if (same && new FileInfo(path) is { Exists: true } f && f.Length == v.Size)
            {
                stats.Reused++;
            }
            else
            {
                missing.Add(v);
            }
        }

        return missing;
    }

    /// <summary>Refuses a spool without room for <paramref name="need"/> bytes and the spare; returns its free bytes (-1 when unknown).</summary>
    private static long CheckRoom(string shown, string spool, int missingCount, long need, BackupFetchOptions o)
    {
        var free = DiskSpace.FreeBytes(spool);
        if (free >= 0 && need + o.SpareBytes > free)
        {
            throw new MkcdrecException(ExitCode.Environment,
                $"The backup at {shown} needs {Mib(need)} MiB ({missingCount} volume(s)) in {spool}, which has {Mib(free)} MiB free.",
                "Give --spool DIR on a filesystem with enough room, e.g. a spare disk mounted at /mnt/spool (never a disk the recovery will overwrite); no volume was fetched.");
        }

        return free;
    }

    /// <summary>4. The layout beside the manifest: the one it names (required), else layout.json when the server has it.</summary>
    private async Task FetchLayoutAsync(HttpClient client, Uri baseUri, string spool, BackupManifest manifest, bool same, BackupFetchOptions o, Transfer stats, CancellationToken ct)
    {
        var layoutName = manifest.Layout is { Length: > 0 } l ? CheckRelativeName(l, "the layout") : BackupFiles.Layout;
        var layoutPath = Path.Combine(spool, layoutName);
        var layoutTemp = TempPathFor(layoutPath);
        if (await DownloadAsync(client, baseUri, layoutName, layoutTemp, null, o, stats, ct, optional: manifest.Layout is null))
        {
            AtomicFile.Replace(layoutTemp, layoutPath);
        }
        else if (File.Exists(layoutPath) && (same || o.ReplaceOtherBackup))
        {
            File.Delete(layoutPath); // an older backup's layout must not pass for this one's
        }
    }

    /// <summary>5. Every missing volume: temporary name, size checked, renamed.</summary>
    private async Task FetchVolumesAsync(HttpClient client, Uri baseUri, string spool, List<VolumeRecord> missing, BackupFetchOptions o, Transfer stats, CancellationToken ct)
    {
        foreach (var v in missing)
        {
            var path = Path.Combine(spool, v.File);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            var temp = TempPathFor(path);
            await DownloadAsync(client, baseUri, v.File, temp, v.Size, o, stats, ct, optional: false);
            AtomicFile.Replace(temp, path);
            stats.FilesDone++;
            stats.DoneBytes += v.Size;
        }
    }

    private static bool FilesEqual(string a, string b)
    {
        var fa = new FileInfo(a);
        var fb = new FileInfo(b);
        if (fa.Length != fb.Length)
        {
            return false;
        }

        using var sa = fa.OpenRead();
        using var sb = fb.OpenRead();
        return SHA256.HashData(sa).AsSpan().SequenceEqual(SHA256.HashData(sb));
    }
}
