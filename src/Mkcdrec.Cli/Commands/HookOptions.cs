using System.CommandLine;
using Mkcdrec.Core;
using Mkcdrec.Core.Workflows;

namespace Mkcdrec.Cli.Commands;

/// <summary>The backup hooks' options, shared by mkbackup and mkbackuponly (docs/configuration.md, "Hooks").</summary>
internal sealed class HookOptions
{
    public Option<string?> PreBackup { get; } = new("--pre-backup-hook")
    {
        Description = "Run CMD (with /bin/sh -c) right before the first archive, e.g. to dump or freeze a database; if it fails, nothing is backed up.",
        HelpName = "CMD",
    };

    public Option<string?> PostBackup { get; } = new("--post-backup-hook")
    {
        Description = "Run CMD right after the last archive whenever the pre-backup hook ran (MKCDREC_BACKUP_RESULT=ok|failed), e.g. to thaw the database.",
        HelpName = "CMD",
    };

    public Option<string?> PostRecovery { get; } = new("--post-recovery-hook")
    {
        Description = "Record CMD in the backup: recover runs it (/bin/sh -c, in a chroot of the recovered system) after finalize.",
        HelpName = "CMD",
    };

    public Option<int> Timeout { get; } = new("--hook-timeout")
    {
        Description = "Kill a hook still running after SECONDS and count it as failed (default 1800).",
        HelpName = "SECONDS",
        DefaultValueFactory = _ => (int)BackupHooks.DefaultTimeout.TotalSeconds,
    };

    public IEnumerable<Option> All => [PreBackup, PostBackup, PostRecovery, Timeout];

    public BackupHooks Hooks(ParseResult p) => p.GetValue(Timeout) < 1
        ? throw new MkcdrecException(ExitCode.Usage, "--hook-timeout must be at least 1 second.", "Give how long a hook may run, e.g. --hook-timeout 600.")
        : new BackupHooks { PreBackup = Command(p, PreBackup), PostBackup = Command(p, PostBackup), PostRecovery = Command(p, PostRecovery), Timeout = TimeSpan.FromSeconds(p.GetValue(Timeout)) };

    private static string? Command(ParseResult p, Option<string?> option) => p.GetValue(option) is { } c && c.Trim().Length > 0 ? c : null;
}
