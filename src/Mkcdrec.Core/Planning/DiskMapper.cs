using Mkcdrec.Model.Layout;
using Mkcdrec.Model.Plan;
using Mkcdrec.Core.Storage;

namespace Mkcdrec.Core.Planning;

/// <summary>
/// Maps the layout's source disks to the disks found: explicit --map first, then identity (WWN, serial), then equal
/// size, then the only disk that fits, then largest to largest when the counts match. Anything else is ambiguous and
/// refused with the --map syntax to choose. Excluded disks (boot medium, backup) are never targets. Disks a technology
/// added (copies completing a degraded RAID) come last: each on the smallest unused target that holds it, or left out.
/// </summary>
internal sealed class DiskMapper
{
    private readonly StorageGraph _g;
    private readonly IReadOnlyList<TargetDisk> _targets;
    private readonly PlanOptions _o;
    private readonly Dictionary<string, TargetDisk> _map = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _reason = new(StringComparer.Ordinal);
    private readonly HashSet<string> _missing = new(StringComparer.Ordinal);
    private readonly Dictionary<string, AddedDisk> _added;

    public DiskMapper(StorageGraph g, IReadOnlyList<TargetDisk> targets, PlanOptions o, IReadOnlyList<AddedDisk>? added = null)
    {
        _g = g;
        _targets = targets;
        _o = o;
        _added = (added ?? []).ToDictionary(a => a.Disk.Id, StringComparer.Ordinal);
    }

    public List<string> Warnings { get; } = [];

    /// <summary>Source disk id → target disk (missing and unused disks are absent).</summary>
    public IReadOnlyDictionary<string, TargetDisk> Targets => _map;

    public IReadOnlySet<string> MissingDisks => _missing;

    /// <summary>The least bytes a target must have for <paramref name="d"/>.</summary>
    public long MinimumFor(Disk d, TargetDisk t)
    {
        if (t.SizeBytes == d.SizeBytes && t.LogicalSectorSize == d.LogicalSectorSize)
        {
            return d.SizeBytes;
        }

        if (d.PartitionTable.Kind is PartitionTableKinds.Gpt or PartitionTableKinds.Mbr)
        {
            return PartitionSizer.MinimumBytes(_g, d, _o, t.LogicalSectorSize);
        }

        return _g.DeviceNeed(d.Id);
    }

    /// <summary>Whether the disk's partitions fit on the target; an added copy needs at least the size of its original.</summary>
    private bool Fits(Disk d, TargetDisk t) => t.SizeBytes >= MinimumFor(d, t) && (!_added.ContainsKey(d.Id) || t.SizeBytes >= d.SizeBytes);

    /// <summary>Whether anything on the disk is to be recreated.</summary>
    public bool HasContent(Disk d) => d.PartitionTable.Kind != PartitionTableKinds.None || _g.UsedBy(d.Id) is not null;

    private IEnumerable<TargetDisk> Free => _targets.Where(t => !t.Excluded && !_map.Values.Contains(t));

    private static string Describe(TargetDisk t) => $"{t.Path} ({Bytes.Format(t.SizeBytes)})";

    private static string Describe(Disk d) => $"{d.Path} ({Bytes.Format(d.SizeBytes)})";

    /// <summary>Applies the rules in order; each one maps what it can and leaves the rest to the next.</summary>
    public List<DiskMapping> Map()
    {
        foreach (var m in _o.Maps)
        {
            Explicit(m);
        }

        var sources = _g.Layout.Disks.Where(d => !_map.ContainsKey(d.Id) && !_added.ContainsKey(d.Id)).ToList();
        MapByIdentity(sources);

        // disks with nothing to recreate are only mapped when asked to
        foreach (var d in sources.Where(d => !HasContent(d)).ToList())
        {
            _reason[d.Id] = MappingReasons.Unused;
            sources.Remove(d);
        }

        MapEqualSizes(sources);
        MapOnlyFits(sources);
        SetAsideDisksNothingFits(sources);
        if (sources.Count > 0)
        {
            MapLargestToLargest(sources);
        }

        MapAddedDisks();
        return _g.Layout.Disks.Where(d => !_added.ContainsKey(d.Id) || _map.ContainsKey(d.Id)).Select(d => new DiskMapping
        {
            SourceId = d.Id,
            SourcePath = d.Path,
            SourceSizeBytes = d.SizeBytes,
            TargetPath = _map.GetValueOrDefault(d.Id)?.Path,
            TargetSizeBytes = _map.GetValueOrDefault(d.Id)?.SizeBytes,
            Reason = _reason.GetValueOrDefault(d.Id) ?? MappingReasons.Unused,
            Missing = _missing.Contains(d.Id),
            CopyOf = _added.GetValueOrDefault(d.Id)?.CopyOf.Id,
        }).ToList();
    }

    /// <summary>The same disk, known by its WWN or serial; refuses when it is now too small.</summary>
    private void MapByIdentity(List<Disk> sources)
    {
        foreach (var d in sources.ToList())
        {
            var byWwn = NormalizeWwn(d.Wwn) is { } w ? _targets.FirstOrDefault(t => NormalizeWwn(t.Wwn) == w) : null;
            var bySerial = !string.IsNullOrWhiteSpace(d.Serial) ? _targets.FirstOrDefault(t => string.Equals(t.Serial?.Trim(), d.Serial.Trim(), StringComparison.Ordinal)) : null;
            var t = byWwn ?? bySerial;
            if (t is null || _map.Values.Contains(t))
            {
                continue;
            }

            if (t.Excluded)
            {
                Warnings.Add($"{t.Path} is the original {d.Path} (same {(byWwn is not null ? "WWN" : "serial")}) but {ExclusionReason(t)}: it is not used.");
                continue;
            }

            if (!Fits(d, t))
            {
                throw PartitionSizer.TooSmall(d, t, MinimumFor(d, t), [], _g);
            }

            Assign(d, t, byWwn is not null ? MappingReasons.SameWwn : MappingReasons.SameSerial);
            sources.Remove(d);
        }
    }

    /// <summary>Sources and free targets of one size, paired in name order when the counts match.</summary>
    private void MapEqualSizes(List<Disk> sources)
    {
        foreach (var group in sources.GroupBy(d => (d.SizeBytes, d.LogicalSectorSize)).ToList())
        {
            var same = Free.Where(t => t.SizeBytes == group.Key.SizeBytes && t.LogicalSectorSize == group.Key.LogicalSectorSize)
                .OrderBy(t => t.KernelName, StringComparer.Ordinal).ToList();
            var src = group.OrderBy(d => d.KernelName, StringComparer.Ordinal).ToList();
            if (same.Count == src.Count)
            {
                for (var i = 0; i < src.Count; i++)
                {
                    Assign(src[i], same[i], MappingReasons.EqualSize);
                    sources.Remove(src[i]);
                }
            }
        }
    }

    /// <summary>A disk that fits on only one free target goes there (repeated: each mapping can settle another).</summary>
    private void MapOnlyFits(List<Disk> sources)
    {
        for (var changed = true; changed;)
        {
            changed = false;
            foreach (var d in sources.ToList())
            {
                var fit = Free.Where(t => Fits(d, t)).ToList();
                if (fit.Count == 1)
                {
                    Assign(d, fit[0], MappingReasons.OnlyFit);
                    sources.Remove(d);
                    changed = true;
                }
            }
        }
    }

    /// <summary>Disks nothing fits: missing when their arrays can run degraded, else refused with what to attach.</summary>
    private void SetAsideDisksNothingFits(List<Disk> sources)
    {
        foreach (var d in sources.ToList())
        {
            if (Free.Any(t => Fits(d, t)))
            {
                continue;
            }

            if (CanBeMissing(d))
            {
                _missing.Add(d.Id);
                _reason[d.Id] = MappingReasons.Missing;
                Warnings.Add($"No disk for {Describe(d)}: its RAID arrays are created degraded (add a disk later with mdadm --add).");
                sources.Remove(d);
                continue;
            }

            var largest = Free.OrderByDescending(t => t.SizeBytes).FirstOrDefault();
            if (largest is not null)
            {
                throw PartitionSizer.TooSmall(d, largest, MinimumFor(d, largest), [], _g);
            }

            throw new MkcdrecException(ExitCode.Refused,
                $"There is no disk to recreate {Describe(d)} on: " + (_targets.Count == 0 ? "no disks were found." :
                    "every disk found is used or excluded (" + string.Join(", ", _targets.Select(t => Describe(t) + (t.Excluded ? ": " + ExclusionReason(t) : ""))) + ")."),
                "Attach a disk of at least " + Bytes.Format(MinimumForAny(d)) + $" and run the command again, or map it with --map {d.Path}=DST.");
        }
    }

    /// <summary>
    /// As many sources as fitting targets, each fitting when paired largest to largest (with the added copies when that
    /// makes the counts match: one source disk and two blank disks for a degraded RAID1); anything else is ambiguous.
    /// </summary>
    private void MapLargestToLargest(List<Disk> sources)
    {
        if (PairLargestToLargest(sources) || PairLargestToLargest([.. sources, .. AddedNotMapped]))
        {
            return;
        }

        var lines = sources.Select(d => $"{Describe(d)} could go on " + string.Join(" or ", Free.Where(t => Fits(d, t)).Select(Describe)));
        var example = sources[0].Path + "=" + (Free.FirstOrDefault(t => Fits(sources[0], t))?.Path ?? "/dev/DST");
        throw new MkcdrecException(ExitCode.Refused,
            "The disk mapping is ambiguous: " + string.Join("; ", lines) + ".",
            $"Choose with --map SRC=DST for each of these disks, e.g. --map {example}. Nothing was changed.");
    }

    private bool PairLargestToLargest(List<Disk> sources)
    {
        var fitting = Free.Where(t => sources.Any(s => Fits(s, t))).ToList();
        var bySize = sources.OrderByDescending(d => d.SizeBytes).ThenBy(d => d.KernelName, StringComparer.Ordinal).ToList();
        var tBySize = fitting.OrderByDescending(t => t.SizeBytes).ThenBy(t => t.KernelName, StringComparer.Ordinal).ToList();
        if (bySize.Count != tBySize.Count || !bySize.Zip(tBySize).All(x => Fits(x.First, x.Second)))
        {
            return false;
        }

        foreach (var (d, t) in bySize.Zip(tBySize))
        {
            Assign(d, t, MappingReasons.LargestToLargest);
        }

        return true;
    }

    /// <summary>Each added copy not mapped yet goes on the smallest unused disk that holds it (then by name); none: left out.</summary>
    private void MapAddedDisks()
    {
        foreach (var d in AddedNotMapped)
        {
            var t = Free.Where(t => Fits(d, t)).OrderBy(t => t.SizeBytes).ThenBy(t => t.KernelName, StringComparer.Ordinal).FirstOrDefault();
            if (t is not null)
            {
                Assign(d, t, MappingReasons.Copy);
            }
        }
    }

    private List<Disk> AddedNotMapped => _g.Layout.Disks.Where(d => _added.ContainsKey(d.Id) && !_map.ContainsKey(d.Id)).ToList();

    private long MinimumForAny(Disk d) =>
        MinimumFor(d, new TargetDisk { SizeBytes = -1, LogicalSectorSize = d.LogicalSectorSize });

    private void Assign(Disk d, TargetDisk t, string reason)
    {
        _map[d.Id] = t;
        _reason[d.Id] = _added.ContainsKey(d.Id) ? MappingReasons.Copy : reason;
    }

    private static string ExclusionReason(TargetDisk t) =>
        t.ExcludedBecause ?? (t.HoldsBackup ? "it holds the backup" : t.InUse ? "it is in use" : "it is the boot medium");

    private void Explicit(string spec)
    {
        var eq = spec.IndexOf('=');
        if (eq <= 0 || eq == spec.Length - 1)
        {
            throw new MkcdrecException(ExitCode.Usage, $"'--map {spec}' is not of the form SRC=DST.",
                "Write --map SOURCE=TARGET, e.g. --map /dev/sda=/dev/vdb (SOURCE: the disk's path, name or id in the layout).");
        }

        var srcName = spec[..eq].Trim();
        var dstName = spec[(eq + 1)..].Trim();
        var src = FindSource(srcName) ?? throw new MkcdrecException(ExitCode.Refused,
            $"--map {spec}: the layout has no disk '{srcName}'. Its disks: " + string.Join(", ", _g.Layout.Disks.Select(d => $"{d.Path} ({d.Id})")) + ".",
            "Name a source disk by its path, kernel name or id as 'mkcdrec layout show FILE' lists them.");
        var dst = FindTarget(dstName) ?? throw new MkcdrecException(ExitCode.Refused,
            $"--map {spec}: '{dstName}' is not a disk of this machine. Disks found: " + (_targets.Count == 0 ? "none" : string.Join(", ", _targets.Select(Describe))) + ".",
            "Name the target as /dev/NAME or /dev/disk/by-id/…; 'lsblk -d' lists the disks.");
        if (dst.Excluded)
        {
            throw new MkcdrecException(ExitCode.Refused, $"--map {spec}: {dst.Path} is never a target: {ExclusionReason(dst)}.",
                "Choose another disk; recovering onto it would destroy what the recovery needs.");
        }

        if (_map.ContainsKey(src.Id))
        {
            throw new MkcdrecException(ExitCode.Usage, $"--map {spec}: {src.Path} is mapped twice.", "Give one --map per source disk.");
        }

        var other = _map.FirstOrDefault(kv => kv.Value == dst);
        if (other.Key is not null)
        {
            throw new MkcdrecException(ExitCode.Refused,
                $"--map {spec}: {dst.Path} is already the target of {_g.Disks[other.Key].Path}; two source disks cannot go onto one disk.",
                "Map each source disk to a different target disk.");
        }

        if (!Fits(src, dst))
        {
            throw PartitionSizer.TooSmall(src, dst, MinimumFor(src, dst), [], _g);
        }

        Assign(src, dst, MappingReasons.Explicit);
    }

    private Disk? FindSource(string name)
    {
        var bare = name.StartsWith("/dev/", StringComparison.Ordinal) ? name[5..] : name;
        return _g.Layout.Disks.FirstOrDefault(d => d.Path == name || d.KernelName == bare || d.Id == name || d.Id == "disk:" + name
            || d.ByIdLinks.Contains(name) || (d.Serial is not null && d.Serial == name) || (NormalizeWwn(d.Wwn) is { } w && w == NormalizeWwn(name)));
    }

    private TargetDisk? FindTarget(string name)
    {
        var bare = name.StartsWith("/dev/", StringComparison.Ordinal) ? name[5..] : name;
        return _targets.FirstOrDefault(t => t.Path == name || t.KernelName == bare || t.ByIdLinks.Contains(name)
            || t.ByIdLinks.Any(l => l.EndsWith("/" + name, StringComparison.Ordinal)));
    }

    /// <summary>WWNs appear as "0x5000…", "naa.5000…", "wwn-0x5000…": compare the hex digits.</summary>
    internal static string? NormalizeWwn(string? wwn)
    {
        if (string.IsNullOrWhiteSpace(wwn))
        {
            return null;
        }

        var s = wwn.Trim().ToLowerInvariant();
        foreach (var prefix in new[] { "wwn-", "naa.", "eui.", "t10.", "0x" })
        {
            if (s.StartsWith(prefix, StringComparison.Ordinal))
            {
                s = s[prefix.Length..];
            }
        }

        return s.Length == 0 ? null : s;
    }

    /// <summary>A disk may be missing when everything on it belongs to a device that stays usable without it (a RAID with redundancy left).</summary>
    private bool CanBeMissing(Disk d)
    {
        var ids = new List<string>();
        if (_g.UsedBy(d.Id) is not null)
        {
            ids.Add(d.Id);
        }

        ids.AddRange(d.Partitions.Where(p => p.Kind != PartitionKinds.Extended && _g.UsedBy(p.Id) is not null).Select(p => p.Id));
        if (ids.Count == 0)
        {
            return false;
        }

        foreach (var id in ids)
        {
            var above = _g.Stacked.Values.FirstOrDefault(s => s.Below.Contains(id) || s.AlsoOn.Contains(id));
            if (above is null)
            {
                return false;
            }

            var missingMembers = above.Below.Count(b => _g.DisksUnder(b).Any(di => di == d.Id || _missing.Contains(di)));
            if (missingMembers > above.MayLack)
            {
                return false;
            }
        }

        return true;
    }
}
