using System.Text.RegularExpressions;
using Mkcdrec.Model.Plan;

namespace Mkcdrec.Core.Execution;

public sealed partial class PlanExecutor
{
    [GeneratedRegex(@"\{keyfile:[^}]+\}")]
    private static partial Regex KeyFileToken();

    [GeneratedRegex(@"\{luksheader:[^}]+\}")]
    private static partial Regex HeaderFileToken();

    /// <summary>Any token a file fills: a key ({keyfile:…}) or a LUKS header kept by the backup ({luksheader:…}).</summary>
    [GeneratedRegex(@"\{(?:keyfile|luksheader):[^}]+\}")]
    private static partial Regex FileToken();

    /// <summary>The {keyfile:…} tokens of these steps, each once, in plan order.</summary>
    public static List<string> KeyFileTokens(IEnumerable<PlanStep> steps) =>
        [.. steps.SelectMany(s => s.Commands).SelectMany(c => c.Argv).SelectMany(a => KeyFileToken().Matches(a).Select(m => m.Value)).Distinct()];

    /// <summary>
    /// The {keyfile:…} tokens of the layout steps a run of <paramref name="plan"/> would still run (the journal's completed
    /// steps are skipped): the keys to find before it starts.
    /// </summary>
    public static List<string> PendingKeyFileTokens(RecoveryPlan plan, string journalPath) => KeyFileTokens(PendingLayoutSteps(plan, journalPath));

    /// <summary>The {luksheader:…} tokens of the layout steps still to run: the headers to take from the backup before it starts.</summary>
    public static List<string> PendingHeaderFileTokens(RecoveryPlan plan, string journalPath) =>
        [.. PendingLayoutSteps(plan, journalPath).SelectMany(s => s.Commands).SelectMany(c => c.Argv).SelectMany(a => HeaderFileToken().Matches(a).Select(m => m.Value)).Distinct()];

    private static IEnumerable<PlanStep> PendingLayoutSteps(RecoveryPlan plan, string journalPath)
    {
        var journal = RecoverJournal.Load(journalPath);
        var done = journal is not null && journal.PlanHash == RecoverJournal.HashOf(plan) ? journal.CompletedSteps.ToHashSet(StringComparer.Ordinal) : [];
        return plan.Steps.Where(s => s.Phase == StepPhases.Layout && !done.Contains(s.Id));
    }

    /// <summary>Refuses before anything is touched when a step to run has a {keyfile:…} token without its file.</summary>
    private static void RequireKeyFiles(List<PlanStep> steps, ExecutorOptions options)
    {
        var missing = KeyFileTokens(steps).Where(t => !options.KeyFiles.ContainsKey(t)).ToList();
        if (missing.Count > 0)
        {
            throw new MkcdrecException(ExitCode.Refused,
                $"The plan needs the key of {string.Join(", ", missing.Select(t => t.Trim('{', '}')["keyfile:".Length..]))} and none was found; nothing was changed.",
                "Give it with --key-file FILE, on the keys medium (--secrets DIR, docs/secrets.md), or run recover on a terminal to type it.");
        }

        var headers = steps.SelectMany(s => s.Commands).SelectMany(c => c.Argv).SelectMany(a => HeaderFileToken().Matches(a).Select(m => m.Value))
            .Distinct().Where(t => !options.KeyFiles.ContainsKey(t)).ToList();
        if (headers.Count > 0)
        {
            throw new MkcdrecException(ExitCode.Refused,
                $"The plan restores the LUKS header of {string.Join(", ", headers.Select(t => t.Trim('{', '}')["luksheader:".Length..]))} from the backup, and the backup gave none; nothing was changed.",
                "Recover with --backup from the encrypted backup the plan was made for (it holds the headers), or make the plan again without it.");
        }
    }

    /// <summary>The argument with every {keyfile:…} and {luksheader:…} token replaced by its file (tokens without one stay as they are).</summary>
    private static string FillKeyFiles(string argument, IReadOnlyDictionary<string, string> keyFiles) =>
        FileToken().Replace(argument, m => keyFiles.TryGetValue(m.Value, out var p) ? p : m.Value);
}
