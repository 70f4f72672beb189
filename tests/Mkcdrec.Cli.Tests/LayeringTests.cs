using System.Reflection;

namespace Mkcdrec.Cli.Tests;

/// <summary>
/// Enforces the layering of DESIGN.md: Formats and Model depend on nothing of ours; Core only on them. Inside Core:
/// no namespace cycles (a folder that uses another is never used by it, directly or through a third), and a storage,
/// boot or network technology builds only on the shared Core, Storage and Platform namespaces.
/// </summary>
public class LayeringTests
{
    private const string Core = "Mkcdrec.Core";

    private static readonly string Dir = AppContext.BaseDirectory;

    private static readonly NamespaceGraph Graph = NamespaceGraph.Of(Path.Combine(Dir, Core + ".dll"));

    private static string[] OurReferences(string assembly)
    {
        var asm = Assembly.LoadFrom(Path.Combine(Dir, assembly + ".dll"));
        return asm.GetReferencedAssemblies().Select(a => a.Name!).Where(n => n.StartsWith("Mkcdrec.", StringComparison.Ordinal) || n == "mkcdrec").Order().ToArray();
    }

    [Fact]
    public void Formats_depends_on_nothing_of_ours() => Assert.Empty(OurReferences("Mkcdrec.Formats"));

    [Fact]
    public void Model_depends_on_nothing_of_ours() => Assert.Empty(OurReferences("Mkcdrec.Model"));

    [Fact]
    public void Core_depends_only_on_Formats_and_Model()
    {
        var refs = OurReferences("Mkcdrec.Core");
        Assert.All(refs, r => Assert.Contains(r, new[] { "Mkcdrec.Formats", "Mkcdrec.Model" }));
    }

    [Fact]
    public void Platform_does_not_depend_on_Cli() => Assert.DoesNotContain("mkcdrec", OurReferences("Mkcdrec.Platform.Linux"));

    [Theory]
    [InlineData("Mkcdrec.Formats")]
    [InlineData("Mkcdrec.Model")]
    [InlineData("Mkcdrec.Core")]
    public void Only_Platform_starts_processes(string assembly)
    {
        // Everything that touches the machine goes through the Platform interfaces (one logged process runner).
        var asm = Assembly.LoadFrom(Path.Combine(Dir, assembly + ".dll"));
        Assert.DoesNotContain("System.Diagnostics.Process", TypeReferences(asm.ManifestModule));
    }

    [Fact]
    public void Core_has_no_namespace_cycles()
    {
        var cycles = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var ns in Graph.Edges.Keys.Where(IsCore).Order(StringComparer.Ordinal))
        {
            if (Graph.CycleThrough(ns) is { } path && seen.Add(string.Join(",", path.Skip(1).Order(StringComparer.Ordinal))))
            {
                cycles.Add(string.Join(" -> ", path));
            }
        }

        Assert.True(cycles.Count == 0, "namespace cycles in Mkcdrec.Core:\n" + string.Join("\n", cycles));
    }

    /// <summary>The IL reading finds uses at all (an empty graph would have no cycles).</summary>
    [Fact]
    public void The_graph_sees_known_uses() =>
        Assert.Contains("Mkcdrec.Core.Archive", Graph.Edges["Mkcdrec.Core.Recovery"]);

    [Fact]
    public void Technologies_depend_only_on_the_shared_core()
    {
        string[] allowed = [Core, Core + ".Storage", Core + ".Platform"];
        var wrong = Graph.Edges.Where(e => IsTechnology(e.Key))
            .SelectMany(e => e.Value.Where(IsCore).Where(to => !allowed.Contains(to)).Select(to => $"{e.Key} -> {to}"))
            .Order(StringComparer.Ordinal).ToList();
        Assert.True(wrong.Count == 0, "technology namespaces using more than Core, Core.Storage and Core.Platform:\n" + string.Join("\n", wrong));
    }

    private static bool IsCore(string ns) => ns == Core || ns.StartsWith(Core + ".", StringComparison.Ordinal);

    private static bool IsTechnology(string ns) =>
        ns.StartsWith(Core + ".Storage.", StringComparison.Ordinal) || ns.StartsWith(Core + ".Boot.", StringComparison.Ordinal) || ns == Core + ".Network";

    private static List<string> TypeReferences(Module m)
    {
        var names = new List<string>();
        for (var token = 0x01000001; token < 0x01010000; token++)
        {
            try
            {
                names.Add(m.ResolveType(token).FullName ?? "");
            }
            catch (ArgumentOutOfRangeException)
            {
                break;
            }
            catch (ArgumentException)
            {
                break;
            }
            catch (TypeLoadException)
            {
            }
        }

        Assert.NotEmpty(names);
        return names;
    }
}
