using System.Text.RegularExpressions;

namespace Mkcdrec.DrillTests;

/// <summary>Reads `mkcdrec verify --compare` output run inside a guest: its difference lines, and whether one is an mtime only.</summary>
internal static partial class CompareOutput
{
    public static List<(string Kind, string Path, string Detail)> Differences(string output) =>
        Difference().Matches(output).Select(m => (m.Groups[1].Value, m.Groups[2].Value, m.Groups[3].Value)).ToList();

    /// <summary>A "changed" line whose only difference is the modification time.</summary>
    public static bool IsMtimeOnly((string Kind, string Path, string Detail) d) => d.Kind == "changed" && MtimeOnly().IsMatch(d.Detail);

    [GeneratedRegex(@"^(changed|missing|new) +(.*?)(?: \(([^()]*)\))?\r?$", RegexOptions.Multiline)]
    private static partial Regex Difference();

    [GeneratedRegex(@"^mtime [0-9.]+→[0-9.]+$")]
    private static partial Regex MtimeOnly();
}
