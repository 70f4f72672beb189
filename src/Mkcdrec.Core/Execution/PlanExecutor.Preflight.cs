using System.Globalization;
using System.Text;
using Mkcdrec.Core.Registry;
using Mkcdrec.Model.Plan;

namespace Mkcdrec.Core.Execution;

public sealed partial class PlanExecutor
{
    /// <summary>The Debian package of a program a step runs, as the technologies declare it; else the program's own name.</summary>
    private static string PackageOf(string program) =>
        Technologies.Storage.SelectMany(t => t.StepPrograms).FirstOrDefault(p => p.Name == program || p.Links.Contains(program))?.Package ?? program;

    /// <summary>Refuses before anything is touched when a program the steps need is not installed.</summary>
    private void RequireTools(List<PlanStep> steps)
    {
        var missing = steps.SelectMany(s => s.Commands).Select(c => c.Argv[0]).Distinct(StringComparer.Ordinal)
            .Where(p => !_runner.CanRun(p)).Order(StringComparer.Ordinal).ToList();
        if (missing.Count > 0)
        {
            var pkgs = string.Join(' ', missing.Select(PackageOf).Distinct(StringComparer.Ordinal));
            throw new MkcdrecException(ExitCode.Environment,
                $"The plan needs {string.Join(", ", missing)}, which {(missing.Count == 1 ? "is" : "are")} not in PATH; nothing was changed.",
                $"Install them (Debian/Ubuntu: apt-get install {pkgs}) or use a rescue medium that has them, then run the command again.");
        }
    }

    /// <summary>The human-readable list of what will be destroyed, for the confirmation.</summary>
    public static string DestructionSummary(RecoveryPlan plan, IReadOnlyList<PlanStep> steps)
    {
        var sb = new StringBuilder();
        var disks = steps.Where(s => s.Destructive && s.Kind == StepKinds.Wipe).SelectMany(s => s.Devices).Distinct().ToList();
        foreach (var d in disks)
        {
            var t = plan.TargetDisks.FirstOrDefault(x => x.Path == d);
            var m = plan.Mappings.FirstOrDefault(x => x.TargetPath == d);
            sb.Append(CultureInfo.InvariantCulture, $"  {d}")
              .Append(t is null ? "" : $" ({t.SizeBytes / (1024.0 * 1024 * 1024):0.##} GiB{(t.Serial is null ? "" : ", serial " + t.Serial)})")
              .Append(m is null ? "" : $" <- recreates {m.SourcePath}")
              .Append('\n');
        }

        var other = steps.Where(s => s.Destructive && s.Kind != StepKinds.Wipe).SelectMany(s => s.Devices).Distinct().Where(d => !disks.Contains(d)).ToList();
        if (other.Count > 0)
        {
            sb.Append("  and also overwritten: ").Append(string.Join(", ", other)).Append('\n');
        }

        return sb.ToString();
    }

    /// <summary>Logs what will be destroyed and goes on only with --yes or the human's confirmation.</summary>
    private void ConfirmDestruction(RecoveryPlan plan, List<PlanStep> toRun, ExecutorOptions options)
    {
        if (!toRun.Any(s => s.Destructive))
        {
            return;
        }

        var summary = "ALL DATA on these disks will be destroyed:\n" + DestructionSummary(plan, toRun);
        _log.Info(summary.TrimEnd());
        if (options.Yes)
        {
            return;
        }

        if (options.Confirm is null)
        {
            throw new MkcdrecException(ExitCode.Refused,
                "Recovery would destroy data and there is no terminal to confirm it on; nothing was changed.\n" + summary.TrimEnd(),
                "Run it on a terminal, or add --yes if these are the right disks.");
        }

        if (!options.Confirm(summary))
        {
            throw new MkcdrecException(ExitCode.Refused, "Not confirmed; nothing was changed.", "Run it again and type YES to go on, or check the plan with --plan.");
        }
    }
}
