using System.Globalization;
using System.Text;

namespace Mkcdrec.Core.Report;

/// <summary>HTML escaping for every value the page takes from the system (labels, mount points, host names, messages):
/// &lt; &gt; &amp; " and ' become entities, so a label such as &lt;script&gt; is text on the page, never markup.</summary>
public static class Html
{
    public static string E(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return "";
        }

        var sb = new StringBuilder(value.Length + 16);
        foreach (var c in value)
        {
            _ = c switch
            {
                '<' => sb.Append("&lt;"),
                '>' => sb.Append("&gt;"),
                '&' => sb.Append("&amp;"),
                '"' => sb.Append("&quot;"),
                '\'' => sb.Append("&#39;"),
                _ => sb.Append(c),
            };
        }

        return sb.ToString();
    }

    /// <summary>A number for an SVG attribute: invariant culture, at most one decimal.</summary>
    public static string N(double value) => value.ToString("0.#", CultureInfo.InvariantCulture);

    /// <summary>"2026-12-06 12:00 UTC".</summary>
    public static string Date(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);

    /// <summary>A table: header cells and rows of already escaped cells.</summary>
    public static void Table(StringBuilder sb, IReadOnlyList<string> header, IEnumerable<IReadOnlyList<string>> rows)
    {
        sb.Append("<table><thead><tr>");
        foreach (var h in header)
        {
            sb.Append("<th>").Append(E(h)).Append("</th>");
        }

        sb.Append("</tr></thead><tbody>\n");
        foreach (var r in rows)
        {
            sb.Append("<tr>");
            foreach (var cell in r)
            {
                sb.Append("<td>").Append(cell).Append("</td>");
            }

            sb.Append("</tr>\n");
        }

        sb.Append("</tbody></table>\n");
    }
}
