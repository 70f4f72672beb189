using Mkcdrec.Core.Storage;
using Mkcdrec.Model.Layout;

namespace Mkcdrec.Core.Storage.Filesystems;

public sealed partial class FilesystemsTechnology
{
    /// <summary>
    /// Every filesystem's line (whatever its family): type, UUID, label, where it is mounted and how full it is; the
    /// family of its type draws what lies under it.
    /// </summary>
    public bool DrawTreeNode(LayoutTreeWriter tree, LayoutTreeNode node)
    {
        var doc = tree.Document;
        if (!node.Id.StartsWith("fs:", StringComparison.Ordinal) || doc.Filesystems.FirstOrDefault(f => f.Id == node.Id) is not { } fs)
        {
            return false;
        }

        var mounts = doc.Mounts.Where(m => m.FilesystemId == fs.Id).ToList();
        var where = fs.Type == FilesystemTypes.Swap ? (fs.Swap?.Active == true ? " active swap" : " swap (inactive)")
            : mounts.Count == 0 ? " not mounted"
            : " on " + string.Join(", ", mounts.Select(m => m.Target + (m.Subvolume is { } sv && sv != "/" ? $" [{sv}]" : "")));
        var used = fs.UsedBytes is { } u && fs.Type != FilesystemTypes.Swap ? $" ({LayoutTreeWriter.Size(u)} used of {LayoutTreeWriter.Size(fs.SizeBytes)})" : "";
        tree.Line($"{node.Indent}→ {fs.Type} {fs.Uuid}{(fs.Label is null ? "" : $" \"{fs.Label}\"")}{where}{used}{(node.SeenBefore ? " (see above)" : "")}");
        if (!node.SeenBefore)
        {
            tree.FilesystemFamily(fs.Type)?.DrawTreeDetails(tree, fs, node.Indent);
        }

        return true;
    }

    /// <summary>Every filesystem's identity and size, and the parameters of the ext and XFS types (btrfs adds its own).</summary>
    public void AddLayoutFacts(LayoutFacts facts, LayoutDocument layout)
    {
        foreach (var fs in layout.Filesystems)
        {
            facts.Add($"{fs.Id} label", fs.Label);
            facts.Add($"{fs.Id} on", string.Join(' ', fs.DeviceIds));
            facts.Add($"{fs.Id} size", fs.SizeBytes);
            facts.Add($"{fs.Id} used", fs.UsedBytes, matters: false);
            if (fs.Ext is { } e)
            {
                facts.Add($"{fs.Id} ext block size", e.BlockSize);
                facts.Add($"{fs.Id} ext inode size", e.InodeSize);
                facts.Add($"{fs.Id} ext features", string.Join(' ', e.Features.Order(StringComparer.Ordinal)));
            }

            if (fs.Xfs is { } x)
            {
                facts.Add($"{fs.Id} xfs geometry", $"bsize={x.BlockSize} isize={x.InodeSize} crc={x.Crc} reflink={x.Reflink}");
            }
        }
    }
}
