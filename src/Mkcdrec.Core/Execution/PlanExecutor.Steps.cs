using Mkcdrec.Core.Platform;
using Mkcdrec.Model.Layout;
using Mkcdrec.Model.Plan;

namespace Mkcdrec.Core.Execution;

public sealed partial class PlanExecutor
{
    /// <summary>Writes the step's partition table (if any), then runs its commands, waiting for the new partition nodes before the first command that names one.</summary>
    private void RunStep(PlanStep step, IReadOnlyDictionary<string, string> keyFiles, ExecutorOptions options, RecoverJournal journal)
    {
        var waitFor = new HashSet<string>(StringComparer.Ordinal);
        if (step.PartitionTable is { } spec)
        {
            WriteTable(step, spec);
            waitFor.UnionWith(spec.Partitions.Where(p => p.Kind != PartitionKinds.Extended && p.Path.Length > 0).Select(p => p.Path));
        }

        foreach (var cmd in step.Commands)
        {
            if (cmd.Argv.Count == 0)
            {
                continue;
            }

            if (waitFor.Count > 0 && cmd.Argv.Any(waitFor.Contains))
            {
                WaitForPartitions(step, step.PartitionTable!, [.. waitFor], options);
                waitFor.Clear();
            }

            RunCommand(step, cmd, keyFiles, options, journal);
        }

        if (waitFor.Count > 0)
        {
            WaitForPartitions(step, step.PartitionTable!, [.. waitFor], options);
        }
    }

    /// <summary>Runs one command of a step, logging it and its output; a non-zero exit fails the step with the command's error.</summary>
    private void RunCommand(PlanStep step, PlanCommand cmd, IReadOnlyDictionary<string, string> keyFiles, ExecutorOptions options, RecoverJournal journal)
    {
        var argv = cmd.Argv.Select(a => FillKeyFiles(a, keyFiles)).ToList();
        var request = new ProcessRequest(argv[0], argv.Skip(1).ToList()) { StandardInput = cmd.StandardInput };
        _log.Info($"  run: {request.CommandLine}" + (cmd.StandardInput is null ? "" : $" <<< {cmd.StandardInput}"));
        ProcessResult result;
        try
        {
            result = _runner.Run(request);
        }
        catch (MkcdrecException e)
        {
            throw new MkcdrecException(e.Code, $"Step {step.Id} ({step.Description}) failed: {request.CommandLine}: {e.Message}", Resume(journal, options, e.Hint), e);
        }

        _log.Info($"  exit {result.ExitCode} after {result.Elapsed.TotalSeconds:0.00} s");
        LogOutput("stdout", result.StandardOutput);
        LogOutput("stderr", result.StandardError);
        result = RetryBusyReread(argv, request, result);
        result = ToleratedSettle(argv, request, result);
        if (result.ExitCode != 0)
        {
            throw CommandFailed(step, request, result, journal, options);
        }
    }

    /// <summary>
    /// BLKRRPART fails with EBUSY while udev still has the disk open for the change event our own table write caused:
    /// let udev finish and ask again; if it stays busy, partx updates the partitions one by one (the partition nodes and
    /// their extents are checked right after, so nothing is assumed). Any other result is returned as it is.
    /// </summary>
    private ProcessResult RetryBusyReread(List<string> argv, ProcessRequest request, ProcessResult result)
    {
        for (var attempt = 0; result.ExitCode != 0 && IsBusyReread(argv, result) && attempt < 5; attempt++)
        {
            _runner.Run(new ProcessRequest("udevadm", ["settle"]));
            Thread.Sleep(200 * (attempt + 1));
            result = _runner.Run(request);
            _log.Info($"  retry {attempt + 1}: exit {result.ExitCode}");
        }

        if (result.ExitCode != 0 && IsBusyReread(argv, result))
        {
            // A partition of the disk in use: partx updates the others; whether each node then has the new table's
            // extent is checked before anything names it (RequireKernelExtents), which names the one it could not move.
            var partx = _runner.Run(new ProcessRequest("partx", ["-u", argv[^1]]));
            _log.Info($"  still busy; partx -u {argv[^1]}: exit {partx.ExitCode}{(partx.StandardError.Length > 0 ? ": " + partx.StandardError.Trim() : "")}");
            result = partx with { ExitCode = 0 };
        }

        return result;
    }

    /// <summary>
    /// `udevadm settle` only waits for udev; when udev does not answer (a drill saw its daemon break the connection,
    /// "Failed to wait for daemon to reply: Broken pipe", and fail the whole recovery), it is asked once more, then the
    /// step goes on with a warning: the partition nodes, and what each later command needs, are checked on their own.
    /// </summary>
    private ProcessResult ToleratedSettle(List<string> argv, ProcessRequest request, ProcessResult result)
    {
        if (result.ExitCode == 0 || argv.Count < 2 || Path.GetFileName(argv[0]) != "udevadm" || argv[1] != "settle")
        {
            return result;
        }

        Thread.Sleep(SettleRetryPause);
        var again = _runner.Run(request);
        _log.Info($"  retry: exit {again.ExitCode}");
        if (again.ExitCode != 0)
        {
            var why = (again.StandardError + again.StandardOutput).Trim().Split('\n')[0];
            _log.Info($"  warning: udev did not settle ({why}); going on, the devices the next commands need are checked by them");
        }

        return again with { ExitCode = 0 };
    }

    private static readonly TimeSpan SettleRetryPause = TimeSpan.FromSeconds(1);

    private static bool IsBusyReread(List<string> argv, ProcessResult r) =>
        argv.Count >= 3 && Path.GetFileName(argv[0]) == "blockdev" && argv.Contains("--rereadpt")
        && (r.StandardError + r.StandardOutput).Contains("busy", StringComparison.OrdinalIgnoreCase);

    /// <summary>The error of a failed command: the step, the exit code, the command line and what it printed on stderr (else stdout).</summary>
    private static MkcdrecException CommandFailed(PlanStep step, ProcessRequest request, ProcessResult result, RecoverJournal journal, ExecutorOptions options)
    {
        var err = result.StandardError.Trim();
        if (err.Length == 0)
        {
            err = result.StandardOutput.Trim();
        }

        return new MkcdrecException(ExitCode.CommandFailed,
            $"Step {step.Id} ({step.Description}) failed: command exited {result.ExitCode}: {request.CommandLine}" + (err.Length > 0 ? "\n" + err : ""),
            Resume(journal, options, "Read the error above (the full output is in the log) and fix the cause."));
    }

    private void LogOutput(string what, string text)
    {
        var t = text.TrimEnd();
        if (t.Length > 0)
        {
            _log.Info($"  {what}: " + t.Replace("\n", $"\n  {what}: "));
        }
    }
}
