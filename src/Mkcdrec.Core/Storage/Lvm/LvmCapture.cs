using Mkcdrec.Core.Platform;
using Mkcdrec.Model.Layout;
using static Mkcdrec.Core.Storage.Lvm.LvmReportParser;

namespace Mkcdrec.Core.Storage.Lvm;

/// <summary>Capture: LVM physical volumes, volume groups and logical volumes (thin pools too), from lvm's JSON reports.</summary>
public sealed partial class LvmTechnology
{
    public void Capture(CaptureContext context)
    {
        if (!context.Probes.Values.Any(p => p.GetValueOrDefault("TYPE") == "LVM2_member"))
        {
            return;
        }

        if (!context.Run.CanRun("lvm"))
        {
            context.Note("lvm", "LVM physical volumes exist but the 'lvm' program is missing; install lvm2 and capture again.");
            return;
        }

        CapturePhysicalVolumes(context);
        CaptureVolumeGroups(context);
        CaptureLogicalVolumes(context);
    }

    private static string Report(CaptureContext context, string cmd, string fields, params string[] extra) => context.Run.RunChecked(new ProcessRequest("lvm",
        [cmd, "--reportformat", "json", "--units", "b", "--nosuffix", .. extra, "-o", fields])).StandardOutput;

    private static void CapturePhysicalVolumes(CaptureContext context)
    {
        foreach (var row in Parse(Report(context, "pvs", "pv_name,pv_uuid,vg_name,pv_size,pe_start"), "pv"))
        {
            var kn = context.KernelNameOf(row["pv_name"]);
            var pv = new PhysicalVolume
            {
                Id = "pv:" + row["pv_uuid"],
                DeviceId = (kn is null ? null : context.IdOf.GetValueOrDefault(kn)) ?? "dev:" + row["pv_name"],
                Uuid = row["pv_uuid"],
                VgName = NullIfEmpty(row.GetValueOrDefault("vg_name")),
                SizeBytes = BytesOrZero(row.GetValueOrDefault("pv_size")),
                PeStartBytes = BytesOrZero(row.GetValueOrDefault("pe_start")),
            };
            context.Document.Lvm.PhysicalVolumes.Add(pv);
            if (kn is not null)
            {
                context.SetUsedBy(kn, pv.Id);
            }
        }
    }

    private static void CaptureVolumeGroups(CaptureContext context)
    {
        var lvm = context.Document.Lvm;
        foreach (var row in Parse(Report(context, "vgs", "vg_name,vg_uuid,vg_extent_size,vg_size,vg_free"), "vg"))
        {
            var name = row["vg_name"];
            lvm.VolumeGroups.Add(new VolumeGroup
            {
                Id = "vg:" + name,
                Name = name,
                Uuid = row["vg_uuid"],
                ExtentSizeBytes = BytesOrZero(row.GetValueOrDefault("vg_extent_size")),
                SizeBytes = BytesOrZero(row.GetValueOrDefault("vg_size")),
                FreeBytes = BytesOrZero(row.GetValueOrDefault("vg_free")),
                PhysicalVolumeIds = lvm.PhysicalVolumes.Where(p => p.VgName == name).Select(p => p.Id).ToList(),
            });
        }
    }

    private static void CaptureLogicalVolumes(CaptureContext context)
    {
        // One row per segment (segment fields are asked): merge rows of the same LV.
        var lvRows = Parse(Report(context, "lvs", "vg_name,lv_name,lv_uuid,lv_size,segtype,stripes,stripe_size,pool_lv,chunk_size,lv_metadata_size,lv_attr,lv_path,lv_dm_path,devices", "-a"), "lv");
        foreach (var group in lvRows.GroupBy(r => r["lv_uuid"]))
        {
            var row = group.First();
            var lv = NewLogicalVolume(row);
            if (group.Count() > 1)
            {
                lv.SegmentType = string.Join(',', group.Select(r => r.GetValueOrDefault("segtype")).Distinct());
            }

            AddPhysicalVolumes(context, lv, group);
            var dmPath = NullIfEmpty(row.GetValueOrDefault("lv_dm_path"));
            if (dmPath is not null && context.KernelNameOf(dmPath) is { } dmKn)
            {
                lv.DmName = context.ReadTrim($"/sys/block/{dmKn}/dm/name");
                context.IdOf[dmKn] = lv.Id;
            }

            context.Document.Lvm.LogicalVolumes.Add(lv);
        }
    }

    private static LogicalVolume NewLogicalVolume(Dictionary<string, string> row)
    {
        var name = row["lv_name"];
        var hidden = name.StartsWith('[');
        name = name.Trim('[', ']');
        var vg = row["vg_name"];
        return new LogicalVolume
        {
            Id = $"lv:{vg}/{name}",
            VgName = vg,
            Name = name,
            Uuid = row["lv_uuid"],
            SizeBytes = BytesOrZero(row.GetValueOrDefault("lv_size")),
            SegmentType = row.GetValueOrDefault("segtype") ?? "",
            Stripes = int.TryParse(row.GetValueOrDefault("stripes"), out var st) && st > 1 ? st : null,
            StripeSizeBytes = BytesOrZero(row.GetValueOrDefault("stripe_size")) is var ss && ss > 0 ? ss : null,
            PoolLv = NullIfEmpty(row.GetValueOrDefault("pool_lv"))?.Trim('[', ']'),
            ChunkSizeBytes = BytesOrZero(row.GetValueOrDefault("chunk_size")) is var cs && cs > 0 ? cs : null,
            MetadataSizeBytes = BytesOrZero(row.GetValueOrDefault("lv_metadata_size")) is var ms && ms > 0 ? ms : null,
            Attributes = NullIfEmpty(row.GetValueOrDefault("lv_attr")),
            Hidden = hidden,
            Path = NullIfEmpty(row.GetValueOrDefault("lv_path")),
        };
    }

    /// <summary>The PVs the LV's segments lie on ("devices": "/dev/md0(0),/dev/vdc1(512)").</summary>
    private static void AddPhysicalVolumes(CaptureContext context, LogicalVolume lv, IEnumerable<Dictionary<string, string>> segments)
    {
        foreach (var r in segments)
        {
            foreach (var dev in (r.GetValueOrDefault("devices") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries))
            {
                var path = dev.Contains('(') ? dev[..dev.IndexOf('(')] : dev;
                var pv = context.Document.Lvm.PhysicalVolumes.FirstOrDefault(p => context.KernelNameOf(path) is { } k && context.IdOf.GetValueOrDefault(k) == p.DeviceId);
                if (pv is not null && !lv.PhysicalVolumeIds.Contains(pv.Id))
                {
                    lv.PhysicalVolumeIds.Add(pv.Id);
                }
            }
        }
    }
}
