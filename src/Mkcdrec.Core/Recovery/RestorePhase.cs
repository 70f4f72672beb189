using System.Diagnostics;
using Mkcdrec.Core.Archive;
using Mkcdrec.Core.Execution;
using Mkcdrec.Core.Platform;
using Mkcdrec.Model.Manifest;
using Mkcdrec.Model.Plan;

namespace Mkcdrec.Core.Recovery;

/// <summary>
/// Restores every archive into its directory under the target root (btrfs top levels mounted meanwhile), skipping
/// what the journal records as done and recording each one that is; after each, the hooks' work, timed apart.
/// </summary>
internal sealed class RestorePhase(IProcessRunner run, IFileSystemAccess fs, IArchiveEvents events, ILog log, TargetMounts mounts)
{
    /// <returns>The time the hooks took after the restores.</returns>
    public TimeSpan Run(RecoveryPlan plan, List<(ArchiveRecord Archive, RecoverWorkflow.RestoreTarget Target)> targets, BackupChain backup,
        RecoverOptions o, RecoverResult result, RecoveryOutput output)
    {
        mounts.EnsureMounted(plan, output.Say);
        var journal = RecoverJournal.Load(o.Executor.JournalPath) ?? new RecoverJournal { PlanHash = RecoverJournal.HashOf(plan), Plan = plan };
        var topMounts = new List<string>();
        var hookTime = TimeSpan.Zero;
        try
        {
            foreach (var (a, t) in targets)
            {
                var id = "restore:" + a.FilesystemId;
                if (journal.CompletedSteps.Contains(id))
                {
                    output.Say($"restore {a.FilesystemId}: already done (journal), skipped");
                    continue;
                }

                MountTopLevel(t, topMounts);
                var sw = Stopwatch.StartNew();
                output.Say($"restore {a.FilesystemId} ({a.EntryCount} entries, {a.Bytes / 1048576.0:0.0} MiB) into {t.Directory}");
                var r = Restore(backup, a, t.Directory, o.Passphrase, output);
                var restoreTime = sw.Elapsed;
                if (o.Hooks is { } hooks)
                {
                    var hw = Stopwatch.StartNew();
                    hooks.AfterRestore(a, t.Directory, output);
                    hookTime += hw.Elapsed;
                }

                result.RestoredEntries += r.Entries;
                result.RestoredBytes += r.Bytes;
                output.Say($"restore {a.FilesystemId}: {r.Entries} entries, {r.Bytes / 1048576.0:0.0} MiB in {restoreTime.TotalSeconds:0.0} s, every content hash matched");
                journal.CompletedSteps.Add(id);
                journal.Save(o.Executor.JournalPath);
            }
        }
        finally
        {
            foreach (var d in Enumerable.Reverse(topMounts))
            {
                run.Run(new ProcessRequest("umount", [d]));
            }
        }

        return hookTime;
    }

    private void MountTopLevel(RecoverWorkflow.RestoreTarget t, List<string> topMounts)
    {
        if (t.TopLevel is not { } top || topMounts.Contains(top.Dir))
        {
            return;
        }

        Directory.CreateDirectory(top.Dir);
        if (!mounts.IsMountPoint(top.Dir))
        {
            run.RunChecked(new ProcessRequest("mount", ["-t", "btrfs", "-o", "subvolid=5", top.Device, top.Dir]));
        }

        topMounts.Add(top.Dir);
    }

    /// <summary>Restores the archive, or for an increment its chain: the full archive, then each increment in order.</summary>
    private ExtractResult Restore(BackupChain backup, ArchiveRecord a, string directory, byte[]? passphrase, RecoveryOutput output)
    {
        Directory.CreateDirectory(directory);
        var r = backup.Extract(a, directory, passphrase, new ArchiveExtractor(fs, events), output.Say);
        if (r.Problems.Count > 0)
        {
            foreach (var p in r.Problems)
            {
                log.Warn($"restore {a.FilesystemId}: {p}");
            }

            throw new MkcdrecException(ExitCode.Environment,
                $"{r.Problems.Count} of {r.Entries} entries of '{a.FilesystemId}' could not be restored exactly (first: {r.Problems[0]}).",
                "The log lists every problem; fix the cause (space, filesystem features) and run recover again: it resumes from the journal.");
        }

        return r;
    }
}
