using Mkcdrec.Core.Storage;
using Mkcdrec.Model.Layout;

namespace Mkcdrec.Core.Storage.Btrfs;

public sealed partial class BtrfsTechnology
{
    /// <summary>The subvolumes under the filesystem's line, with the default and the read-only ones marked.</summary>
    public void DrawTreeDetails(LayoutTreeWriter tree, Filesystem filesystem, string indent)
    {
        if (filesystem.Btrfs is not { Subvolumes.Count: > 0 } b)
        {
            return;
        }

        foreach (var sv in b.Subvolumes)
        {
            tree.Line($"{indent}    subvolume {sv.Path} (id {sv.Id}){(sv.Id == b.DefaultSubvolumeId ? " default" : "")}{(sv.ReadOnly ? " read-only" : "")}");
        }
    }

    /// <summary>The profiles, the default subvolume and each subvolume (a recovery recreates them all).</summary>
    public void AddLayoutFacts(LayoutFacts facts, LayoutDocument layout)
    {
        foreach (var fs in layout.Filesystems)
        {
            if (fs.Btrfs is not { } b)
            {
                continue;
            }

            facts.Add($"{fs.Id} btrfs profiles", $"{b.DataProfile}/{b.MetadataProfile}");
            facts.Add($"{fs.Id} btrfs default subvolume", b.DefaultSubvolumeId);
            foreach (var sv in b.Subvolumes)
            {
                facts.Add($"{fs.Id} subvolume {sv.Path}", sv.ReadOnly ? "read-only" : "read-write");
            }
        }
    }
}
