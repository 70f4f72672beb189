using Mkcdrec.Core.Storage;
using Mkcdrec.Model.Layout;

namespace Mkcdrec.Core.Storage.Lvm;

public sealed partial class LvmTechnology
{
    /// <summary>A PV's line names its VG; the VG's visible LVs are listed under the first of its PVs the walk reaches.</summary>
    public bool DrawTreeNode(LayoutTreeWriter tree, LayoutTreeNode node)
    {
        var lvm = tree.Document.Lvm;
        if (!node.Id.StartsWith("pv:", StringComparison.Ordinal) || lvm.PhysicalVolumes.FirstOrDefault(p => p.Id == node.Id) is not { } pv)
        {
            return false;
        }

        var indent = node.Indent;
        var vg = lvm.VolumeGroups.FirstOrDefault(v => v.Name == pv.VgName);
        var vgSeen = vg is not null && !tree.FirstVisit(vg.Id);
        tree.Line($"{indent}→ LVM PV of VG {pv.VgName ?? "(none)"}{(vg is null ? "" : $" ({LayoutTreeWriter.Size(vg.SizeBytes)}, {LayoutTreeWriter.Size(vg.FreeBytes)} free)")}{(vgSeen ? " (see above)" : "")}");
        if (vg is null || vgSeen)
        {
            return true;
        }

        foreach (var lv in lvm.LogicalVolumes.Where(x => x.VgName == vg.Name && !x.Hidden))
        {
            var seg = lv.SegmentType + (lv.PoolLv is null ? "" : $" in {lv.PoolLv}") + (lv.Stripes is { } s ? $" {s} stripes" : "");
            tree.Line($"{indent}    lv {lv.Name}  {LayoutTreeWriter.Size(lv.SizeBytes)}  {seg}");
            if (lv.UsedBy is not null)
            {
                tree.Children(lv.UsedBy, indent + "      ");
            }
        }

        return true;
    }

    /// <summary>PVs, VGs and LVs with their geometry; the VG's free space follows from the LVs.</summary>
    public void AddLayoutFacts(LayoutFacts facts, LayoutDocument layout)
    {
        foreach (var pv in layout.Lvm.PhysicalVolumes)
        {
            facts.Add($"{pv.Id} on", pv.DeviceId);
            facts.Add($"{pv.Id} vg", pv.VgName);
        }

        foreach (var vg in layout.Lvm.VolumeGroups)
        {
            facts.Add($"{vg.Id} uuid", vg.Uuid);
            facts.Add($"{vg.Id} extent size", vg.ExtentSizeBytes);
            facts.Add($"{vg.Id} pvs", string.Join(' ', vg.PhysicalVolumeIds.Order(StringComparer.Ordinal)));
            facts.Add($"{vg.Id} free", vg.FreeBytes, matters: false);
        }

        foreach (var lv in layout.Lvm.LogicalVolumes)
        {
            facts.Add($"{lv.Id} size", lv.SizeBytes);
            facts.Add($"{lv.Id} type", lv.SegmentType);
            facts.Add($"{lv.Id} pool", lv.PoolLv);
            facts.Add($"{lv.Id} stripes", lv.Stripes);
            facts.Add($"{lv.Id} holds", lv.UsedBy);
        }
    }
}
