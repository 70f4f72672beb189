using Mkcdrec.Model.Plan;

namespace Mkcdrec.Core.Execution;

/// <summary>How the executor runs a plan, and how it talks to the human (optional: null means "no terminal").</summary>
public sealed class ExecutorOptions
{
    /// <summary>Where the journal is kept (default <see cref="RecoverJournal.DefaultPath"/>).</summary>
    public string JournalPath { get; init; } = RecoverJournal.DefaultPath;

    /// <summary>The phases to run (default: only <see cref="StepPhases.Layout"/>); steps of other phases are skipped.</summary>
    public IReadOnlySet<string> Phases { get; init; } = new HashSet<string> { StepPhases.Layout };

    /// <summary>Skip the mount steps (the layout is recreated but left unmounted).</summary>
    public bool NoMount { get; init; }

    /// <summary>Destroy without asking.</summary>
    public bool Yes { get; init; }

    /// <summary>Asks the human to confirm the summary (e.g. "type YES"); null when there is no terminal: then only <see cref="Yes"/> allows destruction.</summary>
    public Func<string, bool>? Confirm { get; init; }

    /// <summary>
    /// The file of each {keyfile:…} token, found before the run (<see cref="Secrets.RecoverySecrets"/>): the executor never
    /// asks, and refuses before the first step when a step to run has a token without its file.
    /// </summary>
    public IReadOnlyDictionary<string, string> KeyFiles { get; init; } = new Dictionary<string, string>();

    /// <summary>How long to wait for partition device nodes after writing a table.</summary>
    public TimeSpan DeviceTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Stored in the journal with the plan so a rerun of the same request resumes with the same plan (see <see cref="RecoverJournal.RequestKey"/>).</summary>
    public string? RequestKey { get; init; }

    /// <summary>The disks attached now (path, size, serial, WWN): when given, a resume refuses unless the disks the journal
    /// was written for are still the ones at those paths. Null: not checked.</summary>
    public IReadOnlyList<TargetDisk>? CurrentDisks { get; init; }

    /// <summary>Progress lines for the human (one per step); the log gets everything anyway.</summary>
    public Action<string>? Report { get; init; }
}

/// <summary>What a run did.</summary>
public sealed record ExecutionResult(int Ran, int SkippedCompleted, int SkippedOtherPhase, TimeSpan Elapsed);
