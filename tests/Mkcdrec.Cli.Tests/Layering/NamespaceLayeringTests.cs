namespace Mkcdrec.Cli.Tests.Layering;

/// <summary>
/// Inside Mkcdrec.Core: no namespace cycles (a folder that uses another is never used by it, directly or through a
/// third), and a storage, boot or network technology builds only on the shared Core, Storage and Platform namespaces.
/// </summary>
public class NamespaceLayeringTests
{
    private const string Core = "Mkcdrec.Core";

    private static readonly NamespaceGraph Graph = NamespaceGraph.Of(Path.Combine(AppContext.BaseDirectory, Core + ".dll"));

    /// <summary>
    /// Uses that close a cycle today and disappear with splits under way elsewhere (Capture/LayoutCapture.cs,
    /// Planning/Planner.cs, Recovery/SystemFinalizer.cs, Rescue/RescueComponents.cs): tolerated until then, no others.
    /// </summary>
    private static readonly HashSet<(string From, string To)> PendingSplits = [];

    private static bool Pending(string from, string to) => PendingSplits.Contains((from, to));

    [Fact]
    public void Core_has_no_namespace_cycles()
    {
        var cycles = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var ns in Graph.Edges.Keys.Where(IsCore).Order(StringComparer.Ordinal))
        {
            if (Graph.CycleThrough(ns, Pending) is { } path && seen.Add(string.Join(",", path.Skip(1).Order(StringComparer.Ordinal))))
            {
                cycles.Add(string.Join(" -> ", path));
            }
        }

        Assert.True(cycles.Count == 0, "namespace cycles in Mkcdrec.Core:\n" + string.Join("\n", cycles));
    }

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
}
