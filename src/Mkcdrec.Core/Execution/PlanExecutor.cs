using System.Diagnostics;
using Mkcdrec.Core.Platform;
using Mkcdrec.Model.Plan;

namespace Mkcdrec.Core.Execution;

/// <summary>
/// Runs a plan's steps in order through the process runner (and our own partition-table writer), logging every
/// command line, its output and its timing; asks before destroying anything; stops at the first failure naming the
/// step, the command and its error; keeps a journal so a rerun of the same plan resumes after the last completed step.
/// </summary>
/// <remarks>Parts by job in PlanExecutor.*.cs: Journal, Preflight, Identifiers, KeyFiles, Steps, PartitionTables.</remarks>
public sealed partial class PlanExecutor
{
    private readonly IProcessRunner _runner;
    private readonly IBlockDevices _blocks;
    private readonly ILog _log;

    public PlanExecutor(IProcessRunner runner, IBlockDevices blocks, ILog log)
    {
        _runner = runner;
        _blocks = blocks;
        _log = log;
    }

    /// <summary>How many steps a run ran and skipped.</summary>
    private readonly record struct StepCounts(int Ran, int SkippedDone, int SkippedPhase);

    public ExecutionResult Execute(RecoveryPlan plan, ExecutorOptions options)
    {
        var watch = Stopwatch.StartNew();
        RefuseIdentifierConflicts(plan);
        var journal = OpenJournal(plan, options);
        var done = new HashSet<string>(journal.CompletedSteps, StringComparer.Ordinal);
        var toRun = plan.Steps.Where(s => RunsNow(s, done, options)).ToList();
        if (done.Count > 0)
        {
            Say(options, $"Resuming: the journal {options.JournalPath} says {done.Count} step(s) of this plan completed; they are skipped.");
        }

        RequireTools(toRun);
        RequireKeyFiles(toRun, options);
        ConfirmDestruction(plan, toRun, options);
        var counts = RunSteps(plan, done, options.KeyFiles, options, journal);

        Say(options, $"Done: {counts.Ran} step(s) run, {counts.SkippedDone} already done, {counts.SkippedPhase} not run now, in {watch.Elapsed.TotalSeconds:0.0} s.");
        return new ExecutionResult(counts.Ran, counts.SkippedDone, counts.SkippedPhase, watch.Elapsed);
    }

    /// <summary>Walks the plan in order: skips (and says why) what is done or not for now, runs the rest, recording each in the journal.</summary>
    private StepCounts RunSteps(RecoveryPlan plan, HashSet<string> done, IReadOnlyDictionary<string, string> keyFiles, ExecutorOptions options, RecoverJournal journal)
    {
        int ran = 0, skippedDone = 0, skippedPhase = 0;
        var stepCount = plan.Steps.Count;
        for (var i = 0; i < stepCount; i++)
        {
            var step = plan.Steps[i];
            var tag = $"[{i + 1}/{stepCount}] {step.Id}";
            if (done.Contains(step.Id))
            {
                skippedDone++;
                Say(options, $"{tag}: already done (journal), skipped");
                continue;
            }

            if (!options.Phases.Contains(step.Phase))
            {
                skippedPhase++;
                _log.Info($"{tag}: phase {step.Phase}, not run now");
                continue;
            }

            if (options.NoMount && step.Kind == StepKinds.Mount)
            {
                skippedPhase++;
                Say(options, $"{tag}: not mounted (--no-mount)");
                continue;
            }

            RunAndRecord(step, tag, keyFiles, options, journal);
            ran++;
        }

        return new StepCounts(ran, skippedDone, skippedPhase);
    }

    /// <summary>Runs one step and records it as completed in the journal, saved at once so a crash resumes after it.</summary>
    private void RunAndRecord(PlanStep step, string tag, IReadOnlyDictionary<string, string> keyFiles, ExecutorOptions options, RecoverJournal journal)
    {
        var stepWatch = Stopwatch.StartNew();
        Say(options, $"{tag}: {step.Description}");
        RunStep(step, keyFiles, options, journal);
        journal.CompletedSteps.Add(step.Id);
        journal.Save(options.JournalPath);
        _log.Info($"{tag}: done in {stepWatch.Elapsed.TotalSeconds:0.0} s");
    }

    private void Say(ExecutorOptions options, string line)
    {
        _log.Info(line);
        options.Report?.Invoke(line);
    }
}
