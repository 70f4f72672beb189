using System.Text.RegularExpressions;
using Mkcdrec.Model.Plan;

namespace Mkcdrec.Core.Execution;

public sealed partial class PlanExecutor
{
    [GeneratedRegex(@"\{keyfile:[^}]+\}")]
    private static partial Regex KeyFileToken();

    /// <summary>The {keyfile:…} tokens of these steps, each once, in plan order.</summary>
    public static List<string> KeyFileTokens(IEnumerable<PlanStep> steps) =>
        [.. steps.SelectMany(s => s.Commands).SelectMany(c => c.Argv).SelectMany(a => KeyFileToken().Matches(a).Select(m => m.Value)).Distinct()];

    /// <summary>
    /// The {keyfile:…} tokens of the layout steps a run of <paramref name="plan"/> would still run (the journal's completed
    /// steps are skipped): the keys to find before it starts.
    /// </summary>
    public static List<string> PendingKeyFileTokens(RecoveryPlan plan, string journalPath)
    {
        var journal = RecoverJournal.Load(journalPath);
        var done = journal is not null && journal.PlanHash == RecoverJournal.HashOf(plan) ? journal.CompletedSteps.ToHashSet(StringComparer.Ordinal) : [];
        return KeyFileTokens(plan.Steps.Where(s => s.Phase == StepPhases.Layout && !done.Contains(s.Id)));
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
    }

    /// <summary>The argument with every {keyfile:…} token replaced by its file (tokens without one stay as they are).</summary>
    private static string FillKeyFiles(string argument, IReadOnlyDictionary<string, string> keyFiles) =>
        KeyFileToken().Replace(argument, m => keyFiles.TryGetValue(m.Value, out var p) ? p : m.Value);
}
