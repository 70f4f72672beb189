using Mkcdrec.Core.Drill;
using Mkcdrec.Core.Platform;

namespace Mkcdrec.Core.Tests.Drill;

/// <summary>drill --power-cut: the rescue machine is killed in the named phase, the medium boots again on the same disks.</summary>
public sealed partial class DrillWorkflowTests
{
    private static string[] RescueCutIn(string phase) =>
    [
        "[    1.2] Linux version 6.1.0",
        DrillProtocol.Line(DrillProtocol.RecoveryStarted),
        DrillProtocol.Line(DrillProtocol.PhaseStarted, "verify backup"),
        DrillProtocol.Line(DrillProtocol.PhaseStarted, "layout"),
        .. phase == "layout" ? [] : new[] { DrillProtocol.Line(DrillProtocol.PhaseStarted, phase), "recover: restoring /" },
    ];

    [Fact]
    public void Each_power_cut_kills_one_rescue_machine_in_its_phase_and_the_last_boot_recovers_on_the_same_disks()
    {
        var (iso, run) = Medium(LayoutJson());
        var vms = new ScriptedVms(RescueCutIn("layout"), RescueCutIn("restore"), GoodRescue, Boot(Summary("/", 4000), Summary("/home", 2000)));
        var options = Options(iso) with { PowerCuts = [PowerCut.Parse("layout"), PowerCut.Parse("restore")] };

        var report = new DrillWorkflow(run, vms, NullLog.Instance).Run(options);

        Assert.True(report.Passed, string.Join("\n", report.Failures));
        Assert.Equal(2, vms.Kills);
        Assert.Equal(4, vms.Specs.Count);
        Assert.Equal(["rescue-console-cut1.log", "rescue-console-cut2.log", "rescue-console.log"], vms.Specs.Take(3).Select(s => Path.GetFileName(s.SerialLog)));
        Assert.All(vms.Specs.Take(3), s => Assert.Equal(vms.Specs[0].Disks.Select(d => d.Path), s.Disks.Select(d => d.Path)));
        Assert.Equal(2, report.PowerCuts.Count);
        Assert.StartsWith("layout+0 s: ", report.PowerCuts[0], StringComparison.Ordinal);
        Assert.Contains("the console's last line: " + DrillProtocol.Line(DrillProtocol.PhaseStarted, "layout"), report.PowerCuts[0], StringComparison.Ordinal);
        Assert.Contains("last line: recover: restoring /", report.PowerCuts[1], StringComparison.Ordinal);
        Assert.Contains("\"powerCuts\"", report.ToJson(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_power_cut_whose_phase_the_recovery_never_reaches_fails_the_drill()
    {
        var (iso, run) = Medium(LayoutJson());
        var vms = new ScriptedVms(GoodRescue);
        var report = new DrillWorkflow(run, vms, NullLog.Instance).Run(Options(iso) with { PowerCuts = [PowerCut.Parse("finalize+2")] });

        Assert.False(report.Passed);
        Assert.Contains("Power cut 1 (finalize+2 s): the recovery ended before the phase finalize", Assert.Single(report.Failures), StringComparison.Ordinal);
        Assert.Equal(0, vms.Kills);
    }

    [Fact]
    public void A_recovery_that_ends_within_the_seconds_after_the_phase_started_fails_the_drill_instead_of_cutting_nothing()
    {
        var (iso, run) = Medium(LayoutJson());
        string[] quick = [.. RescueCutIn("finalize"), DrillProtocol.Line(DrillProtocol.Recovered)];
        var vms = new ScriptedVms(quick);
        var report = new DrillWorkflow(run, vms, NullLog.Instance).Run(Options(iso) with { PowerCuts = [PowerCut.Parse("finalize+30")] });

        Assert.False(report.Passed);
        Assert.Contains("before the cut; give fewer seconds", Assert.Single(report.Failures), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("restore+5", "restore", 5.0)]
    [InlineData("verify", "verify backup", 0.0)]
    [InlineData("layout+0.5", "layout", 0.5)]
    public void Power_cut_options_name_a_phase_and_seconds(string text, string phase, double seconds) =>
        Assert.Equal(new PowerCut(phase, TimeSpan.FromSeconds(seconds)), PowerCut.Parse(text));

    [Theory]
    [InlineData("partitioning", "is not a phase of the recovery")]
    [InlineData("restore+x", "is not a number of seconds")]
    [InlineData("restore+-1", "is not a number of seconds")]
    public void Bad_power_cut_options_say_what_to_give(string text, string message)
    {
        var e = Assert.Throws<MkcdrecException>(() => PowerCut.Parse(text));
        Assert.Equal(ExitCode.Usage, e.Code);
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }
}
