using Mkcdrec.Core.Platform;

namespace Mkcdrec.Core.Scheduled;

/// <summary>
/// What the systemd timers run (docs/packaging.md): the configured mkbackup, and the daily layout check that makes a new
/// backup and medium when the layout changed in a way that matters. Each step is this same program run as a child, so it
/// reads the same configuration file and writes its own log; the scheduled run keeps the child's output for its log and
/// the mail, and prints one summary line (the journal's).
/// </summary>
/// <param name="self">This program as a command line (the binary, or dotnet and its assembly in tests).</param>
/// <param name="globalArguments">Global options passed on to each child (--config FILE).</param>
/// <param name="savedLayout">The layout the last medium was made from (the one mkbackup saves and layout check reads).</param>
public sealed class ScheduledRuns(IProcessRunner run, ILog log, IReadOnlyList<string> self, IReadOnlyList<string> globalArguments, string savedLayout)
{
    // A weekly backup still running after six days will be overtaken by the next one anyway.
    private static readonly TimeSpan BackupTimeout = TimeSpan.FromDays(6);

    public ScheduledOutcome Backup()
    {
        var r = Child(BackupTimeout, "mkbackup");
        return r.ExitCode == 0
            ? new("backup", 0, $"backup: ok in {Duration(r.Elapsed)}: {LastLine(r)}", Lines(r))
            : new("backup", r.ExitCode, $"backup: FAILED (exit {r.ExitCode}) after {Duration(r.Elapsed)}: {ErrorOf(r)}", Lines(r));
    }

    public ScheduledOutcome LayoutCheck()
    {
        if (!File.Exists(savedLayout))
        {
            // No medium was ever made from this machine (mkbackup saves the layout it captured): make the first one.
            return Remake($"no saved layout at {savedLayout} (no backup made yet)", []);
        }

        var check = Child(TimeSpan.FromHours(1), "layout", "check", savedLayout);
        var output = Lines(check);
        if (check.ExitCode == 0)
        {
            return new("layout-check", 0, "layout-check: ok, " + (LastLine(check) is { Length: > 0 } l ? char.ToLowerInvariant(l[0]) + l[1..] : "no change"), output);
        }

        if (check.ExitCode != 1)
        {
            return new("layout-check", check.ExitCode, $"layout-check: FAILED (exit {check.ExitCode}): {ErrorOf(check)}", output);
        }

        var matters = output.Where(line => line.StartsWith("! ", StringComparison.Ordinal)).Select(line => line[2..].Trim()).ToList();
        var what = matters.Count switch
        {
            0 => "the layout changed",
            1 => "the layout changed: " + matters[0],
            _ => $"the layout changed in {matters.Count} ways that matter: {matters[0]}; …",
        };
        return Remake(what, output);
    }

    private ScheduledOutcome Remake(string why, IReadOnlyList<string> checkOutput)
    {
        log.Info($"scheduled layout check: {why}; making a new backup and rescue medium (mkbackup)");
        var r = Child(BackupTimeout, "mkbackup");
        IReadOnlyList<string> output = [.. checkOutput, .. Lines(r)];
        return r.ExitCode == 0
            ? new("layout-check", 0, $"layout-check: {why}; new backup and rescue medium made in {Duration(r.Elapsed)}: {LastLine(r)}", output)
            : new("layout-check", r.ExitCode, $"layout-check: {why}; making the new medium FAILED (exit {r.ExitCode}) after {Duration(r.Elapsed)}: {ErrorOf(r)}", output);
    }

    private ProcessResult Child(TimeSpan timeout, params string[] verb)
    {
        var request = new ProcessRequest(self[0], [.. self.Skip(1), .. globalArguments, .. verb]) { Timeout = timeout };
        log.Info("scheduled: running " + request.CommandLine);
        ProcessResult r;
        try
        {
            r = run.Run(request);
        }
        catch (MkcdrecException e)
        {
            // A child that cannot start or outlives its time is a failed step like any other: summary, mail, exit code.
            r = new ProcessResult((int)e.Code, "", e.Message, TimeSpan.Zero);
        }

        foreach (var line in Lines(r))
        {
            log.Info("  | " + line);
        }

        log.Info($"scheduled: exit {r.ExitCode} after {Duration(r.Elapsed)}");
        return r;
    }

    private static List<string> Lines(ProcessResult r) =>
        [.. (r.StandardOutput + "\n" + r.StandardError).Split('\n').Select(l => l.TrimEnd()).Where(l => l.Length > 0)];

    private static string LastLine(ProcessResult r) =>
        r.StandardOutput.Split('\n').Select(l => l.Trim()).LastOrDefault(l => l.Length > 0) ?? "";

    /// <summary>The error the child printed (mkcdrec's "error:" line and what to do), else its last line of output.</summary>
    private static string ErrorOf(ProcessResult r)
    {
        var err = r.StandardError.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0).ToList();
        var at = err.FindLastIndex(l => l.StartsWith("mkcdrec: error:", StringComparison.Ordinal));
        if (at >= 0)
        {
            return string.Join(' ', err.Skip(at).Take(2)).Replace("mkcdrec: error: ", "", StringComparison.Ordinal);
        }

        return err.LastOrDefault() ?? (LastLine(r) is { Length: > 0 } l ? l : "no output");
    }

    public static string Duration(TimeSpan t) =>
        t.TotalHours >= 1 ? $"{(int)t.TotalHours} h {t.Minutes} min" : t.TotalMinutes >= 1 ? $"{(int)t.TotalMinutes} min {t.Seconds} s" : $"{t.TotalSeconds:0} s";
}
