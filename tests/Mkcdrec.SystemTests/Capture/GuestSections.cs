using System.Text;

namespace Mkcdrec.SystemTests.Capture;

/// <summary>
/// Runs a script in the guest whose output is a series of "=====NAME=====" sections (mkcdrec's layout JSON, the
/// peers' reports) and splits it, so a test can compare mkcdrec's capture with what the real tools say.
/// </summary>
internal static class GuestSections
{
    public static string Section(string name, string command) => $"echo '====={name}====='\n{command}\n";

    public static Dictionary<string, string> Split(string output)
    {
        var d = new Dictionary<string, string>(StringComparer.Ordinal);
        string? current = null;
        var sb = new StringBuilder();
        foreach (var line in output.Split('\n'))
        {
            if (line.StartsWith("=====", StringComparison.Ordinal) && line.EndsWith("=====", StringComparison.Ordinal) && line.Length > 10)
            {
                if (current is not null)
                {
                    d[current] = sb.ToString();
                }

                current = line[5..^5];
                sb.Clear();
            }
            else if (current is not null)
            {
                sb.Append(line).Append('\n');
            }
        }

        if (current is not null)
        {
            d[current] = sb.ToString();
        }

        return d;
    }

    /// <summary>blkid -p -o export output for several devices, each after a "# /dev/x" line.</summary>
    public static Dictionary<string, Dictionary<string, string>> ParseBlkid(string text)
    {
        var probes = new Dictionary<string, Dictionary<string, string>>(StringComparer.Ordinal);
        Dictionary<string, string>? current = null;
        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith("# ", StringComparison.Ordinal))
            {
                current = probes[line[2..].Trim()] = new Dictionary<string, string>(StringComparer.Ordinal);
            }
            else if (current is not null && line.Contains('=', StringComparison.Ordinal))
            {
                current[line[..line.IndexOf('=', StringComparison.Ordinal)]] = line[(line.IndexOf('=', StringComparison.Ordinal) + 1)..];
            }
        }

        return probes;
    }

    public const string BlkidAll = "for d in \"$@\"; do echo \"# $d\"; blkid -p -o export \"$d\" || true; done";
}
