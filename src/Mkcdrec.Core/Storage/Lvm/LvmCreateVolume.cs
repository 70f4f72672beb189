using System.Globalization;
using Mkcdrec.Model.Layout;
using Mkcdrec.Model.Plan;
using static Mkcdrec.Core.Storage.PlanTokens;

namespace Mkcdrec.Core.Storage.Lvm;

public sealed partial class LvmTechnology
{
    private static void AddLogicalVolume(PlanContext context, LogicalVolume lv)
    {
        if (lv.Hidden || LvmNeeds.Group(context.Layout, lv.VgName) is not { } vg || !context.IsProvided("vg:" + lv.VgName))
        {
            return;
        }

        if (LvmNeeds.IsUnrecreatable(lv))
        {
            context.Warn($"Snapshot {lv.VgName}/{lv.Name} is not recreated (its origin is, with the data).");
            return;
        }

        var size = context.PlannedOwnSizes.GetValueOrDefault(lv.Id, lv.SizeBytes);
        var args = new List<string> { "lvcreate", "--yes", "--name", lv.Name };
        var requires = new List<string> { "vg:" + lv.VgName };
        var what = AddTypeArguments(context, lv, size, args, requires);
        if (what is null)
        {
            return;
        }

        // Same place as before when nothing was resized and the VG spans several PVs.
        if (lv.SegmentType is "linear" or "striped" && !context.ResizedIds.Contains(lv.Id) && vg.PhysicalVolumeIds.Count > 1)
        {
            var pvDevices = lv.PhysicalVolumeIds.Select(id => LvmNeeds.Pv(context.Layout, id)?.DeviceId ?? id)
                .Select(id => context.Paths.GetValueOrDefault(id)).ToList();
            if (pvDevices.Count > 0 && pvDevices.All(p => p is not null))
            {
                args.AddRange(pvDevices!);
            }
        }

        var path = context.Paths[lv.Id];
        context.AddStep(StepKinds.LvCreate, lv.Id, $"Create {path}: {what}" + (size != lv.SizeBytes && lv.SegmentType != "thin" ? $" (was {Bytes.Format(lv.SizeBytes)})" : ""),
            false, [path], requires, [lv.Id], args);
    }

    /// <summary>Adds the lvcreate arguments of the volume's type; returns what it makes in words, or null when it is not recreated.</summary>
    private static string? AddTypeArguments(PlanContext context, LogicalVolume lv, long size, List<string> args, List<string> requires)
    {
        switch (lv.SegmentType)
        {
            case "thin-pool":
                args.AddRange(["--type", "thin-pool", "--size", SizeInBytes(size)]);
                if (lv.ChunkSizeBytes is { } chunk && chunk > 0)
                {
                    args.AddRange(["--chunksize", SizeInKibibytes(chunk)]);
                }

                if (lv.MetadataSizeBytes is { } metadata && metadata > 0)
                {
                    args.AddRange(["--poolmetadatasize", SizeInBytes(metadata)]);
                }

                args.Add(lv.VgName);
                return $"thin pool of {Bytes.Format(size)}";
            case "thin":
                if (lv.PoolLv is null)
                {
                    context.Warn($"Thin volume {lv.VgName}/{lv.Name} names no pool; it is not recreated.");
                    return null;
                }

                args.AddRange(["--type", "thin", "--virtualsize", SizeInBytes(lv.SizeBytes), "--thinpool", lv.PoolLv, lv.VgName]);
                requires.Add($"lv:{lv.VgName}/{lv.PoolLv}");
                return $"thin volume of {Bytes.Format(lv.SizeBytes)} (virtual) in pool {lv.PoolLv}";
            case "raid1" or "mirror":
                args.AddRange(["--type", "raid1", "--mirrors", (LvmNeeds.LvCopies(lv) - 1).ToString(CultureInfo.InvariantCulture), "--size", SizeInBytes(size), lv.VgName]);
                return $"RAID1 volume of {Bytes.Format(size)}";
            case "striped" when lv.Stripes is > 1:
                args.AddRange(["--stripes", lv.Stripes.Value.ToString(CultureInfo.InvariantCulture)]);
                if (lv.StripeSizeBytes is { } stripe && stripe > 0)
                {
                    args.AddRange(["--stripesize", SizeInKibibytes(stripe)]);
                }

                args.AddRange(["--size", SizeInBytes(size), lv.VgName]);
                return $"striped volume of {Bytes.Format(size)}";
            default:
                if (lv.SegmentType is not ("linear" or "striped" or ""))
                {
                    context.Warn($"{lv.VgName}/{lv.Name} was {lv.SegmentType}; it is recreated as a linear volume.");
                }

                args.AddRange(["--size", SizeInBytes(size), lv.VgName]);
                return $"volume of {Bytes.Format(size)}";
        }
    }
}
