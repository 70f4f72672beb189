using Mkcdrec.Core.Archive;
using Mkcdrec.Core.Execution;
using Mkcdrec.Core.Platform;
using Mkcdrec.Core.Storage;

namespace Mkcdrec.Core.Recovery;

/// <summary>What a recovery was asked for: the options of `mkcdrec recover`, parsed.</summary>
public sealed record RecoveryRequest
{
    /// <summary>The layout to recreate; null (full recovery only): the one saved with the backup, else the rescue system's.</summary>
    public string? LayoutPath { get; init; }

    /// <summary>"SRC=DST" disk mappings.</summary>
    public IReadOnlyList<string> Maps { get; init; } = [];

    public string TargetRoot { get; init; } = PlanOptions.DefaultTargetRoot;

    /// <summary>Disks that are never a target (the boot medium).</summary>
    public IReadOnlyList<string> ExcludeDisks { get; init; } = [];

    /// <summary>The backup's directories (their disks are never targets); for a full recovery the first is the one restored.</summary>
    public IReadOnlyList<string> Backups { get; init; } = [];

    /// <summary>The URL (redacted) the first backup was fetched from; null when it was given as a directory.</summary>
    public string? BackupUrl { get; init; }

    /// <summary>Where the first backup's volumes are read when not from its directory: a destination they stream from.</summary>
    public IVolumeSource? BackupVolumes { get; init; }

    /// <summary>How the parent of an incremental first backup is opened where it lies (null: a backup directory beside it).</summary>
    public Func<Model.Manifest.BackupLink, ArchiveSource>? OpenParent { get; init; }

    public bool ResizeFixed { get; init; }

    /// <summary>Recreate arrays that were degraded at capture degraded (see <see cref="PlanOptions.KeepDegraded"/>).</summary>
    public bool KeepDegraded { get; init; }

    /// <summary>Give every recreated identifier a fresh value (see <see cref="PlanOptions.NewIdentifiers"/>).</summary>
    public bool NewIdentifiers { get; init; }

    /// <summary>Destroy without asking.</summary>
    public bool Yes { get; init; }

    /// <summary>Never ask; refuse anything ambiguous.</summary>
    public bool Unattended { get; init; }

    /// <summary>--key-file: one key file for every LUKS container to create.</summary>
    public string? KeyFile { get; init; }

    /// <summary>--passphrase-file: the encrypted backup's passphrase (first line); "-" asks for it.</summary>
    public string? PassphraseFile { get; init; }

    /// <summary>--secrets: a directory laid out like the keys medium (docs/secrets.md).</summary>
    public string? SecretsDirectory { get; init; }

    /// <summary>--secret-timeout: how long an unattended recovery waits on its terminal for a secret no file gives; zero: it does not ask.</summary>
    public TimeSpan SecretTimeout { get; init; }

    public string JournalPath { get; init; } = RecoverJournal.DefaultPath;

    /// <summary>Layout only: leave the recreated filesystems unmounted.</summary>
    public bool NoMount { get; init; }

    /// <summary>Plan only: plan for the disks listed in this file instead of this machine's.</summary>
    public string? TargetDisksFile { get; init; }

    public CloneSettings CloneSettings { get; init; } = new();

    public bool KeepMounted { get; init; }

    /// <summary>Run this in the recovered system after finalize instead of the backup's post-recovery hook ("" none; null the backup's).</summary>
    public string? PostRecoveryHook { get; init; }

    /// <summary>The log file of this run, copied into the recovered system.</summary>
    public string? LogFile { get; init; }

    internal PlanOptions PlanOptions => PlanOptionsWith(null);

    /// <summary>The plan options, with the UUIDs of the LUKS containers whose header the backup kept.</summary>
    internal PlanOptions PlanOptionsWith(IReadOnlySet<string>? luksHeaders) => new()
    {
        Maps = Maps, TargetRoot = TargetRoot, ResizeFixed = ResizeFixed, KeepDegraded = KeepDegraded, NewIdentifiers = NewIdentifiers,
        LuksHeaders = luksHeaders ?? new HashSet<string>(),
    };

    /// <summary>What of the request changes the plan, for the journal's request key.</summary>
    internal IEnumerable<string> PlanKey => [.. Maps.Select(m => "map=" + m), "root=" + TargetRoot, "fixed=" + ResizeFixed, .. KeepDegraded ? ["keep-degraded"] : Array.Empty<string>(),
        .. NewIdentifiers ? ["new-identifiers"] : Array.Empty<string>()];
}

/// <summary>What a recovery session works with on this machine.</summary>
public sealed record RecoveryServices(IProcessRunner Runner, IBlockDevices Blocks, IFileSystemAccess FileSystem, ISystemFiles Files, ILog Log, IArchiveEvents? Events = null);
