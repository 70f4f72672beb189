using Mkcdrec.Model.Layout;

namespace Mkcdrec.Core.Storage.Bcache;

public sealed partial class BcacheTechnology
{
    /// <summary>
    /// A bcache device's line (cache mode, cache set, size) under its backing device, then what it holds; a cache device's
    /// line names its cache set and the bcache devices it caches (their content is drawn under their backing devices).
    /// </summary>
    public bool DrawTreeNode(LayoutTreeWriter tree, LayoutTreeNode node)
    {
        var layout = tree.Document;
        if (node.Id.StartsWith("bcache-cset:", StringComparison.Ordinal))
        {
            var uuid = node.Id["bcache-cset:".Length..];
            var cached = layout.Bcache.Where(b => b.Cache?.Uuid == uuid).ToList();
            var bucket = cached.Select(b => b.Cache!.BucketSizeBytes).FirstOrDefault(x => x is not null);
            tree.Line($"{node.Indent}→ bcache cache set {uuid}{(bucket is { } k ? $", {LayoutTreeWriter.Size(k)} buckets" : "")}, caching {(cached.Count == 0 ? "nothing" : string.Join(", ", cached.Select(b => b.Path)))}");
            return true;
        }

        if (!node.Id.StartsWith("bcache:", StringComparison.Ordinal) || layout.Bcache.FirstOrDefault(b => b.Id == node.Id) is not { } d)
        {
            return false;
        }

        var cache = d.Cache is null ? "no cache" : "cache set " + d.Cache.Uuid;
        tree.Line($"{node.Indent}→ {d.Path} bcache {d.CacheMode}, {cache}{(d.Label is null ? "" : $", label {d.Label}")} {LayoutTreeWriter.Size(d.SizeBytes)}{(node.SeenBefore ? " (see above)" : "")}");
        if (!node.SeenBefore && d.UsedBy is not null)
        {
            tree.Children(d.UsedBy, node.Indent + "  ");
        }

        return true;
    }

    /// <summary>What recreation keeps; the backing device's UUID cannot be kept, so its change does not matter for a recovery.</summary>
    public void AddLayoutFacts(LayoutFacts facts, LayoutDocument layout)
    {
        foreach (var b in layout.Bcache)
        {
            facts.Add($"{b.Id} cache mode", b.CacheMode);
            facts.Add($"{b.Id} cache set", b.Cache?.Uuid);
            facts.Add($"{b.Id} cache devices", b.Cache is null ? null : string.Join(' ', b.Cache.DeviceIds));
            facts.Add($"{b.Id} block size", b.BlockSizeBytes);
            facts.Add($"{b.Id} bucket size", b.Cache?.BucketSizeBytes);
            facts.Add($"{b.Id} cache policy", b.Cache is null ? null : $"{b.Cache.Replacement ?? "?"}{(b.Cache.Discard == true ? " discard" : "")}");
            facts.Add($"{b.Id} data offset", b.DataOffsetSectors);
            facts.Add($"{b.Id} label", b.Label);
            facts.Add($"{b.Id} holds", b.UsedBy);
            facts.Add($"{b.Id} uuid", b.BackingUuid, matters: false);
            facts.Add($"{b.Id} size", b.SizeBytes, matters: false);
        }
    }
}
