using System.Globalization;
using Mkcdrec.Core.Registry;
using Mkcdrec.Core.Storage;
using Mkcdrec.Model.Layout;
using Mkcdrec.Model.Plan;

namespace Mkcdrec.Core.Planning;

/// <summary>
/// Which identifiers a plan recreates with their original value, and which of them a device of this machine that the plan
/// does not overwrite already has (say the original disk, still attached while its clone is made on another).
/// </summary>
public static class IdentifierConflicts
{
    /// <summary>An identifier the plan makes: its kind (<see cref="IdentifierKinds"/>), value, the layout id it belongs to, and where.</summary>
    public sealed record Planned(string Kind, string Value, string LayoutId, string MadeOn);

    /// <summary>The present identifiers that clash with planned ones, except on devices wholly on the plan's target disks (those are wiped).</summary>
    public static List<IdentifierConflict> Find(RecoveryPlan plan, LayoutDocument layout, IReadOnlyList<PresentIdentifier> present)
    {
        var targets = plan.Mappings.Select(m => m.TargetPath).OfType<string>().ToHashSet(StringComparer.Ordinal);
        var planned = PlannedBy(plan, layout);
        return [.. from p in present
                   where p.Disks.Count == 0 || !p.Disks.All(targets.Contains)
                   from m in planned
                   where m.Kind == p.Kind && (IdentifierKinds.IsUuidLike(m.Kind) ? IdProbeContext.SameUuid(m.Value, p.Value) : m.Value == p.Value)
                   select new IdentifierConflict
                   {
                       Device = p.Device, Disks = [.. p.Disks], Kind = p.Kind, Value = p.Value, Type = p.Type, LayoutId = m.LayoutId, MadeOn = m.MadeOn,
                   }];
    }

    /// <summary>
    /// What the plan's steps recreate with the layout's value: filesystem/swap, LUKS, md and LVM PV UUIDs (mkfs -U,
    /// luksFormat --uuid, mdadm --uuid, pvcreate --uuid), and the partition tables' disk and partition ids (our writer).
    /// VG and LV UUIDs are left out: blkid does not show them.
    /// </summary>
    public static List<Planned> PlannedBy(RecoveryPlan plan, LayoutDocument layout)
    {
        var madeOn = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var s in plan.Steps)
        {
            foreach (var id in s.Provides)
            {
                madeOn.TryAdd(id, string.Join(", ", s.Devices));
            }
        }

        IEnumerable<(string Id, string? Uuid)> uuids =
        [
            .. layout.Filesystems.Select(f => (f.Id, f.Uuid)), .. layout.Luks.Select(l => (l.Id, l.Uuid)),
            .. layout.MdArrays.Select(m => (m.Id, m.Uuid)), .. layout.Lvm.PhysicalVolumes.Select(p => (p.Id, p.Uuid)),
        ];
        // --new-identifiers: the steps make the renewed value, not the layout's.
        var planned = uuids.Where(u => u.Uuid is { Length: > 0 } && madeOn.ContainsKey(u.Id))
            .Select(u => new Planned(IdentifierKinds.Uuid, plan.RenewedValue(u.Id) ?? u.Uuid!, u.Id, madeOn[u.Id])).ToList();
        foreach (var t in plan.Steps.Select(s => s.PartitionTable).OfType<PartitionTableSpec>())
        {
            planned.AddRange(TableIds(t));
        }

        // Names that must be unique on a machine (volume groups): --new-identifiers keeps them, so they clash with it too.
        planned.AddRange(from t in Technologies.Storage
                         from n in t.UniqueNames(layout)
                         where madeOn.ContainsKey(n.LayoutId)
                         select new Planned(n.Kind, n.Value, n.LayoutId, madeOn[n.LayoutId]));
        return planned;
    }

    /// <summary>GPT: the disk GUID and each partition's GUID; MBR: the disk signature, and SIGNATURE-NN for each partition (as blkid spells them).</summary>
    private static IEnumerable<Planned> TableIds(PartitionTableSpec t)
    {
        var sig = t.MbrDiskId?.ToLowerInvariant();
        if (t.DiskGuid is { } g)
        {
            yield return new Planned(IdentifierKinds.PtUuid, g.ToString(), "partition table of " + t.Device, t.Device);
        }
        else if (sig is { Length: > 0 } && sig.Trim('0').Length > 0)
        {
            yield return new Planned(IdentifierKinds.PtUuid, sig, "partition table of " + t.Device, t.Device);
        }

        foreach (var p in t.Partitions)
        {
            var value = p.PartUuid?.ToString()
                ?? (t.DiskGuid is null && sig is { Length: > 0 } && sig.Trim('0').Length > 0 ? sig + "-" + p.Number.ToString("x2", CultureInfo.InvariantCulture) : null);
            if (value is not null)
            {
                yield return new Planned(IdentifierKinds.PartUuid, value, p.SourceId, p.Path);
            }
        }
    }
}
