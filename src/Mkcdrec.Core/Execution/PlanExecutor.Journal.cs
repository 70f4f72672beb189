using Mkcdrec.Model.Plan;

namespace Mkcdrec.Core.Execution;

public sealed partial class PlanExecutor
{
    /// <summary>
    /// The journal to resume from: the saved one when it is for this plan and these disks, else a new one
    /// (a journal of another plan is discarded; one of other disks refuses, as resuming would skip steps never run here).
    /// </summary>
    private RecoverJournal OpenJournal(RecoveryPlan plan, ExecutorOptions options)
    {
        var hash = RecoverJournal.HashOf(plan);
        var journal = RecoverJournal.Load(options.JournalPath);
        if (journal is not null && journal.PlanHash != hash)
        {
            Say(options, $"The journal {options.JournalPath} belongs to another plan ({journal.CompletedSteps.Count} step(s) done there); it is discarded and this plan runs from the start.");
            journal = null;
        }

        if (journal is not null && journal.CompletedSteps.Count > 0 && options.CurrentDisks is { } now && journal.DifferentDisks(now) is { } why)
        {
            throw new MkcdrecException(ExitCode.Refused,
                $"The journal {options.JournalPath} records {journal.CompletedSteps.Count} completed step(s) on other disks than those attached now: {why}. Resuming there would skip steps that never ran on these disks; nothing was changed.",
                $"Attach the disks it was started on, or start over on these: delete the journal (rm {options.JournalPath}) and run the command again.");
        }

        journal ??= new RecoverJournal { PlanHash = hash, Disks = RecoverJournal.DisksOf(plan) };
        journal.Disks ??= RecoverJournal.DisksOf(plan);
        journal.RequestKey = options.RequestKey;
        journal.Plan = plan;
        return journal;
    }

    /// <summary>Whether this run runs the step: not done yet, of a phase asked for, and not a mount under --no-mount.</summary>
    private static bool RunsNow(PlanStep step, HashSet<string> done, ExecutorOptions options) =>
        options.Phases.Contains(step.Phase) && !done.Contains(step.Id) && !(options.NoMount && step.Kind == StepKinds.Mount);

    /// <summary>The hint of a failure, followed by how to resume.</summary>
    private static string Resume(RecoverJournal journal, ExecutorOptions options, string first) =>
        $"{first} Then run the same command again: the journal {options.JournalPath} keeps the {journal.CompletedSteps.Count} completed step(s) and it resumes after them.";
}
