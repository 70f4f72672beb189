using Mkcdrec.Core.Platform;

namespace Mkcdrec.Core.Workflows;

/// <summary>
/// The admin's commands around the file walk (docs/configuration.md, "Hooks"): the pre-backup one (dump or freeze a
/// database) runs right before the first archive and stops the backup when it fails; the post-backup one (thaw it) runs
/// right after the last archive whenever the backup got as far as the pre-backup hook, whether it or the archives
/// failed or not (what a failing pre-backup hook froze before failing is thawed too). Both run with
/// /bin/sh -c, their output goes to the log, and they see MKCDREC_HOOK (and MKCDREC_BACKUP_RESULT ok|failed afterwards).
/// </summary>
public sealed class BackupHooks
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(30);

    public string? PreBackup { get; init; }

    public string? PostBackup { get; init; }

    /// <summary>Recorded in the backup's manifest: recover runs it in a chroot of the recovered system after finalize.</summary>
    public string? PostRecovery { get; init; }

    /// <summary>A hook still running after this long is killed and counts as failed.</summary>
    public TimeSpan Timeout { get; init; } = DefaultTimeout;

    /// <summary>Why the post-backup hook failed in this run (the backup itself stands); null when it did not fail.</summary>
    public string? PostBackupFailure { get; private set; }

    /// <summary>Runs the pre-backup hook; a failure runs the post-backup hook and stops the backup before any archive is written.</summary>
    public void Before(IProcessRunner run, ILog log)
    {
        if (PreBackup is null)
        {
            return;
        }

        if (Run(run, log, "pre-backup", PreBackup, null) is { } why)
        {
            After(run, log, archived: false); // it may have frozen something before it failed
            throw new MkcdrecException(ExitCode.CommandFailed, $"The pre-backup hook failed: {why}",
                "Nothing was backed up and the previous backup is as it was; the hook's output is in the log. Fix the hook (pre-backup-hook in the "
                + "configuration, or --pre-backup-hook) and run the backup again.");
        }
    }

    /// <summary>Runs the post-backup hook after the archives were made (<paramref name="archived"/>) or failed; a failure is
    /// kept in <see cref="PostBackupFailure"/> and logged, not thrown: the backup it follows must still be committed.</summary>
    public void After(IProcessRunner run, ILog log, bool archived)
    {
        if (PostBackup is null)
        {
            return;
        }

        PostBackupFailure = Run(run, log, "post-backup", PostBackup, archived ? "ok" : "failed");
        if (PostBackupFailure is { } why)
        {
            log.Warn($"the post-backup hook failed: {why}");
        }
    }

    /// <summary>The error for a command whose backup is complete but whose post-backup hook failed.</summary>
    public MkcdrecException? FailureError() => PostBackupFailure is { } why
        ? new MkcdrecException(ExitCode.CommandFailed, $"The backup is complete, but the post-backup hook failed: {why}",
            "The backup is usable. What the pre-backup hook stopped or froze may still be stopped: check it now; the hook's output is in the log.")
        : null;

    private string? Run(IProcessRunner run, ILog log, string name, string command, string? result) =>
        HookCommand.Run(run, log, name, command, result is null ? new Dictionary<string, string>() : new() { ["MKCDREC_BACKUP_RESULT"] = result }, Timeout);
}
