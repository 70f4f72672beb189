using System.Text;
using Mkcdrec.Core.Drill;

namespace Mkcdrec.Core.Report;

/// <summary>The last drill on the page: pass or fail, when, on what, its failures, and its phases as a timeline (a bar
/// whose segments are as long as the phases took, then the table of start and length of each).</summary>
public static class DrillTimeline
{
    public const string NoDrill = "No drill on record.";

    public static string Render(DrillReport? drill, string path)
    {
        var sb = new StringBuilder();
        if (drill is null)
        {
            sb.Append($"<div class=\"warn\"><b>{NoDrill}</b> Nothing has proved yet that this machine's rescue medium recovers it ");
            sb.Append($"(<code>{Html.E(path)}</code> is not there). Run one: <pre>mkcdrec drill</pre>");
            sb.Append("It boots the rescue medium in a virtual machine against blank disk images, recovers, boots the result and compares every file; it never touches a real disk.</div>\n");
            return sb.ToString();
        }

        sb.Append($"<p class=\"{(drill.Passed ? "pass" : "fail")}\"><b>{(drill.Passed ? "PASSED" : "FAILED")}</b>");
        sb.Append(drill.FinishedAt is { } at ? $" on {Html.E(Html.Date(at))}" : "");
        sb.Append($": medium <code>{Html.E(drill.Medium)}</code> ({Html.E(Bytes.Format(drill.MediumBytes))}), firmware {Html.E(drill.Firmware)}, ");
        sb.Append($"disks {Html.E(string.Join(", ", drill.DiskSizes.Select(Bytes.Format)))}");
        if (drill.RecoveredUpSeconds > 0)
        {
            sb.Append($"; recovered system up {Html.E(Html.N(drill.RecoveredUpSeconds))} s after the machine started");
        }

        sb.Append(".</p>\n");
        if (drill.Failures.Count > 0)
        {
            sb.Append("<ul class=\"fail\">");
            drill.Failures.ForEach(f => sb.Append("<li>").Append(Html.E(f)).Append("</li>"));
            sb.Append("</ul>\n");
        }

        foreach (var cut in drill.PowerCuts)
        {
            sb.Append("<p>Power cut: ").Append(Html.E(cut)).Append("</p>\n");
        }

        Timeline(sb, "Drill phases", drill.Phases);
        Timeline(sb, "Inside the recovery", drill.RecoveryPhases);
        return sb.ToString();
    }

    private static readonly string[] Colours = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#9c755f"];

    private static void Timeline(StringBuilder sb, string title, List<DrillPhase> phases)
    {
        if (phases.Count == 0)
        {
            return;
        }

        var total = phases.Sum(p => Math.Max(0, p.Seconds));
        sb.Append($"<h3>{Html.E(title)} ({Html.E(Html.N(total))} s)</h3>\n<div class=\"timeline\">");
        for (var i = 0; i < phases.Count; i++)
        {
            var share = total > 0 ? Math.Max(0, phases[i].Seconds) / total * 100 : 100.0 / phases.Count;
            sb.Append($"<span style=\"width:{Html.N(share)}%;background:{Colours[i % Colours.Length]}\" title=\"{Html.E(phases[i].Name)}\"></span>");
        }

        sb.Append("</div>\n");
        var start = 0.0;
        var rows = new List<IReadOnlyList<string>>();
        for (var i = 0; i < phases.Count; i++)
        {
            rows.Add([$"<i class=\"swatch\" style=\"background:{Colours[i % Colours.Length]}\"></i>{Html.E(phases[i].Name)}",
                Html.N(start) + " s", Html.N(phases[i].Seconds) + " s"]);
            start += Math.Max(0, phases[i].Seconds);
        }

        Html.Table(sb, ["phase", "starts at", "took"], rows);
    }
}
