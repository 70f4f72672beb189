namespace Mkcdrec.Core.Destinations;

/// <summary>What a prune keeps and deletes, with the reason for each deletion.</summary>
public sealed record PrunePlan(IReadOnlyList<ChainedBackup> Keep, IReadOnlyList<(ChainedBackup Backup, string Why)> Delete);

/// <summary>
/// Retention by chains (`mkcdrec backups prune DEST --keep-full N`): per host, the newest N full backups are kept with
/// every increment that leads back to them; older chains go whole (a full backup never without its increments, nor
/// an increment without its full), and so do increments whose chain is broken (nothing can restore them). The chain
/// of the newest complete backup is always kept. Incomplete backups are left to the next backup run's cleanup.
/// </summary>
public static class BackupPruner
{
    public static PrunePlan Plan(IReadOnlyList<ChainedBackup> backups, int keepFull)
    {
        if (keepFull < 1)
        {
            throw new MkcdrecException(ExitCode.Usage, "--keep-full must be at least 1.", "Keep at least the newest full backup and its increments: --keep-full 1 or more.");
        }

        var keep = new List<ChainedBackup>();
        var delete = new List<(ChainedBackup, string)>();
        foreach (var host in backups.GroupBy(b => b.Backup.Host, StringComparer.Ordinal))
        {
            var fulls = host.Where(b => b.Backup.Complete && b.Broken is null && b.Level == 0).Select(b => b.Name).ToList(); // oldest first
            var kept = fulls.Skip(Math.Max(0, fulls.Count - keepFull)).ToHashSet(StringComparer.Ordinal);
            if (host.LastOrDefault(b => b.Backup.Complete && b.Full is not null) is { } newest)
            {
                kept.Add(newest.Full!);
            }

            foreach (var b in host)
            {
                if (!b.Backup.Complete || (b.Full is not null && kept.Contains(b.Full)))
                {
                    keep.Add(b);
                }
                else if (b.Broken is not null)
                {
                    delete.Add((b, "its chain is broken (" + b.Broken + "): it cannot be restored"));
                }
                else
                {
                    delete.Add((b, b.Level == 0
                        ? $"a full backup older than the newest {keepFull}"
                        : $"an increment of the older full backup {b.Full}"));
                }
            }
        }

        return new PrunePlan(keep, delete);
    }

    /// <summary>Deletes the plan's backups, newest first (increments before their full); each loses its manifest first, so a
    /// prune cut short leaves backups that are plainly incomplete, never one that looks whole without its volumes.</summary>
    public static void Apply(IBackupStore store, PrunePlan plan, Action<string> say)
    {
        foreach (var (b, why) in plan.Delete.OrderByDescending(d => d.Backup.Name, StringComparer.Ordinal))
        {
            var files = store.List(b.Name + "/").ToList();
            foreach (var f in files.OrderBy(f => f.Name.EndsWith("/" + Model.Manifest.BackupFiles.Manifest, StringComparison.Ordinal) ? 0 : 1))
            {
                store.Delete(f.Name);
            }

            say($"deleted {b.Name} ({files.Count} file(s), {b.Backup.Bytes / 1048576.0:0.0} MiB): {why}");
        }
    }
}
