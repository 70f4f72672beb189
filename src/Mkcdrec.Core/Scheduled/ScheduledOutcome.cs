namespace Mkcdrec.Core.Scheduled;

/// <summary>What a scheduled run did: its exit code (the failing step's, else 0), the one line the journal gets, and the
/// output of the commands it ran (for the mail and the log).</summary>
public sealed record ScheduledOutcome(string Job, int ExitCode, string Summary, IReadOnlyList<string> Output)
{
    public bool Failed => ExitCode != 0;
}
