using System.Text.RegularExpressions;

namespace Mkcdrec.Cli.Tests;

/// <summary>
/// The size rules of docs/architecture.md, read from the sources: no production file over 500 lines, no method over 80
/// (signature to closing brace). Known exceptions are listed with their size and may only shrink.
/// </summary>
public partial class SizeRulesTests
{
    private const int MaxFileLines = 500;
    private const int MaxMethodLines = 80;

    /// <summary>Methods still over the limit, with the most lines they may have ("path:method" → lines).</summary>
    private static readonly Dictionary<string, int> KnownLongMethods = new(StringComparer.Ordinal)
    {
    };

    private static readonly string Src = Path.Combine(RepoRoot(), "src");

    [GeneratedRegex(@"^(?<indent> {4}| {8})(?:(?:public|private|internal|protected|static|override|async|unsafe|sealed|virtual|partial|extern|new|readonly)\s+)*[\w<>\[\],.?() ]+?\s+(?<name>[\w]+)(?:<[^>]*>)?\s*\(")]
    private static partial Regex MemberStart();

    [GeneratedRegex(@"\b(class|record|struct|interface|enum)\b")]
    private static partial Regex TypeKeyword();

    [Fact]
    public void No_production_file_is_over_500_lines()
    {
        var tooLong = SourceFiles().Select(f => (File: Relative(f), Lines: File.ReadAllLines(f).Length))
            .Where(x => x.Lines > MaxFileLines).Select(x => $"{x.File}: {x.Lines} lines").ToList();
        Assert.True(tooLong.Count == 0, "files over " + MaxFileLines + " lines:\n" + string.Join("\n", tooLong));
    }

    [Fact]
    public void No_method_is_over_80_lines()
    {
        var tooLong = new List<string>();
        foreach (var file in SourceFiles())
        {
            foreach (var (name, lines) in Methods(File.ReadAllLines(file)))
            {
                var key = Relative(file) + ":" + name;
                var limit = KnownLongMethods.GetValueOrDefault(key, MaxMethodLines);
                if (lines > limit)
                {
                    tooLong.Add($"{key}: {lines} lines (at most {limit})");
                }
            }
        }

        Assert.True(tooLong.Count == 0, "methods over their limit:\n" + string.Join("\n", tooLong));
    }

    /// <summary>The reader finds methods at all (a reader that finds none would pass every file).</summary>
    [Fact]
    public void The_reader_measures_methods()
    {
        string[] code =
        [
            "    public static int Twice(int x)",
            "    {",
            "        return 2 * x;",
            "    }",
            "    private sealed class Nested(int y)",
            "    {",
            "    }",
        ];
        Assert.Equal([("Twice", 4)], Methods(code));
        Assert.Contains(Methods(File.ReadAllLines(Path.Combine(Src, "Mkcdrec.Core", "Planning", "Planner.cs"))), m => m.Name == "Plan");
    }

    /// <summary>Members whose signature line opens a block on the next lines at the same indentation (types are not methods).</summary>
    private static List<(string Name, int Lines)> Methods(string[] lines)
    {
        var found = new List<(string, int)>();
        for (var i = 0; i < lines.Length; i++)
        {
            var m = MemberStart().Match(lines[i]);
            if (!m.Success || TypeKeyword().IsMatch(lines[i]) || lines[i].TrimEnd().EndsWith(';') || lines[i].Contains("=>", StringComparison.Ordinal))
            {
                continue;
            }

            var indent = m.Groups["indent"].Value;
            var open = Array.FindIndex(lines, i, Math.Min(8, lines.Length - i), l => l == indent + "{");
            if (open < 0)
            {
                continue;
            }

            var close = Array.FindIndex(lines, open + 1, l => l == indent + "}");
            if (close < 0)
            {
                continue;
            }

            found.Add((m.Groups["name"].Value, close - i + 1));
            i = close;
        }

        return found;
    }

    private static IEnumerable<string> SourceFiles() =>
        Directory.EnumerateFiles(Src, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains("/obj/", StringComparison.Ordinal) && !f.Contains("/bin/", StringComparison.Ordinal));

    private static string Relative(string path) => Path.GetRelativePath(Src, path);

    internal static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "mkcdrec.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("the repository root (mkcdrec.slnx) is not above " + AppContext.BaseDirectory);
    }
}
