using System.Text;

namespace Mkcdrec.Core.Storage;

/// <summary>The lines two versions of a configuration file differ in, for the console ("  - old" / "  + new").</summary>
public static class LineDiff
{
    public static string ChangedLines(string before, string after)
    {
        var al = before.Split('\n');
        var bl = after.Split('\n');
        var sb = new StringBuilder();
        for (var i = 0; i < Math.Max(al.Length, bl.Length); i++)
        {
            var x = i < al.Length ? al[i] : "";
            var y = i < bl.Length ? bl[i] : "";
            if (x != y)
            {
                sb.Append("  - ").Append(x).Append("\n  + ").Append(y).Append('\n');
            }
        }

        return sb.ToString().TrimEnd('\n');
    }
}
