using Mkcdrec.Core.Archive;
using Mkcdrec.Core.Destinations;
using Mkcdrec.Core.Destinations.Local;
using Mkcdrec.Core.Platform;
using Mkcdrec.Model.Layout;
using Mkcdrec.Model.Manifest;

namespace Mkcdrec.Core.Workflows;

/// <summary>A backup written to a destination off the machine: its name there, the backup, what older runs left that went.</summary>
public sealed record StoreBackupResult(string Name, string Destination, BackupResult Backup, IReadOnlyList<string> CleanedUp);

/// <summary>
/// A whole-system backup into an <see cref="IBackupStore"/> as a new backup named HOST/TIME (<see cref="BackupCatalog"/>):
/// the volumes stream there as they are produced (never spooled here), then layout.json, then manifest.json last, so a
/// backup without its manifest is never taken for a complete one and the previous backups stay as they were. What an
/// interrupted run of this host left (no manifest) is removed first; on failure this run removes its own files.
/// </summary>
public sealed class StoreBackupWorkflow(IProcessRunner run, IFileSystemAccess fs, ILog log, IArchiveEvents? events = null)
{
    /// <summary>An incomplete backup written to this recently may be another run still going: it is left alone.</summary>
    public static readonly TimeSpan InProgressWindow = TimeSpan.FromMinutes(30);

    public StoreBackupResult Run(LayoutDocument layout, IBackupStore store, BackupOptions options, DateTimeOffset? now = null)
    {
        var started = now ?? DateTimeOffset.UtcNow;
        var host = layout.Host.Hostname;
        var name = BackupCatalog.NameFor(host, started);
        var cleaned = CleanUpInterrupted(store, host, started);
        if (BackupCatalog.List(store, host).Any(b => b.Name == name))
        {
            throw new MkcdrecException(ExitCode.BadInput, $"A backup named {name} is already at {store.Display}.",
                "Another backup of this host started in the same second: wait for it (mkcdrec backups list) and run this one again.");
        }

        var parent = options.Incremental ? ParentFor(store, host, options.MaxIncrements, options.Passphrase) : null;
        log.Info($"backup: writing {name} to {store.Display}" + (parent is null ? "" : $", an increment on {parent.Link.Name} (level {parent.Manifest.Level + 1})"));
        var meta = Directory.CreateTempSubdirectory("mkcdrec-backup-meta-").FullName;
        try
        {
            // A directory store (a local disk, an NFS export) runs out of room as a local directory does; SFTP and S3 say it themselves.
            var room = store is DirectoryBackupStore d ? new DestinationFull.Room(store.Display, d.Root, InPlace: false) : null;
            var result = new BackupWorkflow(run, fs, log, events).Run(layout, meta, options, file => store.Create(name + "/" + file), parent, room);
            store.Put(name + "/" + BackupFiles.Layout, File.ReadAllBytes(result.LayoutPath));
            store.Put(name + "/" + BackupFiles.Manifest, File.ReadAllBytes(result.ManifestPath)); // last: now it is a backup
            log.Info($"backup: {name} complete at {store.Display}");
            return new StoreBackupResult(name, store.Display, result, cleaned);
        }
        catch (MkcdrecException e)
        {
            // Said here once, for every store: their errors serve reads too, where it would mean nothing.
            RemoveQuietly(store, name);
            throw new MkcdrecException(e.Code, e.Message, e.Hint + " The previous backups are intact: this one never got its manifest.json.", e);
        }
        catch
        {
            RemoveQuietly(store, name);
            throw;
        }
        finally
        {
            Directory.Delete(meta, recursive: true);
        }
    }

    /// <summary>
    /// The backup an increment continues: this host's newest complete backup at the store. None (a full backup is made)
    /// when there is no backup yet or its chain is already <paramref name="maxIncrements"/> increments long.
    /// </summary>
    private ParentBackup? ParentFor(IBackupStore store, string host, int maxIncrements, byte[]? passphrase)
    {
        if (BackupCatalog.Latest(store, host) is not { } latest)
        {
            log.Info($"backup: no earlier backup of {host} at {store.Display}: this run makes the full backup an increment needs");
            return null;
        }

        var parent = ParentBackup.FromManifest(store.ReadAll(latest.Name + "/" + BackupFiles.Manifest), latest.Name, store.DisplayOf(latest.Name) + "/" + BackupFiles.Manifest, passphrase);
        if (parent.Manifest.Level >= maxIncrements)
        {
            log.Info($"backup: {latest.Name} is increment {parent.Manifest.Level} of its chain (at most {maxIncrements}): this run makes a full backup");
            return null;
        }

        return parent;
    }

    /// <summary>Removes the files of this host's backups that have no manifest and were not written to lately.</summary>
    private List<string> CleanUpInterrupted(IBackupStore store, string host, DateTimeOffset now)
    {
        var cleaned = new List<string>();
        foreach (var b in BackupCatalog.List(store, host).Where(b => !b.Complete))
        {
            if (now - b.LastWritten < InProgressWindow)
            {
                log.Warn($"backup: {b.Name} at {store.Display} has no manifest but was written to at {b.LastWritten:u}: "
                    + "another run may still be writing it, so it is left alone");
                continue;
            }

            log.Warn($"backup: removing {b.Name} at {store.Display}: an interrupted run left it without a manifest ({b.Files} file(s))");
            foreach (var f in store.List(b.Name + "/"))
            {
                store.Delete(f.Name);
            }

            cleaned.Add(b.Name);
        }

        if (store is IAbandonedUploads uploads)
        {
            foreach (var u in uploads.AbortAbandonedUploads(BackupCatalog.SafeHost(host) + "/", now - InProgressWindow))
            {
                log.Warn($"backup: aborted the upload of {u} at {store.Display}, left unfinished by an interrupted run");
                cleaned.Add(u + " (unfinished upload)");
            }
        }

        return cleaned;
    }

    private void RemoveQuietly(IBackupStore store, string name)
    {
        try
        {
            foreach (var f in store.List(name + "/"))
            {
                store.Delete(f.Name);
            }

            // A run that failed before its first volume was complete listed nothing: its directory is still there, empty.
            if (store is DirectoryBackupStore d && Directory.Exists(Path.Combine(d.Root, name)) && !Directory.EnumerateFileSystemEntries(Path.Combine(d.Root, name)).Any())
            {
                Directory.Delete(Path.Combine(d.Root, name));
            }
        }
        catch (Exception e) when (e is MkcdrecException or IOException or HttpRequestException)
        {
            log.Warn($"backup: could not remove the files of the failed backup {name} ({e.Message}); the next run removes them");
        }
    }
}
