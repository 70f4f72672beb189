using System.Diagnostics;

namespace Mkcdrec.Core.Drill;

/// <summary>The recovery step of the drill with its power cuts (drill --power-cut, <see cref="PowerCut"/>).</summary>
public sealed partial class DrillWorkflow
{
    private void Recover(Context c)
    {
        for (var i = 0; i < c.Options.PowerCuts.Count; i++)
        {
            RecoverUntilPowerCut(c, c.Options.PowerCuts[i], i + 1);
        }

        RecoverToTheEnd(c);
    }

    /// <summary>Boots the rescue system and kills its machine <see cref="PowerCut.After"/> into the phase; the recovery must not end before.</summary>
    private void RecoverUntilPowerCut(Context c, PowerCut cut, int n)
    {
        var sw = Stopwatch.StartNew();
        using var vm = StartRescue(c, $"rescue-console-cut{n}.log");
        bool Ends(string l) => DrillProtocol.Parse(l) is ({ } e, _) && e is DrillProtocol.Recovered or DrillProtocol.RecoveryFailed;
        var at = vm.WaitForLine(l => DrillProtocol.Parse(l) is (DrillProtocol.PhaseStarted, { } p) && p == cut.Phase || Ends(l), 0, c.Options.RecoveryTimeout);
        if (at < 0 || Ends(vm.Lines[at]))
        {
            throw new DrillFailure($"Power cut {n} ({cut}): the recovery {(at < 0 ? "never reached" : "ended before")} the phase {cut.Phase}.\n" + Tail(vm));
        }

        var entered = sw.Elapsed;
        if (cut.After > TimeSpan.Zero && vm.WaitForLine(Ends, at + 1, cut.After) >= 0)
        {
            throw new DrillFailure($"Power cut {n} ({cut}): the recovery ended {(sw.Elapsed - entered).TotalSeconds:0.0} s into {cut.Phase}, before the cut; give fewer seconds.\n" + Tail(vm));
        }

        vm.Kill();
        var last = vm.Lines.LastOrDefault(l => l.Trim().Length > 0)?.Trim() ?? "";
        c.Report.PowerCuts.Add($"{cut}: the machine was killed {sw.Elapsed.TotalSeconds:0.0} s after it started; the console's last line: {last}");
        _progress($"power cut {n}: killed the rescue machine {(sw.Elapsed - entered).TotalSeconds:0.0} s into {cut.Phase}; booting the medium again");
    }
}
