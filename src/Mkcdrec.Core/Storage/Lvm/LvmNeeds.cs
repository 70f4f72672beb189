using Mkcdrec.Model.Layout;

namespace Mkcdrec.Core.Storage.Lvm;

/// <summary>What LVM's devices need at least: a logical volume its content, a group its volumes, a physical volume its share.</summary>
internal static class LvmNeeds
{
    public static VolumeGroup? Group(LayoutDocument layout, string? name) => layout.Lvm.VolumeGroups.FirstOrDefault(v => v.Name == name);

    public static PhysicalVolume? Pv(LayoutDocument layout, string id) => layout.Lvm.PhysicalVolumes.FirstOrDefault(p => p.Id == id);

    public static long PvNeed(StorageGraph graph, PhysicalVolume pv)
    {
        var peStart = pv.PeStartBytes ?? (1L << 20);
        if (Group(graph.Layout, pv.VgName) is not { SizeBytes: > 0 } vg)
        {
            return pv.SizeBytes + peStart;
        }

        var share = (double)pv.SizeBytes / vg.SizeBytes;
        var ext = Math.Max(1, vg.ExtentSizeBytes);
        return peStart + StorageGraph.RoundUp((long)Math.Ceiling(VgNeed(graph, vg) * share), ext) + ext;
    }

    /// <summary>Least bytes the VG's extents must cover: every LV at its least (rounded to extents, times its copies), plus what LVM keeps for itself.</summary>
    public static long VgNeed(StorageGraph graph, VolumeGroup vg)
    {
        var ext = Math.Max(1, vg.ExtentSizeBytes);
        return TopLevelLvs(graph.Layout, vg.Name).Sum(lv => LvFootprint(lv, LvNeed(graph, lv, ext))) + VgOverhead(graph.Layout, vg);
    }

    public static IEnumerable<LogicalVolume> TopLevelLvs(LayoutDocument layout, string vgName) =>
        layout.Lvm.LogicalVolumes.Where(lv => lv.VgName == vgName && !lv.Hidden && !IsThin(lv) && !IsUnrecreatable(lv));

    public static bool IsThin(LogicalVolume lv) => lv.SegmentType == "thin";

    public static bool IsThinPool(LogicalVolume lv) => lv.SegmentType == "thin-pool";

    /// <summary>Snapshots and caches are not recreated (the origin is, with its data).</summary>
    public static bool IsUnrecreatable(LogicalVolume lv) => lv.SegmentType is "snapshot" || (lv.Attributes is { Length: > 0 } a && a[0] is 's' or 'S');

    /// <summary>Images a raid/mirror LV occupies.</summary>
    public static int LvCopies(LogicalVolume lv) => lv.SegmentType switch
    {
        "raid1" or "mirror" => Math.Max(2, lv.Stripes ?? 2),
        _ => 1,
    };

    /// <summary>Extents an LV occupies in its VG at size <paramref name="size"/>: copies, and a thin pool's metadata and its spare.</summary>
    public static long LvFootprint(LogicalVolume lv, long size) =>
        size * LvCopies(lv) + (IsThinPool(lv) ? 2 * (lv.MetadataSizeBytes ?? 0) : 0);

    /// <summary>What LVM allocated that the LV list does not account for (raid metadata sub-LVs…), kept as it was.</summary>
    public static long VgOverhead(LayoutDocument layout, VolumeGroup vg)
    {
        var allocated = vg.SizeBytes - vg.FreeBytes;
        var counted = TopLevelLvs(layout, vg.Name).Sum(lv => LvFootprint(lv, lv.SizeBytes));
        return Math.Max(0, allocated - counted);
    }

    public static long LvNeed(StorageGraph graph, LogicalVolume lv, long ext)
    {
        long need;
        if (IsThinPool(lv))
        {
            need = graph.Layout.Lvm.LogicalVolumes.Where(t => IsThin(t) && t.VgName == lv.VgName && t.PoolLv == lv.Name).Sum(t => graph.DeviceNeed(t.Id));
            need = Math.Min(lv.SizeBytes, need + (lv.ChunkSizeBytes ?? 0) * 16);
        }
        else
        {
            need = graph.DeviceNeed(lv.Id);
        }

        return Math.Min(StorageGraph.RoundUp(need, ext), StorageGraph.RoundUp(lv.SizeBytes, ext));
    }

    /// <summary>Swap keeps its size unless the plan resizes fixed sizes too.</summary>
    public static bool IsFixed(StorageGraph graph, LogicalVolume lv) => !graph.Options.ResizeFixed && graph.IsSwap(graph.UsedBy(lv.Id));
}
