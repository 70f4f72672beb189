using Mkcdrec.Core.Archive;
using Mkcdrec.Core.Execution;

namespace Mkcdrec.Core.Recovery;

/// <summary>Settings for a clone: the same system on another machine (other name, identity, network).</summary>
public sealed class CloneSettings
{
    public string? Hostname { get; init; }

    public bool NewMachineId { get; init; }

    public bool NewSshHostKeys { get; init; }

    /// <summary>"dhcp" or "static:ADDR/PREFIX[,gw=GW][,dns=IP[;IP]]"; null: keep the network configuration.</summary>
    public string? Network { get; init; }

    public bool Any => Hostname is not null || NewMachineId || NewSshHostKeys || Network is not null;
}

/// <summary>What a full recovery needs besides the layout and the plan.</summary>
public sealed class RecoverOptions
{
    /// <summary>The backup directory (manifest.json and volumes).</summary>
    public required string BackupDirectory { get; init; }

    /// <summary>The backup, when the caller opened it already (it is opened once per run); null: open <see cref="BackupDirectory"/>.</summary>
    public ArchiveSource? Backup { get; init; }

    /// <summary>Passphrase of encrypted archives.</summary>
    public byte[]? Passphrase { get; init; }

    /// <summary>How the layout phase runs (journal, confirmation, LUKS key file, progress lines).</summary>
    public required ExecutorOptions Executor { get; init; }

    public CloneSettings Clone { get; init; } = new();

    /// <summary>The log file of this run, copied into the recovered system's /var/log/mkcdrec/.</summary>
    public string? LogFile { get; init; }

    /// <summary>Leave the recovered system mounted under the target root (for inspection); default: unmount everything.</summary>
    public bool KeepMounted { get; init; }

    /// <summary>Called once the layout phase succeeded: the session deletes the temporary key files there, as nothing after needs them.</summary>
    public Action? LayoutDone { get; init; }

    /// <summary>Who else acts after each restore and after finalization (the drill); null: nobody.</summary>
    public IRecoveryHooks? Hooks { get; init; }

    /// <summary>The command to run in a chroot of the recovered system after finalize instead of the backup's own
    /// post-recovery hook; "" runs none; null: the backup's (its manifest's), if it has one.</summary>
    public string? PostRecoveryHook { get; init; }
}

/// <summary>What a recovery did, with the time of each phase.</summary>
public sealed class RecoverResult
{
    public List<(string Phase, TimeSpan Elapsed)> Phases { get; } = [];

    /// <summary>What finalization changed in the recovered system (files rewritten, initramfs, bootloader), for the report.</summary>
    public List<string> Changes { get; } = [];

    /// <summary>The files of the recovered system finalization wrote, as the system names them (/etc/fstab, /boot/initrd.img-…).</summary>
    public List<string> Written { get; } = [];

    public long RestoredEntries { get; set; }

    public long RestoredBytes { get; set; }

    public TimeSpan Elapsed { get; set; }

    /// <summary>Why the post-recovery hook failed (the system is recovered all the same); null when it did not fail.</summary>
    public string? PostRecoveryHookFailure { get; set; }

    /// <summary>The log written into the recovered system (its path there, e.g. /var/log/mkcdrec/recover-….log).</summary>
    public string? LogInTarget { get; set; }
}
