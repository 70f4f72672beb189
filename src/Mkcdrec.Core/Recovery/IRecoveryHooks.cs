using Mkcdrec.Model.Manifest;

namespace Mkcdrec.Core.Recovery;

/// <summary>
/// Work that plugs into a recovery without the recovery knowing it (the drill's comparisons and first-boot check).
/// The recovery times <see cref="AfterRestore"/> apart from its own restore, under <see cref="AfterRestorePhase"/>.
/// </summary>
public interface IRecoveryHooks
{
    /// <summary>The phase name the time spent in <see cref="AfterRestore"/> is reported under.</summary>
    string AfterRestorePhase { get; }

    /// <summary>A phase of the recovery (RecoverWorkflow's names: "verify backup", "layout", "restore"…) starts.</summary>
    void PhaseStarted(string phase, RecoveryOutput output)
    {
    }

    /// <summary>One archive was restored into <paramref name="directory"/> and every content hash matched.</summary>
    void AfterRestore(ArchiveRecord archive, string directory, RecoveryOutput output);

    /// <summary>The system under <paramref name="targetRoot"/> is finalized (<paramref name="written"/>: the files finalize
    /// wrote, as the system names them); its chroot binds are still mounted.</summary>
    void AfterFinalize(string targetRoot, IReadOnlyList<string> written, RecoveryOutput output);

    /// <summary>The recovery is done and unmounted; <paramref name="result"/> holds the time of every phase.</summary>
    void Finished(RecoverResult result, RecoveryOutput output);
}

/// <summary>
/// Where a hook's lines go: <see cref="Say"/> is logged, kept for the report in the recovered system and shown;
/// <see cref="Show"/> only shows (null when nothing is shown, e.g. JSON output).
/// </summary>
public sealed record RecoveryOutput(Action<string> Say, Action<string>? Show);
