using Mkcdrec.Core.Registry;
using Mkcdrec.Core.Storage;
using Mkcdrec.Model.Layout;

namespace Mkcdrec.Core.Layout;

public sealed record LayoutChange(string Key, string? Old, string? New, bool Matters)
{
    public override string ToString() =>
        (Matters ? "! " : "  ") + (Old is null ? $"+ {Key}: {New}" : New is null ? $"- {Key}: {Old}" : $"~ {Key}: {Old} → {New}");
}

/// <summary>
/// Compares two layouts as flat sets of facts. A change "matters" when a recovery from the older rescue medium
/// would recreate something different from the machine as it is now (like ReaR's checklayout). Each technology lists
/// the facts of its part (<see cref="IStorageTechnology.AddLayoutFacts"/>); the host and the unsupported devices are here.
/// </summary>
public static class LayoutComparer
{
    public static List<LayoutChange> Compare(LayoutDocument saved, LayoutDocument live)
    {
        var savedFacts = Facts(saved);
        var liveFacts = Facts(live);
        var changes = new List<LayoutChange>();
        foreach (var key in savedFacts.Keys.Union(liveFacts.Keys).Order(StringComparer.Ordinal))
        {
            savedFacts.TryGetValue(key, out var before);
            liveFacts.TryGetValue(key, out var now);
            if (before?.Value != now?.Value)
            {
                changes.Add(new LayoutChange(key, before?.Value, now?.Value, (before?.Matters ?? false) || (now?.Matters ?? false)));
            }
        }

        return changes;
    }

    // The technologies add their facts in registry order: a key added twice keeps the later value.
    private static Dictionary<string, LayoutFact> Facts(LayoutDocument layout)
    {
        var facts = new LayoutFacts();
        foreach (var technology in Technologies.Storage)
        {
            technology.AddLayoutFacts(facts, layout);
        }

        // What the machine boots with, shared by the boot technologies; the host's name and kernel come back with the files.
        facts.Add("boot firmware", layout.Boot.Firmware);
        facts.Add("boot loader", layout.Boot.Bootloader);
        facts.Add("host kernel", layout.Host.KernelRelease, matters: false);
        facts.Add("host name", layout.Host.Hostname, matters: false);
        foreach (var u in layout.Unsupported)
        {
            facts.Add($"unsupported {u.Device}", u.Kind);
        }

        return facts.ByKey;
    }
}
