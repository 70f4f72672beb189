using System.Diagnostics;
using System.Text.Json;

namespace Mkcdrec.TestVm;

/// <summary>
/// Runs `mkcdrec drill` (the product's own command) on a rescue medium and reads its JSON report: the verdict, one line
/// with the phase times and sizes, and the failures with the ends of the consoles when it did not pass.
/// </summary>
public static class DrillRunner
{
    /// <param name="keys">The drilled system's secrets (drill --keys DIR, docs/secrets.md); null: none.</param>
    public static DrillRun Run(string iso, string workDir, string logFile, bool keep, IEnumerable<string> extra, string? keys = null)
    {
        var sw = Stopwatch.StartNew();
        // --report-file: the drill's report beside its log, not in the host's /var/lib.
        var r = HostProcess.Run(RepoPaths.MkcdrecBinary,
            ["--json", "--log", logFile, "drill", "--medium", iso, "--work-dir", workDir, "--report-file", logFile + ".report.json", .. (keep ? ["--keep"] : Array.Empty<string>()),
             .. (keys is null ? Array.Empty<string>() : ["--keys", keys]), .. extra],
            TimeSpan.FromMinutes(60));
        if (!r.Stdout.TrimStart().StartsWith('{'))
        {
            throw new TestVmException($"mkcdrec drill printed no report (exit {r.ExitCode}):\n{r.Stdout}\n{HostProcess.Tail(r.Stderr)}");
        }

        var report = JsonDocument.Parse(r.Stdout).RootElement.Clone();
        if (!File.Exists(logFile + ".report.json")) // what mkcdrec report shows as the last drill
        {
            throw new TestVmException($"mkcdrec drill kept no report at --report-file {logFile}.report.json (exit {r.ExitCode})");
        }

        var passed = report.GetProperty("passed").GetBoolean() && r.ExitCode == 0;
        var failures = string.Join('\n', report.GetProperty("failures").EnumerateArray().Select(f => f.GetString()));
        var consoles = string.Join('\n', Directory.Exists(workDir)
            ? Directory.GetFiles(workDir, "*console.log").Select(f => $"--- {f}\n{HostProcess.Tail(File.ReadAllText(f), 3000)}")
            : []);
        return new DrillRun(passed, report, sw.Elapsed, passed ? "" : failures + "\n" + consoles);
    }

    public static string Mib(long bytes) => $"{bytes / 1048576.0:0.0} MiB";
}

/// <summary>One drill: its verdict, its JSON report, the wall time, and (when it failed) what went wrong.</summary>
public sealed record DrillRun(bool Passed, JsonElement Report, TimeSpan Elapsed, string FailureText)
{
    public double RecoveredUpSeconds => Report.GetProperty("recoveredUpSeconds").GetDouble();

    /// <summary>The drill's phases on the host ("rescue system boot", "recovery", "first boot"…), in seconds.</summary>
    public IReadOnlyList<(string Name, double Seconds)> Phases => Read("phases");

    /// <summary>The recovery's phases inside the rescue system (plan, restore, finalize…), in seconds.</summary>
    public IReadOnlyList<(string Name, double Seconds)> RecoveryPhases => Read("recoveryPhases");

    public string Summary
    {
        get
        {
            var phases = string.Join(", ", Phases.Select(p => $"{p.Name} {p.Seconds:0} s"));
            var inside = string.Join(", ", RecoveryPhases.Select(p => $"{p.Name} {p.Seconds:0.0} s"));
            var efi = Report.GetProperty("efiBootEntry").GetString();
            return $"{(Passed ? "PASS" : "FAIL")}; drill {Elapsed.TotalSeconds:0} s: {phases}; QEMU start to recovered system up {RecoveredUpSeconds:0.0} s; "
                + $"inside the recovery: {inside}; ISO {DrillRunner.Mib(Report.GetProperty("mediumBytes").GetInt64())} "
                + $"(rescue kernel {DrillRunner.Mib(Report.GetProperty("kernelBytes").GetInt64())}, initramfs {DrillRunner.Mib(Report.GetProperty("initramfsBytes").GetInt64())})"
                + (string.IsNullOrEmpty(efi) ? "" : $"; firmware booted {efi}");
        }
    }

    private List<(string, double)> Read(string name) =>
        [.. Report.GetProperty(name).EnumerateArray().Select(ph => (ph.GetProperty("name").GetString() ?? "", ph.GetProperty("seconds").GetDouble()))];
}
