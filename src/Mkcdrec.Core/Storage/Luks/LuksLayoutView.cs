using Mkcdrec.Core.Storage;
using Mkcdrec.Model.Layout;

namespace Mkcdrec.Core.Storage.Luks;

public sealed partial class LuksTechnology
{
    /// <summary>A LUKS device's line: version, UUID, cipher and key size, and where it is open.</summary>
    public bool DrawTreeNode(LayoutTreeWriter tree, LayoutTreeNode node)
    {
        if (!node.Id.StartsWith("luks:", StringComparison.Ordinal) || tree.Document.Luks.FirstOrDefault(l => l.Id == node.Id) is not { } l)
        {
            return false;
        }

        tree.Line($"{node.Indent}→ LUKS{l.Version} {l.Uuid} {l.Cipher} {l.KeySizeBits}-bit{(l.MappedName is null ? " (closed)" : " as " + l.MappedPath)}");
        if (l.UsedBy is not null)
        {
            tree.Children(l.UsedBy, node.Indent + "  ");
        }

        return true;
    }

    public void AddLayoutFacts(LayoutFacts facts, LayoutDocument layout)
    {
        foreach (var l in layout.Luks)
        {
            facts.Add($"{l.Id} on", l.DeviceId);
            facts.Add($"{l.Id} version", l.Version);
            facts.Add($"{l.Id} cipher", $"{l.Cipher} {l.KeySizeBits}");
            facts.Add($"{l.Id} label", l.Label);
            facts.Add($"{l.Id} mapped as", l.MappedName);
            facts.Add($"{l.Id} holds", l.UsedBy);
        }
    }
}
