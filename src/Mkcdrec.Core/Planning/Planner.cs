using System.Globalization;
using Mkcdrec.Model.Layout;
using Mkcdrec.Model.Plan;
using Mkcdrec.Core.Storage;

namespace Mkcdrec.Core.Planning;

/// <summary>
/// The planner: a pure function from (layout, disks found, options) to an ordered plan. It reads nothing and runs
/// nothing; refusals are <see cref="MkcdrecException"/>s with <see cref="ExitCode.Refused"/> and the numbers.
/// </summary>
public static class Planner
{
    private static readonly string[] VfatMetadata = ["uid", "gid", "umask", "fmask", "dmask", "allow_utime", "showexec", "tz", "time_offset"];

    /// <summary>The options of a captured vfat mount that decide how owners, modes and times look (uid, gid, umask,
    /// fmask, dmask, allow_utime, showexec, tz, time_offset), comma-separated; "" when there are none.</summary>
    public static string VfatMetadataOptions(string options) =>
        string.Join(',', options.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(o => VfatMetadata.Contains(o.Split('=')[0], StringComparer.Ordinal)));

    public static RecoveryPlan Plan(LayoutDocument layout, IReadOnlyList<TargetDisk> targets, PlanOptions options) =>
        new PlanBuilder(layout, targets, options).Build();

    /// <summary>Checks that every step's inputs are produced by an earlier step; returns the problems (empty when sound).</summary>
    public static List<string> CheckOrder(RecoveryPlan plan)
    {
        var have = new HashSet<string>(StringComparer.Ordinal);
        var problems = new List<string>();
        foreach (var s in plan.Steps)
        {
            foreach (var r in s.Requires.Where(r => !have.Contains(r)))
            {
                problems.Add($"{s.Id} needs {r}, which no earlier step makes");
            }

            have.UnionWith(s.Provides);
        }

        return problems;
    }
}

internal sealed class PlanBuilder
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    private static readonly string[] KindOrder =
    [
        StepKinds.Wipe, StepKinds.Partition, StepKinds.MdCreate, StepKinds.LuksFormat, StepKinds.LuksOpen, StepKinds.PvCreate,
        StepKinds.VgCreate, StepKinds.LvCreate, StepKinds.LvmIds, StepKinds.Mkfs, StepKinds.Mkswap, StepKinds.BtrfsSubvolumes, StepKinds.Mount, StepKinds.BtrfsReadOnly,
    ];

    /// <summary>Runtime-only ext feature flags that mke2fs does not take.</summary>
    private static readonly HashSet<string> ExtRuntimeFeatures = ["needs_recovery", "orphan_present"];

    private readonly StorageGraph _g;
    private readonly IReadOnlyList<TargetDisk> _targets;
    private readonly PlanOptions _o;
    private readonly RecoveryPlan _plan;
    private readonly Dictionary<string, string> _path = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _newSize = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _lvSize = new(StringComparer.Ordinal);
    private readonly HashSet<string> _resized = new(StringComparer.Ordinal);
    private readonly List<PlanStep> _steps = [];

    public PlanBuilder(LayoutDocument layout, IReadOnlyList<TargetDisk> targets, PlanOptions options)
    {
        _g = new StorageGraph(layout, options);
        _targets = targets;
        _o = options;
        _plan = new RecoveryPlan
        {
            SourceHost = layout.Host.Hostname,
            LayoutCapturedAt = layout.CapturedAt,
            TargetRoot = options.TargetRoot,
            TargetDisks = [.. targets],
        };
    }

    public RecoveryPlan Build()
    {
        foreach (var u in _g.Layout.Unsupported)
        {
            _plan.Warnings.Add($"Not recreated ({u.Kind}): {u.Device}: {u.Reason}");
        }

        var mapper = new DiskMapper(_g, _targets, _o);
        _plan.Mappings = mapper.Map();
        _plan.Warnings.AddRange(mapper.Warnings);

        var specs = new List<(Disk Disk, TargetDisk Target, PartitionTableSpec? Spec)>();
        foreach (var m in _plan.Mappings)
        {
            var d = _g.Disks[m.SourceId];
            if (!mapper.Targets.TryGetValue(d.Id, out var t))
            {
                continue;
            }

            _path[d.Id] = t.Path;
            _newSize[d.Id] = t.SizeBytes;
            PartitionTableSpec? spec = null;
            if (d.PartitionTable.Kind is PartitionTableKinds.Gpt or PartitionTableKinds.Mbr)
            {
                spec = PartitionSizer.Layout(_g, d, t, _o, out var resize);
                m.Resize = resize;
                foreach (var p in spec.Partitions)
                {
                    _path[p.SourceId] = p.Path;
                    _newSize[p.SourceId] = p.SizeSectors * spec.SectorSize;
                    if (p.SizeSectors * spec.SectorSize != p.OriginalSizeBytes)
                    {
                        _resized.Add(p.SourceId);
                    }
                }
            }
            else if (t.SizeBytes != d.SizeBytes)
            {
                m.Resize = t.SizeBytes > d.SizeBytes ? "grow" : "shrink";
                _resized.Add(d.Id);
            }
            else
            {
                m.Resize = "exact";
            }

            specs.Add((d, t, spec));
        }

        foreach (var md in _g.Layout.MdArrays)
        {
            _path[md.Id] = "/dev/md/" + MdShortName(md);
        }

        foreach (var x in _g.Layout.Luks)
        {
            _path[x.Id] = "/dev/mapper/" + LuksName(x);
        }

        foreach (var lv in _g.Layout.Lvm.LogicalVolumes)
        {
            _path[lv.Id] = $"/dev/{lv.VgName}/{lv.Name}";
        }

        SizeVolumeGroups();

        foreach (var (d, t, spec) in specs)
        {
            AddDiskSteps(d, t, spec);
        }

        foreach (var md in _g.Layout.MdArrays)
        {
            AddMd(md);
        }

        foreach (var x in _g.Layout.Luks)
        {
            AddLuks(x);
        }

        foreach (var pv in _g.Layout.Lvm.PhysicalVolumes)
        {
            AddPv(pv);
        }

        foreach (var vg in _g.Layout.Lvm.VolumeGroups)
        {
            AddVg(vg);
        }

        foreach (var lv in _g.Layout.Lvm.LogicalVolumes)
        {
            AddLv(lv);
        }

        foreach (var vg in _g.Layout.Lvm.VolumeGroups)
        {
            AddLvmIds(vg);
        }

        foreach (var f in _g.Layout.Filesystems)
        {
            AddFilesystem(f);
        }

        AddMounts();
        _plan.Steps = Order(_steps);
        return _plan;
    }

    // ---------------------------------------------------------------- names and sizes

    private static string MdShortName(MdArray m)
    {
        var n = m.Name is { Length: > 0 } name ? name[(name.LastIndexOf(':') + 1)..] : "";
        return n.Length > 0 ? n : m.KernelName.Length > 0 ? m.KernelName : "md-" + m.Uuid.Replace(":", "", StringComparison.Ordinal);
    }

    private static string LuksName(LuksDevice x) => x.MappedName ?? x.Crypttab?.Name ?? "luks-" + x.Uuid;

    private bool Present(string id) => _path.ContainsKey(id) && _g.DisksUnder(id).Any(d => _path.ContainsKey(d));

    /// <summary>The size of a device, from the original sizes or the planned ones (same formulas both ways, so unchanged disks give unchanged sizes).</summary>
    private long SizeOf(string id, bool planned)
    {
        if (_g.Disks.ContainsKey(id) || _g.Partitions.ContainsKey(id))
        {
            return planned ? _newSize.GetValueOrDefault(id) : _g.OriginalSize(id);
        }

        if (_g.Md.TryGetValue(id, out var m))
        {
            var members = m.Members.Where(x => !x.Spare).Select(x => SizeOf(x.DeviceId, planned)).Where(s => s > 0).ToList();
            if (members.Count == 0)
            {
                return 0;
            }

            return Math.Max(0, members.Min() - _g.MdMemberOverhead(m)) * StorageGraph.DataMembers(m);
        }

        if (_g.Luks.TryGetValue(id, out var x))
        {
            return Math.Max(0, SizeOf(x.DeviceId, planned) - StorageGraph.LuksOffset(x));
        }

        if (_g.Lvs.TryGetValue(id, out var lv))
        {
            return planned ? _lvSize.GetValueOrDefault(id, lv.SizeBytes) : lv.SizeBytes;
        }

        return 0;
    }

    private long VgAvail(VolumeGroup vg, bool planned)
    {
        var ext = Math.Max(1, vg.ExtentSizeBytes);
        long total = 0;
        foreach (var pvId in vg.PhysicalVolumeIds)
        {
            if (!_g.Pvs.TryGetValue(pvId, out var pv))
            {
                continue;
            }

            total += StorageGraph.RoundDown(Math.Max(0, SizeOf(pv.DeviceId, planned) - (pv.PeStartBytes ?? (1L << 20))), ext);
        }

        return total;
    }

    private void SizeVolumeGroups()
    {
        foreach (var vg in _g.Layout.Lvm.VolumeGroups)
        {
            var ext = Math.Max(1, vg.ExtentSizeBytes);
            var lvs = _g.TopLevelLvs(vg.Name).ToList();
            var origVg = VgAvail(vg, planned: false);
            var newVg = VgAvail(vg, planned: true);
            foreach (var lv in lvs)
            {
                _lvSize[lv.Id] = lv.SizeBytes;
            }

            if (origVg == newVg)
            {
                continue;
            }

            var fixedLvs = lvs.Where(_g.IsFixedLv).ToList();
            var scal = lvs.Where(l => !_g.IsFixedLv(l)).ToList();
            var kept = fixedLvs.Sum(l => StorageGraph.LvFootprint(l, l.SizeBytes)) + _g.VgOverhead(vg)
                + scal.Sum(l => StorageGraph.LvFootprint(l, 0));
            var sizes = Sizing.Distribute(
                scal.Select(l => l.SizeBytes * StorageGraph.LvCopies(l)).ToArray(),
                scal.Select(l => _g.LvNeed(l, ext) * StorageGraph.LvCopies(l)).ToArray(),
                origVg - kept, newVg - kept, ext);
            if (sizes is null)
            {
                var need = _g.VgNeed(vg);
                throw new MkcdrecException(ExitCode.Refused,
                    $"Volume group {vg.Name} needs {Bytes.Format(need)} on its physical volumes, which have {Bytes.Format(newVg)} on the target disks.",
                    "Recover onto larger disks (--map SRC=DST), or free space in its logical volumes on the original system and make a new backup.");
            }

            for (var i = 0; i < scal.Count; i++)
            {
                var size = StorageGraph.RoundDown(sizes[i] / StorageGraph.LvCopies(scal[i]), ext);
                _lvSize[scal[i].Id] = Math.Max(size, _g.LvNeed(scal[i], ext));
                if (_lvSize[scal[i].Id] != scal[i].SizeBytes)
                {
                    _resized.Add(scal[i].Id);
                }
            }
        }
    }

    /// <summary>Whether a device gets another size than it had: its own planned size, or (md, LUKS) the devices it is built on. An LV's size is its own.</summary>
    private bool Resized(string deviceId) => _resized.Contains(deviceId)
        || (!_g.Lvs.ContainsKey(deviceId) && _g.DevicesBelow(deviceId).Any(Resized));

    private static string B(long bytes) => bytes.ToString(Inv) + "b";

    private static string K(long bytes) => (bytes / 1024).ToString(Inv) + "k";

    private PlanStep Step(string kind, string id, string description, bool destructive, IEnumerable<string> devices, IEnumerable<string> requires, IEnumerable<string> provides, params IEnumerable<string>[] commands)
    {
        // What uses a logical volume waits until its volume group has its original UUIDs back (the step deactivates it).
        if (kind is not (StepKinds.LvCreate or StepKinds.LvmIds))
        {
            requires = [.. requires, .. requires.Where(r => r.StartsWith("lv:", StringComparison.Ordinal))
                .Select(r => r[3..r.IndexOf('/', StringComparison.Ordinal)]).Where(_lvmIdVgs.Contains).Select(vg => "lvm-ids:" + vg)];
        }

        var s = new PlanStep
        {
            Id = kind + ":" + id,
            Kind = kind,
            Description = description,
            Destructive = destructive,
            Devices = [.. devices],
            Requires = [.. requires.Distinct()],
            Provides = [.. provides],
            Commands = [.. commands.Select(c => new PlanCommand(c))],
        };
        _steps.Add(s);
        return s;
    }

    // ---------------------------------------------------------------- disks

    private void AddDiskSteps(Disk d, TargetDisk t, PartitionTableSpec? spec)
    {
        Step(StepKinds.Wipe, d.Id, $"Erase the signatures on {t.Path} (recreates {d.Path})", true, [t.Path], [], [d.Id],
            ["wipefs", "--all", "--force", t.Path]);
        if (spec is null)
        {
            return;
        }

        var parts = spec.Partitions.Where(p => p.Kind != PartitionKinds.Extended).ToList();
        var cmds = new List<IEnumerable<string>> { new[] { "blockdev", "--rereadpt", t.Path }, new[] { "udevadm", "settle" } };
        cmds.AddRange(parts.Select(p => (IEnumerable<string>)new[] { "wipefs", "--all", "--force", p.Path }));
        var s = Step(StepKinds.Partition, d.Id,
            $"Write a {spec.Kind.ToUpperInvariant()} partition table with {spec.Partitions.Count} partition(s) on {t.Path} (mkcdrec's own writer), then clear old signatures in them",
            true, [t.Path, .. parts.Select(p => p.Path)], [d.Id], spec.Partitions.Select(p => p.SourceId), [.. cmds]);
        s.PartitionTable = spec;
    }

    // ---------------------------------------------------------------- md

    private void AddMd(MdArray m)
    {
        var active = m.Members.Where(x => !x.Spare).OrderBy(x => x.Slot ?? int.MaxValue).ToList();
        var spares = m.Members.Where(x => x.Spare && Present(x.DeviceId)).ToList();
        var slots = new string?[Math.Max(m.RaidDevices, active.Count)];
        var i = 0;
        foreach (var x in active)
        {
            var slot = x.Slot is { } sl && sl >= 0 && sl < slots.Length && slots[sl] is null ? sl : Array.IndexOf(slots, null);
            if (slot < 0)
            {
                continue;
            }

            slots[slot] = Present(x.DeviceId) ? x.DeviceId : null;
            i++;
        }

        var missing = slots.Count(s => s is null);
        if (missing > StorageGraph.Redundancy(m) || missing == slots.Length)
        {
            if (m.Members.All(x => !Present(x.DeviceId)))
            {
                return; // nothing of it was mapped (the whole array is left out)
            }

            throw new MkcdrecException(ExitCode.Refused,
                $"RAID {m.Path} ({m.Level}) would miss {missing} of {slots.Length} members; it cannot be created with so few.",
                "Map a disk for each missing member with --map SRC=DST.");
        }

        var args = new List<string> { "mdadm", "--create", _path[m.Id], "--run" };
        if (m.Name is { Length: > 0 })
        {
            args.Add("--name=" + m.Name);
        }

        args.Add("--uuid=" + m.Uuid);
        args.Add("--level=" + m.Level);
        if (m.Metadata.Length > 0)
        {
            args.Add("--metadata=" + m.Metadata);
        }

        args.Add("--raid-devices=" + slots.Length.ToString(Inv));
        if (m.ChunkBytes is { } c && c > 0 && m.Level is not "raid1" and not "linear")
        {
            args.Add("--chunk=" + (c / 1024).ToString(Inv) + "K");
        }

        if (m.Layout is { Length: > 0 } lay)
        {
            args.Add("--layout=" + lay);
        }

        if (m.Bitmap is "internal" or "none" && m.Level is not "raid0" and not "linear")
        {
            args.Add("--bitmap=" + m.Bitmap);
        }

        if (spares.Count > 0)
        {
            args.Add("--spare-devices=" + spares.Count.ToString(Inv));
        }

        args.AddRange(slots.Select(s => s is null ? "missing" : _path[s]));
        args.AddRange(spares.Select(x => _path[x.DeviceId]));
        var present = slots.OfType<string>().Concat(spares.Select(x => x.DeviceId)).ToList();
        Step(StepKinds.MdCreate, m.Id,
            $"Create RAID {m.Level} {_path[m.Id]} (was {m.Path})" + (missing > 0 ? $", degraded: {missing} member(s) missing" : ""),
            true, present.Select(x => _path[x]).Append(_path[m.Id]), present, [m.Id], args);
        if (missing > 0)
        {
            _plan.Warnings.Add($"RAID {_path[m.Id]} is created degraded ({missing} of {slots.Length} members missing).");
        }
    }

    // ---------------------------------------------------------------- LUKS

    private void AddLuks(LuksDevice x)
    {
        if (!Present(x.DeviceId))
        {
            return;
        }

        var dev = _path[x.DeviceId];
        var key = PlanPlaceholders.KeyFile(x.Id);
        _plan.Placeholders.Add(new PlanPlaceholder
        {
            Token = key,
            Meaning = $"a file holding the passphrase for LUKS {x.Uuid} (was on {_g.Layout.DescribeDevice(x.DeviceId) ?? x.DeviceId}): prompted for, or given with --key-file",
        });
        var fmt = new List<string> { "cryptsetup", "luksFormat", "--batch-mode", "--type", x.Version == 1 ? "luks1" : "luks2", "--uuid", x.Uuid };
        if (x.Label is { Length: > 0 } && x.Version != 1)
        {
            fmt.AddRange(["--label", x.Label]);
        }

        if (x.Cipher.Length > 0)
        {
            fmt.AddRange(["--cipher", x.Cipher]);
        }

        if (x.KeySizeBits > 0)
        {
            fmt.AddRange(["--key-size", x.KeySizeBits.ToString(Inv)]);
        }

        if (x.Hash is { Length: > 0 })
        {
            fmt.AddRange(["--hash", x.Hash]);
        }

        if (x.Pbkdf is { Length: > 0 } && x.Version != 1)
        {
            fmt.AddRange(["--pbkdf", x.Pbkdf]);

            // The original keyslot's cost: as strong as before, and no benchmark (which on a slow rescue machine would pick other values).
            if (x.PbkdfIterations is { } it && it > 0)
            {
                fmt.AddRange(["--pbkdf-force-iterations", it.ToString(Inv)]);
            }

            if (x.Pbkdf.StartsWith("argon2", StringComparison.Ordinal) && x.PbkdfMemoryKiB is { } mem && mem > 0)
            {
                fmt.AddRange(["--pbkdf-memory", mem.ToString(Inv)]);
            }

            if (x.Pbkdf.StartsWith("argon2", StringComparison.Ordinal) && x.PbkdfParallel is { } par && par > 0)
            {
                fmt.AddRange(["--pbkdf-parallel", par.ToString(Inv)]);
            }
        }

        if (x.SectorSize is { } ss && ss > 0 && x.Version != 1)
        {
            fmt.AddRange(["--sector-size", ss.ToString(Inv)]);
        }

        fmt.AddRange(["--key-file", key, dev]);
        Step(StepKinds.LuksFormat, x.Id, $"Format LUKS{x.Version} on {dev} with the original UUID and cipher (passphrase: {key})", true,
            [dev], [x.DeviceId], ["luks-header:" + x.Id], fmt);
        Step(StepKinds.LuksOpen, x.Id, $"Open {dev} as {_path[x.Id]}", false, [dev, _path[x.Id]], ["luks-header:" + x.Id], [x.Id],
            ["cryptsetup", "open", dev, LuksName(x), "--key-file", key]);
    }

    // ---------------------------------------------------------------- LVM

    private void AddPv(PhysicalVolume pv)
    {
        if (!Present(pv.DeviceId))
        {
            return;
        }

        var dev = _path[pv.DeviceId];
        Step(StepKinds.PvCreate, pv.Id, $"Make {dev} an LVM physical volume (UUID {pv.Uuid})", true, [dev], [pv.DeviceId], [pv.Id],
            ["pvcreate", "--yes", "--uuid", pv.Uuid, "--norestorefile", dev]);
    }

    private void AddVg(VolumeGroup vg)
    {
        var pvs = vg.PhysicalVolumeIds.Where(id => _g.Pvs.TryGetValue(id, out var pv) && Present(pv.DeviceId)).ToList();
        if (pvs.Count == 0)
        {
            return;
        }

        if (pvs.Count < vg.PhysicalVolumeIds.Count)
        {
            throw new MkcdrecException(ExitCode.Refused,
                $"Volume group {vg.Name} would miss {vg.PhysicalVolumeIds.Count - pvs.Count} of its physical volumes.",
                "Map a disk for every disk the volume group was on, with --map SRC=DST.");
        }

        var devs = pvs.Select(id => _path[_g.Pvs[id].DeviceId]).ToList();
        Step(StepKinds.VgCreate, "vg:" + vg.Name, $"Create volume group {vg.Name} on {string.Join(", ", devs)}", false, devs, pvs, ["vg:" + vg.Name],
            ["vgcreate", "--physicalextentsize", B(vg.ExtentSizeBytes), vg.Name, .. devs]);
    }

    private void AddLv(LogicalVolume lv)
    {
        if (lv.Hidden)
        {
            return;
        }

        if (!_g.Vgs.ContainsKey(lv.VgName) || !_steps.Any(s => s.Provides.Contains("vg:" + lv.VgName)))
        {
            return;
        }

        if (StorageGraph.IsUnrecreatable(lv))
        {
            _plan.Warnings.Add($"Snapshot {lv.VgName}/{lv.Name} is not recreated (its origin is, with the data).");
            return;
        }

        var size = _lvSize.GetValueOrDefault(lv.Id, lv.SizeBytes);
        var args = new List<string> { "lvcreate", "--yes", "--name", lv.Name };
        var requires = new List<string> { "vg:" + lv.VgName };
        string what;
        switch (lv.SegmentType)
        {
            case "thin-pool":
                args.AddRange(["--type", "thin-pool", "--size", B(size)]);
                if (lv.ChunkSizeBytes is { } ch && ch > 0)
                {
                    args.AddRange(["--chunksize", K(ch)]);
                }

                if (lv.MetadataSizeBytes is { } md && md > 0)
                {
                    args.AddRange(["--poolmetadatasize", B(md)]);
                }

                args.Add(lv.VgName);
                what = $"thin pool of {Bytes.Format(size)}";
                break;
            case "thin":
                if (lv.PoolLv is null)
                {
                    _plan.Warnings.Add($"Thin volume {lv.VgName}/{lv.Name} names no pool; it is not recreated.");
                    return;
                }

                args.AddRange(["--type", "thin", "--virtualsize", B(lv.SizeBytes), "--thinpool", lv.PoolLv, lv.VgName]);
                requires.Add($"lv:{lv.VgName}/{lv.PoolLv}");
                what = $"thin volume of {Bytes.Format(lv.SizeBytes)} (virtual) in pool {lv.PoolLv}";
                break;
            case "raid1" or "mirror":
                args.AddRange(["--type", "raid1", "--mirrors", (StorageGraph.LvCopies(lv) - 1).ToString(Inv), "--size", B(size), lv.VgName]);
                what = $"RAID1 volume of {Bytes.Format(size)}";
                break;
            case "striped" when lv.Stripes is > 1:
                args.AddRange(["--stripes", lv.Stripes.Value.ToString(Inv)]);
                if (lv.StripeSizeBytes is { } st && st > 0)
                {
                    args.AddRange(["--stripesize", K(st)]);
                }

                args.AddRange(["--size", B(size), lv.VgName]);
                what = $"striped volume of {Bytes.Format(size)}";
                break;
            default:
                if (lv.SegmentType is not ("linear" or "striped" or ""))
                {
                    _plan.Warnings.Add($"{lv.VgName}/{lv.Name} was {lv.SegmentType}; it is recreated as a linear volume.");
                }

                args.AddRange(["--size", B(size), lv.VgName]);
                what = $"volume of {Bytes.Format(size)}";
                break;
        }

        // Same place as before when nothing was resized and the VG spans several PVs.
        if (lv.SegmentType is "linear" or "striped" && !_resized.Contains(lv.Id) && _g.Vgs[lv.VgName].PhysicalVolumeIds.Count > 1)
        {
            var pvDevs = lv.PhysicalVolumeIds.Select(id => _g.Pvs.TryGetValue(id, out var pv) ? pv.DeviceId : id)
                .Select(id => _path.GetValueOrDefault(id)).ToList();
            if (pvDevs.Count > 0 && pvDevs.All(p => p is not null))
            {
                args.AddRange(pvDevs!);
            }
        }

        Step(StepKinds.LvCreate, lv.Id, $"Create {_path[lv.Id]}: {what}" + (size != lv.SizeBytes && lv.SegmentType != "thin" ? $" (was {Bytes.Format(lv.SizeBytes)})" : ""),
            false, [_path[lv.Id]], requires, [lv.Id], args);
    }

    /// <summary>
    /// vgcreate and lvcreate cannot be told a UUID. So once the VG's volumes exist: deactivate them, write the VG's metadata
    /// to a file (vgcfgbackup), put the original VG and LV UUIDs in it (sed; grep checks each one landed), write it back
    /// (vgcfgrestore; --force with thin pools: the pool's own metadata is the one LVM just made, so it still matches) and
    /// activate the VG again.
    /// </summary>
    private void AddLvmIds(VolumeGroup vg)
    {
        var made = _steps.Where(s => s.Kind == StepKinds.LvCreate && s.Provides.Any(p => p.StartsWith($"lv:{vg.Name}/", StringComparison.Ordinal))).ToList();
        var lvs = _g.Layout.Lvm.LogicalVolumes.Where(l => l.VgName == vg.Name && l.Uuid.Length > 0 && (l.Hidden || made.Any(s => s.Provides.Contains(l.Id)))).ToList();
        if (vg.Uuid.Length == 0 || !_steps.Any(s => s.Provides.Contains("vg:" + vg.Name)))
        {
            return;
        }

        var file = $"/run/mkcdrec/lvm-{vg.Name}.vg";
        var sed = new List<string> { "sed", "-i", "-e", $"/^{Bre(vg.Name)} {{/,/^}}/s/^\\tid = \"[^\"]*\"/\\tid = \"{vg.Uuid}\"/" };
        foreach (var lv in lvs)
        {
            sed.AddRange(["-e", $"/^\\tlogical_volumes {{/,/^\\t}}/{{/^\\t\\t{Bre(lv.Name)} {{/,/^\\t\\t}}/s/^\\t\\t\\tid = \"[^\"]*\"/\\t\\t\\tid = \"{lv.Uuid}\"/}}"]);
        }

        sed.Add(file);
        var cmds = new List<IEnumerable<string>>
        {
            new[] { "mkdir", "-p", "/run/mkcdrec" },
            new[] { "vgchange", "--activate", "n", vg.Name },
            new[] { "vgcfgbackup", "--file", file, vg.Name },
            sed,
        };

        // Hidden volumes (pool metadata, spares, raid images) are named by LVM; their UUIDs are set when the names match.
        cmds.AddRange(lvs.Where(l => !l.Hidden).Select(l => l.Uuid).Prepend(vg.Uuid).Select(u => (IEnumerable<string>)new[] { "grep", "-q", "-F", $"id = \"{u}\"", file }));
        var thin = lvs.Any(l => l.SegmentType == "thin-pool");
        cmds.Add(thin ? ["vgcfgrestore", "--force", "--file", file, vg.Name] : ["vgcfgrestore", "--file", file, vg.Name]);
        cmds.Add(["vgchange", "--activate", "y", vg.Name]);
        cmds.Add(["udevadm", "settle"]);
        _lvmIdVgs.Add(vg.Name);
        Step(StepKinds.LvmIds, "vg:" + vg.Name, $"Give volume group {vg.Name} and its {lvs.Count(l => !l.Hidden)} logical volume(s) their original UUIDs (vgcfgbackup, edit, vgcfgrestore{(thin ? " --force: thin pool" : "")})",
            false, [.. lvs.Where(l => !l.Hidden).Select(l => _path[l.Id])], ["vg:" + vg.Name, .. made.SelectMany(s => s.Provides)], ["lvm-ids:" + vg.Name], [.. cmds]);
    }

    /// <summary>A name as a literal in a sed basic regular expression.</summary>
    private static string Bre(string name) => name.Replace(".", "\\.", StringComparison.Ordinal).Replace("[", "\\[", StringComparison.Ordinal).Replace("*", "\\*", StringComparison.Ordinal);

    private readonly HashSet<string> _lvmIdVgs = new(StringComparer.Ordinal);

    // ---------------------------------------------------------------- filesystems

    private List<string> FsDevices(Filesystem f)
    {
        var ids = f.Btrfs is { Devices.Count: > 0 } b ? b.Devices.OrderBy(x => x.DevId).Select(x => x.DeviceId).ToList() : f.DeviceIds;
        return ids.Count > 0 ? ids : f.DeviceIds;
    }

    private void AddFilesystem(Filesystem f)
    {
        var ids = FsDevices(f);
        if (ids.Count == 0 || !ids.All(Present))
        {
            if (ids.Any(Present))
            {
                throw new MkcdrecException(ExitCode.Refused,
                    $"Filesystem {f.Type} {f.Uuid} would miss some of its devices; it cannot be recreated.",
                    "Map a disk for every disk it was on, with --map SRC=DST.");
            }

            return;
        }

        var devs = ids.Select(id => _path[id]).ToList();
        var resized = ids.Any(Resized);
        var label = f.Label is { Length: > 0 } ? f.Label : null;
        List<string> argv;
        switch (f.Type)
        {
            case FilesystemTypes.Ext2 or FilesystemTypes.Ext3 or FilesystemTypes.Ext4:
                argv = ["mkfs." + f.Type, "-F"];
                if (f.Uuid is not null)
                {
                    argv.AddRange(["-U", f.Uuid]);
                }

                if (label is not null)
                {
                    argv.AddRange(["-L", label]);
                }

                if (f.Ext is { } e)
                {
                    if (e.BlockSize > 0)
                    {
                        argv.AddRange(["-b", e.BlockSize.ToString(Inv)]);
                    }

                    if (e.InodeSize > 0)
                    {
                        argv.AddRange(["-I", e.InodeSize.ToString(Inv)]);
                    }

                    if (e.InodeCount > 0 && e.BlockCount > 0)
                    {
                        if (resized)
                        {
                            argv.AddRange(["-i", (e.BlockCount * e.BlockSize / e.InodeCount).ToString(Inv)]);
                        }
                        else
                        {
                            argv.AddRange(["-N", e.InodeCount.ToString(Inv)]);
                        }
                    }

                    if (e.BlockCount > 0)
                    {
                        argv.AddRange(["-m", Math.Round(e.ReservedBlockCount * 100.0 / e.BlockCount, 2).ToString("0.##", Inv)]);
                    }

                    var features = e.Features.Where(x => !ExtRuntimeFeatures.Contains(x)).ToList();
                    if (features.Count > 0)
                    {
                        argv.AddRange(["-O", "none," + string.Join(',', features)]);
                    }

                    if (e.HashSeed is { Length: > 0 })
                    {
                        argv.AddRange(["-E", "hash_seed=" + e.HashSeed]);
                    }
                }

                break;
            case FilesystemTypes.Xfs:
                argv = ["mkfs.xfs", "-f"];
                var meta = new List<string>();
                if (f.Uuid is not null)
                {
                    meta.Add("uuid=" + f.Uuid);
                }

                if (f.Xfs is { } x)
                {
                    meta.Add("crc=" + (x.Crc ? "1" : "0"));
                    if (x.Crc)
                    {
                        meta.Add("finobt=" + (x.Finobt ? "1" : "0"));
                        meta.Add("reflink=" + (x.Reflink ? "1" : "0"));
                        meta.Add("rmapbt=" + (x.Rmapbt ? "1" : "0"));
                        meta.Add("bigtime=" + (x.Bigtime ? "1" : "0"));
                    }
                }

                if (meta.Count > 0)
                {
                    argv.AddRange(["-m", string.Join(',', meta)]);
                }

                if (label is not null)
                {
                    argv.AddRange(["-L", label]);
                }

                if (f.Xfs is { } xp)
                {
                    if (xp.BlockSize > 0)
                    {
                        argv.AddRange(["-b", "size=" + xp.BlockSize.ToString(Inv)]);
                    }

                    if (xp.InodeSize > 0)
                    {
                        argv.AddRange(["-i", "size=" + xp.InodeSize.ToString(Inv)]);
                    }

                    if (xp.SectorSize > 0)
                    {
                        argv.AddRange(["-s", "size=" + xp.SectorSize.ToString(Inv)]);
                    }

                    var data = new List<string>();
                    if (!resized && xp.AgCount > 0)
                    {
                        data.Add("agcount=" + xp.AgCount.ToString(Inv));
                    }

                    if (xp.StripeUnitBlocks is > 0 && xp.StripeWidthBlocks is > 0)
                    {
                        data.Add("sunit=" + ((long)xp.StripeUnitBlocks.Value * xp.BlockSize / 512).ToString(Inv));
                        data.Add("swidth=" + ((long)xp.StripeWidthBlocks.Value * xp.BlockSize / 512).ToString(Inv));
                    }

                    if (data.Count > 0)
                    {
                        argv.AddRange(["-d", string.Join(',', data)]);
                    }

                    if (!resized && xp.InternalLog && xp.LogBlocks > 0 && xp.BlockSize > 0)
                    {
                        argv.AddRange(["-l", "size=" + (xp.LogBlocks * xp.BlockSize).ToString(Inv)]);
                    }
                }

                break;
            case FilesystemTypes.Btrfs:
                argv = ["mkfs.btrfs", "-f"];
                if (f.Uuid is not null)
                {
                    argv.AddRange(["-U", f.Uuid]);
                }

                if (label is not null)
                {
                    argv.AddRange(["-L", label]);
                }

                if (f.Btrfs is { } bt)
                {
                    if (bt.DataProfile is { Length: > 0 })
                    {
                        argv.AddRange(["-d", bt.DataProfile]);
                    }

                    if (bt.MetadataProfile is { Length: > 0 })
                    {
                        argv.AddRange(["-m", bt.MetadataProfile]);
                    }

                    if (bt.NodeSize is > 0)
                    {
                        argv.AddRange(["-n", bt.NodeSize.Value.ToString(Inv)]);
                    }

                    if (bt.SectorSize is > 0)
                    {
                        argv.AddRange(["-s", bt.SectorSize.Value.ToString(Inv)]);
                    }
                }

                break;
            case FilesystemTypes.Vfat:
                argv = ["mkfs.vfat"];
                if (f.Vfat?.FatSize is { Length: > 0 } fat && new string(fat.Where(char.IsAsciiDigit).ToArray()) is { Length: > 0 } bits)
                {
                    argv.AddRange(["-F", bits]);
                }

                if (f.Uuid is not null)
                {
                    argv.AddRange(["-i", f.Uuid.Replace("-", "", StringComparison.Ordinal)]);
                }

                if (label is not null)
                {
                    argv.AddRange(["-n", label]);
                }

                break;
            case FilesystemTypes.Swap:
                argv = ["mkswap"];
                if (f.Uuid is not null)
                {
                    argv.AddRange(["-U", f.Uuid]);
                }

                if (label is not null)
                {
                    argv.AddRange(["-L", label]);
                }

                argv.AddRange(devs);
                Step(StepKinds.Mkswap, f.Id, $"Make swap on {devs[0]} (UUID {f.Uuid})", true, devs, ids, [f.Id], argv);
                return;
            default:
                _plan.Warnings.Add($"Filesystem type {f.Type} ({f.Uuid}) is not recreated: mkcdrec does not know how to make it.");
                return;
        }

        argv.AddRange(devs);
        Step(StepKinds.Mkfs, f.Id, $"Make {f.Type} on {string.Join(", ", devs)} with UUID {f.Uuid}" + (label is null ? "" : $", label {label}") + (resized ? " (resized)" : ""),
            true, devs, ids, [f.Id], argv);
        if (f.Type == FilesystemTypes.Btrfs)
        {
            AddSubvolumes(f, devs);
        }
    }

    private static string TempMount(Filesystem f) => "/run/mkcdrec/btrfs/" + (f.Uuid ?? f.Id.Replace(':', '-'));

    private static string SubvolToken(Filesystem f, string path) => "subvol:" + f.Id + ":" + path.Trim('/');

    private void AddSubvolumes(Filesystem f, List<string> devs)
    {
        var b = f.Btrfs;
        if (b is null || (b.Subvolumes.Count == 0 && b.DefaultSubvolumeId is 5 or 0))
        {
            return;
        }

        var tmp = TempMount(f);
        var cmds = new List<IEnumerable<string>>();
        if (devs.Count > 1)
        {
            cmds.Add(["btrfs", "device", "scan"]);
        }

        cmds.Add(["mkdir", "-p", tmp]);
        cmds.Add(["mount", "-t", "btrfs", devs[0], tmp]);
        var ordered = b.Subvolumes.OrderBy(s => s.Path.Trim('/').Count(c => c == '/')).ThenBy(s => s.Id).ToList();
        var made = new HashSet<string>(StringComparer.Ordinal);
        foreach (var sv in ordered)
        {
            var path = sv.Path.Trim('/');
            var parent = path.Contains('/') ? path[..path.LastIndexOf('/')] : "";
            if (parent.Length > 0 && !made.Contains(parent))
            {
                cmds.Add(["mkdir", "-p", tmp + "/" + parent]);
            }

            cmds.Add(["btrfs", "subvolume", "create", tmp + "/" + path]);
            made.Add(path);
        }

        var def = b.Subvolumes.FirstOrDefault(s => s.Id == b.DefaultSubvolumeId);
        if (def is not null)
        {
            cmds.Add(["btrfs", "subvolume", "set-default", tmp + "/" + def.Path.Trim('/')]);
        }

        cmds.Add(["umount", tmp]);
        Step(StepKinds.BtrfsSubvolumes, f.Id,
            $"Create the btrfs subvolumes of {f.Label ?? f.Uuid} ({string.Join(", ", ordered.Select(s => s.Path))})" + (def is null ? "" : $"; default subvolume {def.Path}"),
            false, devs, [f.Id], ordered.Select(s => SubvolToken(f, s.Path)), [.. cmds]);

        var ro = ordered.Where(s => s.ReadOnly).ToList();
        if (ro.Count > 0)
        {
            var rc = new List<IEnumerable<string>> { new[] { "mkdir", "-p", tmp }, new[] { "mount", "-t", "btrfs", devs[0], tmp } };
            rc.AddRange(ro.Select(s => (IEnumerable<string>)new[] { "btrfs", "property", "set", "-ts", tmp + "/" + s.Path.Trim('/'), "ro", "true" }));
            rc.Add(["umount", tmp]);
            var s = Step(StepKinds.BtrfsReadOnly, f.Id, $"After the restore: make {string.Join(", ", ro.Select(s => s.Path))} read-only again", false, devs,
                ro.Select(s => SubvolToken(f, s.Path)), [], [.. rc]);
            s.Phase = StepPhases.AfterRestore;
        }
    }

    // ---------------------------------------------------------------- mounts

    private void AddMounts()
    {
        var made = _steps.SelectMany(s => s.Provides).ToHashSet(StringComparer.Ordinal);
        var mounts = _g.Layout.Mounts
            .Where(m => made.Contains(m.FilesystemId) && !_g.IsSwap(m.FilesystemId) && m.Target.StartsWith('/'))
            .GroupBy(m => m.Target).Select(grp => grp.First())
            .OrderBy(m => m.Target == "/" ? 0 : 1).ThenBy(m => m.Target.Trim('/').Count(c => c == '/')).ThenBy(m => m.Target, StringComparer.Ordinal)
            .ToList();
        var root = _o.TargetRoot.TrimEnd('/');
        foreach (var m in mounts)
        {
            var f = _g.Fs[m.FilesystemId];
            var dev = _path[FsDevices(f)[0]];
            var dir = m.Target == "/" ? (root.Length == 0 ? "/" : root) : root + m.Target;
            var req = new List<string> { f.Id };
            var parent = mounts.Where(p => p != m && (p.Target == "/" || m.Target.StartsWith(p.Target.TrimEnd('/') + "/", StringComparison.Ordinal)))
                .OrderByDescending(p => p.Target.Length).FirstOrDefault();
            if (parent is not null)
            {
                req.Add("mount:" + parent.Target);
            }

            var mount = new List<string> { "mount", "-t", f.Type == FilesystemTypes.Vfat ? "vfat" : f.Type };
            var sv = m.Subvolume?.Trim('/');
            if (f.Type == FilesystemTypes.Btrfs && sv is { Length: > 0 })
            {
                mount.AddRange(["-o", "subvol=/" + sv]);
                if (f.Btrfs?.Subvolumes.Any(s => s.Path.Trim('/') == sv) == true)
                {
                    req.Add(SubvolToken(f, sv));
                }
            }
            else if (f.Type == FilesystemTypes.Btrfs && m.Subvolume is not null && f.Btrfs is { DefaultSubvolumeId: not 5 })
            {
                // The top level was mounted, but the recreated filesystem's default subvolume is another one: name it.
                mount.AddRange(["-o", "subvol=/"]);
            }
            else if (f.Type == FilesystemTypes.Vfat && Planner.VfatMetadataOptions(m.Options) is { Length: > 0 } vfatOptions)
            {
                // FAT stores no owner or mode bits: the mount options make them. Mounted as on the source, the restored
                // files show the owner and modes the backup recorded (an ESP is often mounted with umask=0077).
                mount.AddRange(["-o", vfatOptions]);
            }

            mount.AddRange([dev, dir]);
            var cmds = new List<IEnumerable<string>>();
            if (f.Type == FilesystemTypes.Btrfs && FsDevices(f).Count > 1)
            {
                cmds.Add(["btrfs", "device", "scan"]);
            }

            cmds.Add(["mkdir", "-p", dir]);
            cmds.Add(mount);
            Step(StepKinds.Mount, m.Target, $"Mount {dev}{(sv is { Length: > 0 } ? $" (subvolume {sv})" : "")} on {dir} (was {m.Target})", false, [dev], req, ["mount:" + m.Target], [.. cmds]);
        }
    }

    // ---------------------------------------------------------------- order

    /// <summary>Topological order: repeatedly the first ready step of the earliest kind (stable within a kind).</summary>
    private static List<PlanStep> Order(List<PlanStep> steps)
    {
        var pending = steps.Select((s, i) => (Step: s, Index: i, Rank: Array.IndexOf(KindOrder, s.Kind))).ToList();
        var have = new HashSet<string>(StringComparer.Ordinal);
        var result = new List<PlanStep>();
        var producible = steps.SelectMany(s => s.Provides).ToHashSet(StringComparer.Ordinal);
        while (pending.Count > 0)
        {
            var next = pending.Where(p => p.Step.Requires.All(have.Contains))
                .OrderBy(p => p.Step.Phase == StepPhases.AfterRestore ? 1 : 0).ThenBy(p => p.Rank).ThenBy(p => p.Index).FirstOrDefault();
            if (next.Step is null)
            {
                var stuck = pending.Select(p => $"{p.Step.Id} needs {string.Join(", ", p.Step.Requires.Where(r => !have.Contains(r)))}");
                var unmade = pending.SelectMany(p => p.Step.Requires).Where(r => !producible.Contains(r)).Distinct().ToList();
                throw new MkcdrecException(ExitCode.Refused,
                    "The layout's devices cannot be put in an order that builds each one on what it needs: " + string.Join("; ", stuck) + "."
                    + (unmade.Count > 0 ? $" Nothing makes: {string.Join(", ", unmade)}." : ""),
                    "The layout may be incomplete (a disk not captured or not mapped); check it with 'mkcdrec layout show FILE'.");
            }

            pending.Remove(next);
            result.Add(next.Step);
            have.UnionWith(next.Step.Provides);
        }

        return result;
    }
}
