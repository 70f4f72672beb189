using System.Text;

namespace Mkcdrec.Core.Report;

/// <summary>
/// The storage stack as one inline SVG: a row per layer (disks on top, mount points at the bottom), a box per device
/// with its name, size and identifiers, lines from each device to the ones it sits on. Each layer has its own fill
/// colour (<see cref="Fill"/>, also the legend's), so a printout and a screenshot show which layer a box is.
/// The SVG scales to the page width (viewBox, width 100%).
/// </summary>
public static class StackDiagram
{
    public const int BoxWidth = 300;
    public const int Gap = 24;
    public const int LabelWidth = 104;
    private const int LineHeight = 14;
    private const int BoxHeight = 84;
    private const int RowHeight = BoxHeight + 44;
    private const int MaxChars = 45;

    /// <summary>Each layer's fill colour (#rrggbb), distinct from one another and from the page's other colours.</summary>
    public static string Fill(StackLayer layer) => layer switch
    {
        StackLayer.Disk => "#9ec5fe",
        StackLayer.Partition => "#a3e4d7",
        StackLayer.Raid => "#f9c98b",
        StackLayer.Other => "#d9c27a",
        StackLayer.Luks => "#f5a3b5",
        StackLayer.LvmPv => "#cdb4f5",
        StackLayer.LvmVg => "#a98ee0",
        StackLayer.LvmLv => "#e3d6fa",
        StackLayer.Filesystem => "#b7e4a8",
        _ => "#fff08a",
    };

    public static string Title(StackLayer layer) => layer switch
    {
        StackLayer.Disk => "Disks",
        StackLayer.Partition => "Partitions",
        StackLayer.Raid => "RAID (md)",
        StackLayer.Other => "Other",
        StackLayer.Luks => "LUKS",
        StackLayer.LvmPv => "LVM PV",
        StackLayer.LvmVg => "LVM VG",
        StackLayer.LvmLv => "LVM LV",
        StackLayer.Filesystem => "Filesystems",
        _ => "Mount points",
    };

    public static string Render(IReadOnlyList<StackNode> nodes)
    {
        if (nodes.Count == 0)
        {
            return "<p>The layout holds no disk.</p>\n";
        }

        var rows = Rows(nodes);
        var widest = rows.Max(r => r.Count);
        var width = LabelWidth + (widest * (BoxWidth + Gap));
        var height = (rows.Count * RowHeight) - (RowHeight - BoxHeight) + 8;
        var at = new Dictionary<string, (double X, double Y)>(StringComparer.Ordinal);
        for (var r = 0; r < rows.Count; r++)
        {
            var offset = LabelWidth + ((widest - rows[r].Count) * (BoxWidth + Gap) / 2.0);
            for (var i = 0; i < rows[r].Count; i++)
            {
                at[rows[r][i].Id] = (offset + (i * (BoxWidth + Gap)), 4 + (r * RowHeight));
            }
        }

        var sb = new StringBuilder();
        sb.Append($"<svg class=\"stack\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {width} {height}\" width=\"100%\" role=\"img\" aria-label=\"storage stack\">\n");
        foreach (var n in nodes)
        {
            foreach (var p in n.Parents.Where(at.ContainsKey))
            {
                var (px, py) = at[p];
                var (cx, cy) = at[n.Id];
                var (x1, y1, x2, y2) = (px + (BoxWidth / 2.0), py + BoxHeight, cx + (BoxWidth / 2.0), cy);
                var mid = (y1 + y2) / 2;
                sb.Append($"<path class=\"edge\" d=\"M{Html.N(x1)} {Html.N(y1)} C{Html.N(x1)} {Html.N(mid)} {Html.N(x2)} {Html.N(mid)} {Html.N(x2)} {Html.N(y2)}\" fill=\"none\" stroke=\"#555\" stroke-width=\"1.5\"/>\n");
            }
        }

        for (var r = 0; r < rows.Count; r++)
        {
            var layer = rows[r][0].Layer;
            sb.Append($"<text x=\"4\" y=\"{4 + (r * RowHeight) + (BoxHeight / 2) + 4}\" font-family=\"sans-serif\" font-size=\"13\" font-weight=\"bold\" fill=\"#222\">{Html.E(Title(layer))}</text>\n");
            foreach (var n in rows[r])
            {
                Box(sb, n, at[n.Id]);
            }
        }

        sb.Append("</svg>\n");
        return sb.ToString();
    }

    /// <summary>The legend: each layer's colour and name, for the layers drawn.</summary>
    public static string Legend(IReadOnlyList<StackNode> nodes)
    {
        var sb = new StringBuilder("<p class=\"legend\">");
        foreach (var layer in nodes.Select(n => n.Layer).Distinct().Order())
        {
            sb.Append($"<span><i style=\"background:{Fill(layer)}\"></i>{Html.E(Title(layer))}</span> ");
        }

        return sb.Append("</p>\n").ToString();
    }

    private static void Box(StringBuilder sb, StackNode n, (double X, double Y) at)
    {
        var lines = new List<string> { n.SizeBytes is { } s ? Bytes.Format(s) : "" };
        lines.AddRange(n.Details);
        sb.Append($"<g class=\"node layer-{n.Layer.ToString().ToLowerInvariant()}\"><title>{Html.E(n.Name)}: {Html.E(string.Join("; ", lines.Where(l => l.Length > 0)))}</title>");
        sb.Append($"<rect x=\"{Html.N(at.X)}\" y=\"{Html.N(at.Y)}\" width=\"{BoxWidth}\" height=\"{BoxHeight}\" rx=\"6\" fill=\"{Fill(n.Layer)}\" stroke=\"#333\" stroke-width=\"1\"/>");
        var y = at.Y + 16;
        sb.Append($"<text x=\"{Html.N(at.X + 8)}\" y=\"{Html.N(y)}\" font-family=\"monospace\" font-size=\"12.5\" font-weight=\"bold\" fill=\"#000\">{Html.E(Fit(n.Name))}</text>");
        foreach (var line in lines.Where(l => l.Length > 0).Take(4))
        {
            y += LineHeight;
            sb.Append($"<text x=\"{Html.N(at.X + 8)}\" y=\"{Html.N(y)}\" font-family=\"monospace\" font-size=\"10.5\" fill=\"#111\">{Html.E(Fit(line))}</text>");
        }

        sb.Append("</g>\n");
    }

    /// <summary>A line cut to what the box holds (the whole text stays in the box's title, shown on hover).</summary>
    private static string Fit(string s) => s.Length <= MaxChars ? s : s[..(MaxChars - 1)] + "…";

    /// <summary>The non-empty layers in order, each row's boxes ordered under the mean position of their parents.</summary>
    private static List<List<StackNode>> Rows(IReadOnlyList<StackNode> nodes)
    {
        var position = new Dictionary<string, double>(StringComparer.Ordinal);
        var rows = new List<List<StackNode>>();
        foreach (var group in nodes.GroupBy(n => n.Layer).OrderBy(g => g.Key))
        {
            var ordered = group
                .Select((n, i) => (n, key: n.Parents.Where(position.ContainsKey).Select(p => position[p]).DefaultIfEmpty(i).Average(), i))
                .OrderBy(x => x.key).ThenBy(x => x.i).Select(x => x.n).ToList();
            for (var i = 0; i < ordered.Count; i++)
            {
                position[ordered[i].Id] = i - (ordered.Count / 2.0);
            }

            rows.Add(ordered);
        }

        return rows;
    }
}
