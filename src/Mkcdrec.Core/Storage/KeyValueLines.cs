namespace Mkcdrec.Core.Storage;

/// <summary>KEY=value lines, as blkid -o export, mdadm --detail --export and os-release write them.</summary>
public static class KeyValueLines
{
    /// <summary>Parses KEY=value lines; quotes around a value and blkid's backslash escapes are removed.</summary>
    public static Dictionary<string, string> Parse(string text)
    {
        var d = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            var eq = line.IndexOf('=');
            if (eq <= 0)
            {
                continue;
            }

            var v = line[(eq + 1)..];
            if (v.Length >= 2 && (v[0] == '"' || v[0] == '\'') && v[^1] == v[0])
            {
                v = v[1..^1];
            }

            d[line[..eq]] = UnescapeBlkid(v);
        }

        return d;
    }

    // blkid -o export escapes unsafe characters with a backslash.
    private static string UnescapeBlkid(string v) => v.Contains('\\') ? System.Text.RegularExpressions.Regex.Replace(v, @"\\(.)", "$1") : v;
}
