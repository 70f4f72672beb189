using System.Text;
using Mkcdrec.Core.Planning;

namespace Mkcdrec.Core.Report;

/// <summary>
/// `mkcdrec report`: one self-contained HTML page for the disaster-recovery binder (inline CSS and SVG, no script, no
/// external resource): the storage stack, the recovery plan onto the same disks, the backups, the last drill and the
/// steps to recover. A print stylesheet keeps it readable on paper: no dark backgrounds, a section per page, the
/// diagram at the page's width. docs/report.md describes it.
/// </summary>
public static class ReportPage
{
    public const string DefaultPath = "/var/lib/mkcdrec/report.html";

    private const string Style = """
        body { font-family: sans-serif; font-size: 14px; color: #111; background: #fff; margin: 1.5em auto; max-width: 1240px; padding: 0 1em; }
        h1 { font-size: 24px; margin-bottom: 0.2em; } h2 { border-bottom: 2px solid #333; padding-bottom: 0.2em; margin-top: 1.6em; }
        h3 { font-size: 15px; margin: 1em 0 0.3em; }
        code, pre { font-family: monospace; font-size: 12.5px; }
        pre { background: #f4f4f4; border: 1px solid #ccc; padding: 0.6em; white-space: pre-wrap; overflow-wrap: anywhere; }
        table { border-collapse: collapse; margin: 0.5em 0; } th, td { border: 1px solid #bbb; padding: 3px 8px; text-align: left; vertical-align: top; }
        th { background: #eee; }
        .meta { color: #444; } .pass { color: #176b1e; } .fail { color: #a4161a; } .warn { color: #8a5300; }
        .legend span { margin-right: 1em; white-space: nowrap; } .legend i, .swatch { display: inline-block; width: 14px; height: 14px; border: 1px solid #333; margin-right: 4px; vertical-align: middle; }
        .timeline { display: flex; height: 22px; border: 1px solid #333; margin: 0.3em 0; max-width: 900px; }
        .timeline span { display: block; height: 100%; }
        .steps li { margin-bottom: 0.6em; }
        svg.stack { max-width: 100%; height: auto; display: block; }
        @media print {
          body { max-width: none; margin: 0; padding: 0; font-size: 11pt; background: #fff; color: #000; }
          section { break-before: page; page-break-before: always; } section:first-of-type { break-before: auto; page-break-before: auto; }
          pre { background: #fff; border: 1px solid #999; } th { background: #fff; }
          svg.stack { width: 100%; } .timeline span, .legend i, .swatch, svg.stack rect { print-color-adjust: exact; -webkit-print-color-adjust: exact; }
          table, .steps li { break-inside: avoid; }
        }
        """;

    public static string Render(ReportData data)
    {
        var layout = data.Layout;
        var host = layout.Host.Hostname.Length > 0 ? layout.Host.Hostname : "(unnamed host)";
        var sb = new StringBuilder();
        sb.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
        sb.Append("<title>mkcdrec recovery binder: ").Append(Html.E(host)).Append("</title>\n<style>\n").Append(Style).Append("</style>\n</head>\n<body>\n");
        sb.Append("<h1>Disaster recovery: ").Append(Html.E(host)).Append("</h1>\n");
        var system = string.Join(' ', new[] { layout.Host.OsPrettyName, layout.Host.Architecture }.Where(s => !string.IsNullOrEmpty(s)));
        sb.Append("<p class=\"meta\">").Append(system.Length > 0 ? Html.E(system) + " · " : "")
            .Append("layout captured ").Append(Html.E(Html.Date(layout.CapturedAt))).Append(" from ").Append(Html.E(data.LayoutSource))
            .Append(" · page made ").Append(Html.E(Html.Date(data.GeneratedAt))).Append(" by mkcdrec ").Append(Html.E(data.MkcdrecVersion)).Append("</p>\n");

        var nodes = StackGraph.Build(layout);
        Section(sb, "stack", "1. Storage stack", StackDiagram.Legend(nodes) + StackDiagram.Render(nodes) + Notes(data));
        Section(sb, "plan", "2. Recovery plan onto the same disks",
            "<p>What <code>mkcdrec recover --plan</code> shows in the rescue system when the disks are the ones captured (nothing here was run):</p>\n" +
            (data.Plan is { } plan ? "<pre>" + Html.E(PlanRenderer.Render(plan)) + "</pre>\n"
                : $"<p class=\"fail\"><b>The planner refuses this layout:</b> {Html.E(data.PlanRefusal)}</p>\n"));
        Section(sb, "backups", "3. Backups", BackupsTable.Render(data));
        Section(sb, "drill", "4. Last drill", DrillTimeline.Render(data.Drill, data.DrillPath));
        Section(sb, "steps", "5. How to recover this machine", RecoverySteps.Render(data));
        return sb.Append("</body>\n</html>\n").ToString();
    }

    private static void Section(StringBuilder sb, string id, string title, string body) =>
        sb.Append($"<section id=\"{id}\">\n<h2>{Html.E(title)}</h2>\n").Append(body).Append("</section>\n");

    /// <summary>What the capture could not handle and its warnings: a recovery will not recreate those.</summary>
    private static string Notes(ReportData data)
    {
        var sb = new StringBuilder();
        foreach (var u in data.Layout.Unsupported)
        {
            sb.Append("<p class=\"warn\">Not supported: ").Append(Html.E(u.Device)).Append(": ").Append(Html.E(u.Reason)).Append("</p>\n");
        }

        foreach (var w in data.Layout.Warnings)
        {
            sb.Append("<p class=\"warn\">Warning: ").Append(Html.E(w)).Append("</p>\n");
        }

        return sb.ToString();
    }
}
