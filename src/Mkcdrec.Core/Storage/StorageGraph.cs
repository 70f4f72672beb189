using Mkcdrec.Model.Layout;

namespace Mkcdrec.Core.Storage;

/// <summary>
/// Lookups over a layout's device graph, and what each device needs at least to hold its content
/// (used bytes with a margin, plus the overhead of md, bcache, LUKS and LVM on the way).
/// </summary>
public sealed class StorageGraph
{
    private readonly LayoutDocument _l;
    private readonly PlanOptions _o;
    private readonly Dictionary<string, long> _needMemo = new(StringComparer.Ordinal);

    public StorageGraph(LayoutDocument layout, PlanOptions options)
    {
        _l = layout;
        _o = options;
        foreach (var d in layout.Disks)
        {
            Disks[d.Id] = d;
            foreach (var p in d.Partitions)
            {
                Partitions[p.Id] = (d, p);
            }
        }

        foreach (var m in layout.MdArrays)
        {
            Md[m.Id] = m;
        }

        foreach (var b in layout.Bcache)
        {
            Bcache[b.Id] = b;
        }

        foreach (var x in layout.Luks)
        {
            Luks[x.Id] = x;
        }

        foreach (var pv in layout.Lvm.PhysicalVolumes)
        {
            Pvs[pv.Id] = pv;
        }

        foreach (var vg in layout.Lvm.VolumeGroups)
        {
            Vgs[vg.Name] = vg;
        }

        foreach (var lv in layout.Lvm.LogicalVolumes)
        {
            Lvs[lv.Id] = lv;
        }

        foreach (var f in layout.Filesystems)
        {
            Fs[f.Id] = f;
        }
    }

    public LayoutDocument Layout => _l;

    public Dictionary<string, Disk> Disks { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, (Disk Disk, Partition Part)> Partitions { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, MdArray> Md { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, BcacheDevice> Bcache { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, LuksDevice> Luks { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, PhysicalVolume> Pvs { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, VolumeGroup> Vgs { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, LogicalVolume> Lvs { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, Filesystem> Fs { get; } = new(StringComparer.Ordinal);

    /// <summary>The id of what is written on a block device (disk, partition, md, bcache, opened LUKS, LV).</summary>
    public string? UsedBy(string deviceId) =>
        Disks.TryGetValue(deviceId, out var d) ? d.UsedBy ?? ContentFromAbove(deviceId)
        : Partitions.TryGetValue(deviceId, out var p) ? p.Part.UsedBy ?? ContentFromAbove(deviceId)
        : Md.TryGetValue(deviceId, out var m) ? m.UsedBy ?? ContentFromAbove(deviceId)
        : Bcache.TryGetValue(deviceId, out var b) ? b.UsedBy ?? ContentFromAbove(deviceId)
        : Luks.TryGetValue(deviceId, out var x) ? x.UsedBy ?? ContentFromAbove(deviceId)
        : Lvs.TryGetValue(deviceId, out var lv) ? lv.UsedBy ?? ContentFromAbove(deviceId)
        : null;

    /// <summary>Falls back to the upper layers' downward references when a usedBy was not recorded.</summary>
    private string? ContentFromAbove(string deviceId) =>
        _l.MdArrays.FirstOrDefault(m => m.Members.Any(x => x.DeviceId == deviceId))?.Id
        ?? _l.Bcache.FirstOrDefault(b => b.BackingDeviceId == deviceId)?.Id
        ?? _l.Luks.FirstOrDefault(x => x.DeviceId == deviceId)?.Id
        ?? _l.Lvm.PhysicalVolumes.FirstOrDefault(pv => pv.DeviceId == deviceId)?.Id
        ?? _l.Filesystems.FirstOrDefault(f => f.DeviceIds.Contains(deviceId))?.Id;

    /// <summary>The size of a block device in the source layout.</summary>
    public long OriginalSize(string deviceId) =>
        Disks.TryGetValue(deviceId, out var d) ? d.SizeBytes
        : Partitions.TryGetValue(deviceId, out var p) ? p.Part.SizeBytes > 0 ? p.Part.SizeBytes : p.Part.SizeSectors * p.Disk.LogicalSectorSize
        : Md.TryGetValue(deviceId, out var m) ? m.SizeBytes
        : Bcache.TryGetValue(deviceId, out var b) ? b.SizeBytes
        : Luks.TryGetValue(deviceId, out var x) ? Math.Max(0, OriginalSize(x.DeviceId) - LuksOffset(x))
        : Lvs.TryGetValue(deviceId, out var lv) ? lv.SizeBytes
        : 0;

    public static long LuksOffset(LuksDevice x) => x.DataOffsetBytes ?? (x.Version == 1 ? 2L << 20 : 16L << 20);

    /// <summary>What a bcache device's backing device keeps before its data (make-bcache's default: 16 sectors).</summary>
    public static long BcacheOffset(BcacheDevice b) => (b.DataOffsetSectors ?? 16) * 512;

    /// <summary>The disk ids a device is (partly) built on.</summary>
    public IEnumerable<string> DisksUnder(string id)
    {
        if (Disks.ContainsKey(id))
        {
            yield return id;
        }
        else if (Partitions.TryGetValue(id, out var p))
        {
            yield return p.Disk.Id;
        }
        else
        {
            foreach (var below in DevicesBelow(id))
            {
                foreach (var d in DisksUnder(below))
                {
                    yield return d;
                }
            }
        }
    }

    /// <summary>
    /// The devices directly below an id (md members, bcache backing device, LUKS device, PV device, LV's PVs' devices, fs
    /// devices). A bcache device's cache is not below it here: its size and presence are its backing device's.
    /// </summary>
    public IEnumerable<string> DevicesBelow(string id)
    {
        if (Md.TryGetValue(id, out var m))
        {
            return m.Members.Select(x => x.DeviceId);
        }

        if (Bcache.TryGetValue(id, out var b))
        {
            return [b.BackingDeviceId];
        }

        if (Luks.TryGetValue(id, out var x))
        {
            return [x.DeviceId];
        }

        if (Pvs.TryGetValue(id, out var pv))
        {
            return [pv.DeviceId];
        }

        if (id.StartsWith("vg:", StringComparison.Ordinal) && Vgs.TryGetValue(id[3..], out var vg))
        {
            return vg.PhysicalVolumeIds;
        }

        if (Lvs.TryGetValue(id, out var lv))
        {
            return ["vg:" + lv.VgName];
        }

        if (Fs.TryGetValue(id, out var f))
        {
            return f.DeviceIds;
        }

        return [];
    }

    /// <summary>Number of member devices whose capacity holds data (raid1: 1 — every member holds everything).</summary>
    public static int DataMembers(MdArray m)
    {
        var n = Math.Max(1, m.RaidDevices);
        return m.Level.ToLowerInvariant() switch
        {
            "raid0" or "linear" => n,
            "raid1" => 1,
            "raid4" or "raid5" => Math.Max(1, n - 1),
            "raid6" => Math.Max(1, n - 2),
            "raid10" => Math.Max(1, n / Math.Max(1, Copies(m.Layout))),
            _ => 1,
        };
    }

    private static int Copies(string? layout)
    {
        // near=2, far=2, offset=2, n2…
        var digits = new string((layout ?? "").Where(char.IsAsciiDigit).ToArray());
        return int.TryParse(digits, out var c) && c > 0 ? c : 2;
    }

    /// <summary>How many members may be missing with the array still usable.</summary>
    public static int Redundancy(MdArray m) => m.Level.ToLowerInvariant() switch
    {
        "raid1" => Math.Max(0, m.RaidDevices - 1),
        "raid4" or "raid5" => 1,
        "raid6" => 2,
        "raid10" => Math.Max(0, Copies(m.Layout) - 1),
        _ => 0,
    };

    /// <summary>What a raw md member loses to the superblock, bitmap and data offset: original member size − its data share.</summary>
    public long MdMemberOverhead(MdArray m)
    {
        var members = m.Members.Where(x => !x.Spare).Select(x => OriginalSize(x.DeviceId)).Where(s => s > 0).ToList();
        if (members.Count == 0)
        {
            return 0;
        }

        return Math.Max(0, members.Min() - m.SizeBytes / DataMembers(m));
    }

    public bool IsSwap(string? fsId) => fsId is not null && Fs.TryGetValue(fsId, out var f) && f.Type == FilesystemTypes.Swap;

    public bool IsMountedAt(string? fsId, string target) => fsId is not null && _l.Mounts.Any(m => m.FilesystemId == fsId && m.Target == target);

    // ---------------------------------------------------------------- needs

    /// <summary>The least a filesystem needs: what it uses with a margin, never more than it had; its whole size when usage is unknown.</summary>
    public long FilesystemNeed(Filesystem f)
    {
        if (f.Type == FilesystemTypes.Swap || f.UsedBytes is not { } used)
        {
            return f.SizeBytes;
        }

        var need = Math.Max((long)Math.Ceiling(used * _o.ShrinkMarginFactor), used + _o.ShrinkMarginBytes);
        need = Math.Max(need, f.Type switch
        {
            FilesystemTypes.Xfs => 300L << 20,
            FilesystemTypes.Btrfs => 256L << 20,
            _ => 0,
        });
        return f.SizeBytes > 0 ? Math.Min(need, f.SizeBytes) : need;
    }

    /// <summary>The least the block device <paramref name="deviceId"/> must hold for what is on it.</summary>
    public long DeviceNeed(string deviceId)
    {
        if (_needMemo.TryGetValue(deviceId, out var n))
        {
            return n;
        }

        _needMemo[deviceId] = OriginalSize(deviceId); // guards against cycles in a damaged layout
        var original = OriginalSize(deviceId);
        var content = UsedBy(deviceId);
        long need;
        if (content is null)
        {
            need = original; // unknown content: keep it whole
        }
        else if (Fs.TryGetValue(content, out var f))
        {
            need = FilesystemNeed(f);
            if (f.DeviceIds.Count > 1)
            {
                var mirrored = (f.Btrfs?.DataProfile ?? "single").StartsWith("raid1", StringComparison.OrdinalIgnoreCase)
                    || string.Equals(f.Btrfs?.DataProfile, "dup", StringComparison.OrdinalIgnoreCase);
                need = mirrored ? need : (need + f.DeviceIds.Count - 1) / f.DeviceIds.Count;
            }
        }
        else if (Md.TryGetValue(content, out var m))
        {
            need = (DeviceNeed(m.Id) + DataMembers(m) - 1) / DataMembers(m) + MdMemberOverhead(m);
        }
        else if (Bcache.TryGetValue(content, out var b))
        {
            need = DeviceNeed(b.Id) + BcacheOffset(b);
        }
        else if (Luks.TryGetValue(content, out var x))
        {
            need = DeviceNeed(x.Id) + LuksOffset(x);
        }
        else if (Pvs.TryGetValue(content, out var pv))
        {
            need = PvNeed(pv);
        }
        else
        {
            need = original;
        }

        if (original > 0)
        {
            need = Math.Min(need, original);
        }

        return _needMemo[deviceId] = need;
    }

    private long PvNeed(PhysicalVolume pv)
    {
        var peStart = pv.PeStartBytes ?? (1L << 20);
        if (pv.VgName is null || !Vgs.TryGetValue(pv.VgName, out var vg) || vg.SizeBytes <= 0)
        {
            return pv.SizeBytes + peStart;
        }

        var vgNeed = VgNeed(vg);
        var share = (double)pv.SizeBytes / vg.SizeBytes;
        var ext = Math.Max(1, vg.ExtentSizeBytes);
        return peStart + RoundUp((long)Math.Ceiling(vgNeed * share), ext) + ext;
    }

    /// <summary>Least bytes the VG's extents must cover: every LV at its least (rounded to extents, times its copies), plus what LVM keeps for itself.</summary>
    public long VgNeed(VolumeGroup vg)
    {
        var ext = Math.Max(1, vg.ExtentSizeBytes);
        long total = 0;
        foreach (var lv in TopLevelLvs(vg.Name))
        {
            total += LvFootprint(lv, LvNeed(lv, ext));
        }

        return total + VgOverhead(vg);
    }

    public IEnumerable<LogicalVolume> TopLevelLvs(string vgName) =>
        _l.Lvm.LogicalVolumes.Where(lv => lv.VgName == vgName && !lv.Hidden && !IsThin(lv) && !IsUnrecreatable(lv));

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
    public long VgOverhead(VolumeGroup vg)
    {
        var allocated = vg.SizeBytes - vg.FreeBytes;
        var counted = TopLevelLvs(vg.Name).Sum(lv => LvFootprint(lv, lv.SizeBytes));
        return Math.Max(0, allocated - counted);
    }

    public long LvNeed(LogicalVolume lv, long ext)
    {
        long need;
        if (IsThinPool(lv))
        {
            need = _l.Lvm.LogicalVolumes.Where(t => IsThin(t) && t.VgName == lv.VgName && t.PoolLv == lv.Name).Sum(t => DeviceNeed(t.Id));
            need = Math.Min(lv.SizeBytes, need + (lv.ChunkSizeBytes ?? 0) * 16);
        }
        else
        {
            need = DeviceNeed(lv.Id);
        }

        return Math.Min(RoundUp(need, ext), RoundUp(lv.SizeBytes, ext));
    }

    public bool IsFixedLv(LogicalVolume lv) => !_o.ResizeFixed && IsSwap(UsedBy(lv.Id));

    public static long RoundUp(long v, long unit) => unit <= 1 ? v : (v + unit - 1) / unit * unit;

    public static long RoundDown(long v, long unit) => unit <= 1 ? v : v / unit * unit;
}
