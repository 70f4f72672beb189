using System.Text.RegularExpressions;

namespace Mkcdrec.Cli.Tests;

/// <summary>
/// docs/architecture.md's promise, read from the sources: a technology added to mkcdrec lives in its folder, its model
/// file, one list on the layout document and one registry line. bcache, the technology added along the walk-through, is
/// the proof: no other production file names it (not even in a comment), so the centre learned nothing about it.
/// </summary>
public partial class TechnologyConfinementTests
{
    private static readonly string[] BcacheHomes =
    [
        "Mkcdrec.Core/Storage/Bcache/",
        "Mkcdrec.Model/Layout/BcacheLayout.cs",
        "Mkcdrec.Model/Layout/LayoutDocument.cs",
        "Mkcdrec.Core/Registry/Technologies.cs",
    ];

    [GeneratedRegex("bcache", RegexOptions.IgnoreCase)]
    private static partial Regex Bcache();

    [Fact]
    public void Bcache_is_named_only_in_its_folder_its_model_and_the_registry()
    {
        var src = Path.Combine(SizeRulesTests.RepoRoot(), "src");
        var outside = Directory.EnumerateFiles(src, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains("/obj/", StringComparison.Ordinal) && !f.Contains("/bin/", StringComparison.Ordinal))
            .Select(f => Path.GetRelativePath(src, f))
            .Where(f => !BcacheHomes.Any(h => f.StartsWith(h, StringComparison.Ordinal)))
            .SelectMany(f => File.ReadLines(Path.Combine(src, f)).Select((line, i) => (f, i, line)))
            .Where(x => Bcache().IsMatch(x.line))
            .Select(x => $"{x.f}:{x.i + 1}: {x.line.Trim()}").ToList();
        Assert.True(outside.Count == 0, "bcache named outside its folder, model and registry line:\n" + string.Join("\n", outside));
    }

    /// <summary>The folder exists and names itself, so the search above looks at the right tree.</summary>
    [Fact]
    public void The_search_finds_the_folder_itself()
    {
        var folder = Path.Combine(SizeRulesTests.RepoRoot(), "src", "Mkcdrec.Core", "Storage", "Bcache");
        Assert.Contains(Directory.EnumerateFiles(folder, "*.cs"), f => Bcache().IsMatch(File.ReadAllText(f)));
    }
}
