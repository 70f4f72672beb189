using Mkcdrec.Core.Storage;
using Mkcdrec.Model.Layout;

namespace Mkcdrec.Core.Storage.Md;

public sealed partial class MdTechnology
{
    /// <summary>An array's line: level, members in use of raid devices, spares, size; an array drawn before is not walked again.</summary>
    public bool DrawTreeNode(LayoutTreeWriter tree, LayoutTreeNode node)
    {
        if (!node.Id.StartsWith("md:", StringComparison.Ordinal) || tree.Document.MdArrays.FirstOrDefault(m => m.Id == node.Id) is not { } md)
        {
            return false;
        }

        var spares = md.Members.Count(m => m.Spare);
        tree.Line($"{node.Indent}→ {md.Path} {md.Level} ({md.Members.Count - spares}/{md.RaidDevices}{(spares > 0 ? $" +{spares} spare" : "")}) {LayoutTreeWriter.Size(md.SizeBytes)}{(node.SeenBefore ? " (see above)" : "")}");
        if (!node.SeenBefore && md.UsedBy is not null)
        {
            tree.Children(md.UsedBy, node.Indent + "  ");
        }

        return true;
    }

    /// <summary>The geometry and members matter; the size follows from them.</summary>
    public void AddLayoutFacts(LayoutFacts facts, LayoutDocument layout)
    {
        foreach (var m in layout.MdArrays)
        {
            facts.Add($"{m.Id} level", m.Level);
            facts.Add($"{m.Id} metadata", m.Metadata);
            facts.Add($"{m.Id} raid devices", m.RaidDevices);
            facts.Add($"{m.Id} chunk", m.ChunkBytes);
            facts.Add($"{m.Id} layout", m.Layout);
            facts.Add($"{m.Id} name", m.Name);
            facts.Add($"{m.Id} members", string.Join(' ', m.Members.Select(x => $"{x.DeviceId}{(x.Spare ? "(spare)" : "")}")));
            facts.Add($"{m.Id} holds", m.UsedBy);
            facts.Add($"{m.Id} size", m.SizeBytes, matters: false);
        }
    }
}
