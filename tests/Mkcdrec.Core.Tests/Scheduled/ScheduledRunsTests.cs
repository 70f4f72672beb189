using Mkcdrec.Core.Platform;
using Mkcdrec.Core.Scheduled;

namespace Mkcdrec.Core.Tests.Scheduled;

/// <summary>The scheduled runs with the children scripted: which commands run, in which order, and the summary line.</summary>
public sealed class ScheduledRunsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mkcdrec-scheduled-").FullName;

    private string Saved => Path.Combine(_dir, "layout.json");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private sealed class Children(params (string Verb, ProcessResult Result)[] script) : IProcessRunner
    {
        public List<ProcessRequest> Ran { get; } = [];

        public ProcessResult Run(ProcessRequest request)
        {
            Ran.Add(request);
            var verb = string.Join(' ', request.Arguments.SkipWhile(a => a != "mkbackup" && a != "layout"));
            return script.FirstOrDefault(s => verb.StartsWith(s.Verb, StringComparison.Ordinal)).Result
                   ?? throw new InvalidOperationException("unexpected command " + request.CommandLine);
        }

        public bool CanRun(string program) => false;
    }

    private static ProcessResult Ok(string stdout, double secs = 1) => new(0, stdout, "", TimeSpan.FromSeconds(secs));

    private ScheduledRuns Runs(Children c) => new(c, NullLog.Instance, ["/usr/sbin/mkcdrec"], ["--config", "/etc/x.conf"], Saved);

    [Fact]
    public void Backup_runs_mkbackup_with_the_configuration_and_sums_it_up_in_one_line()
    {
        var c = new Children(("mkbackup", Ok("  fs:ext4:r: /: 10 entries\nBacked up 1 archive(s), 10 entries, 1.0 MiB → 0.5 MiB in 3.0 s.\nWrote 1 ISO(s), 90 MiB in all, in 20.0 s.\n", 272)));
        var o = Runs(c).Backup();
        Assert.Equal(0, o.ExitCode);
        Assert.Equal("backup: ok in 4 min 32 s: Wrote 1 ISO(s), 90 MiB in all, in 20.0 s.", o.Summary);
        Assert.Equal("/usr/sbin/mkcdrec --config /etc/x.conf mkbackup", Assert.Single(c.Ran).CommandLine);
        Assert.Equal(3, o.Output.Count);
    }

    [Fact]
    public void A_failed_backup_keeps_its_exit_code_and_names_the_error_and_what_to_do()
    {
        var c = new Children(("mkbackup", new ProcessResult(6, "Layout captured.\n",
            "mkcdrec: error: The pre-backup hook failed (exit 1): pg_dumpall: connection refused\n  what to do: Nothing was backed up; fix the hook.\n", TimeSpan.FromSeconds(12))));
        var o = Runs(c).Backup();
        Assert.Equal(6, o.ExitCode);
        Assert.True(o.Failed);
        Assert.Equal("backup: FAILED (exit 6) after 12 s: The pre-backup hook failed (exit 1): pg_dumpall: connection refused what to do: Nothing was backed up; fix the hook.", o.Summary);
        Assert.DoesNotContain('\n', o.Summary);
    }

    [Fact]
    public void An_unchanged_layout_makes_nothing()
    {
        File.WriteAllText(Saved, "{}");
        var c = new Children(("layout check", Ok("The layout has not changed since it was saved.\n")));
        var o = Runs(c).LayoutCheck();
        Assert.Equal(0, o.ExitCode);
        Assert.Equal("layout-check: ok, the layout has not changed since it was saved.", o.Summary);
        Assert.Equal($"/usr/sbin/mkcdrec --config /etc/x.conf layout check {Saved}", Assert.Single(c.Ran).CommandLine);
    }

    [Fact]
    public void A_change_that_matters_makes_a_new_backup_and_medium()
    {
        File.WriteAllText(Saved, "{}");
        var c = new Children(
            (Verb: "layout check", Result: new ProcessResult(1, "! + disk:vdb: 10 GiB\n! + lv:vg0/data: 2 GiB\n  ~ fs:x.mountopts: a → b\nThe layout changed in ways that matter for recovery (marked !): make a new rescue medium.\n", "", TimeSpan.FromSeconds(2))),
            (Verb: "mkbackup", Result: Ok("Wrote 1 ISO(s), 91 MiB in all, in 21.0 s.\n", 300)));
        var o = Runs(c).LayoutCheck();
        Assert.Equal(0, o.ExitCode);
        Assert.Equal("layout-check: the layout changed in 2 ways that matter: + disk:vdb: 10 GiB; …; new backup and rescue medium made in 5 min 0 s: Wrote 1 ISO(s), 91 MiB in all, in 21.0 s.", o.Summary);
        Assert.Equal(["layout", "mkbackup"], c.Ran.Select(r => r.Arguments[2]));
    }

    [Fact]
    public void A_change_that_matters_whose_backup_fails_is_a_failure()
    {
        File.WriteAllText(Saved, "{}");
        var c = new Children(
            ("layout check", new ProcessResult(1, "! ~ fs:root.uuid: a → b\n", "", TimeSpan.FromSeconds(2))),
            ("mkbackup", new ProcessResult(5, "", "mkcdrec: error: Not enough free space in /var/lib/mkcdrec/iso.\n  what to do: Free space.\n", TimeSpan.FromSeconds(40))));
        var o = Runs(c).LayoutCheck();
        Assert.Equal(5, o.ExitCode);
        Assert.StartsWith("layout-check: the layout changed: ~ fs:root.uuid: a → b; making the new medium FAILED (exit 5) after 40 s: Not enough free space", o.Summary);
        Assert.Contains("! ~ fs:root.uuid: a → b", o.Output); // the mail shows what changed too
    }

    [Fact]
    public void A_check_that_cannot_run_is_a_failure_and_makes_nothing()
    {
        File.WriteAllText(Saved, "{}");
        var c = new Children(("layout check", new ProcessResult(3, "", "mkcdrec: error: Capturing the layout needs root.\n  what to do: Run it as root.\n", TimeSpan.Zero)));
        var o = Runs(c).LayoutCheck();
        Assert.Equal(3, o.ExitCode);
        Assert.Equal("layout-check: FAILED (exit 3): Capturing the layout needs root. what to do: Run it as root.", o.Summary);
        Assert.Single(c.Ran);
    }

    [Fact]
    public void Without_a_saved_layout_the_first_medium_is_made()
    {
        var c = new Children(("mkbackup", Ok("Wrote 1 ISO(s), 90 MiB in all, in 20.0 s.\n")));
        var o = Runs(c).LayoutCheck();
        Assert.Equal(0, o.ExitCode);
        Assert.StartsWith($"layout-check: no saved layout at {Saved} (no backup made yet); new backup and rescue medium made", o.Summary);
        Assert.Equal("mkbackup", Assert.Single(c.Ran).Arguments[^1]);
    }

    [Fact]
    public void A_child_that_cannot_start_is_a_failure_with_its_reason()
    {
        var runner = new Throwing();
        var o = new ScheduledRuns(runner, NullLog.Instance, ["/nonexistent/mkcdrec"], [], Saved).Backup();
        Assert.Equal((int)ExitCode.Environment, o.ExitCode);
        Assert.Contains("FAILED (exit 5)", o.Summary);
        Assert.Contains("was not found", o.Summary);
    }

    private sealed class Throwing : IProcessRunner
    {
        public ProcessResult Run(ProcessRequest request) =>
            throw new MkcdrecException(ExitCode.Environment, $"The program '{request.FileName}' is needed but was not found in PATH.", "Install it.");

        public bool CanRun(string program) => false;
    }
}
