using System.Globalization;
using Mkcdrec.Core.Storage;
using Mkcdrec.Model.Layout;
using Mkcdrec.Model.Plan;

namespace Mkcdrec.Core.Storage.Md;

public sealed partial class MdTechnology
{
    public void PrepareDevices(PlanContext context)
    {
        foreach (var array in context.Layout.MdArrays)
        {
            context.Paths[array.Id] = "/dev/md/" + ShortName(array);
        }
    }

    public void AddSteps(PlanContext context)
    {
        foreach (var array in context.Layout.MdArrays)
        {
            AddArray(context, array);
        }
    }

    /// <summary>The array's name without the host part ("host:root" → "root"), else its kernel name, else one made of its UUID.</summary>
    private static string ShortName(MdArray array)
    {
        var name = array.Name is { Length: > 0 } full ? full[(full.LastIndexOf(':') + 1)..] : "";
        return name.Length > 0 ? name : array.KernelName.Length > 0 ? array.KernelName : "md-" + array.Uuid.Replace(":", "", StringComparison.Ordinal);
    }

    private static void AddArray(PlanContext context, MdArray array)
    {
        var slots = MemberSlots(context, array);
        var spares = array.Members.Where(x => x.Spare && context.IsPresent(x.DeviceId)).ToList();
        var missing = slots.Count(s => s is null);
        if (missing > MdGeometry.Redundancy(array) || missing == slots.Length)
        {
            if (array.Members.All(x => !context.IsPresent(x.DeviceId)))
            {
                return; // nothing of it was mapped (the whole array is left out)
            }

            throw new MkcdrecException(ExitCode.Refused,
                $"RAID {array.Path} ({array.Level}) would miss {missing} of {slots.Length} members; it cannot be created with so few.",
                "Map a disk for each missing member with --map SRC=DST.");
        }

        var path = context.Paths[array.Id];
        var args = CreateArguments(array, path, slots.Length, spares.Count);
        args.AddRange(slots.Select(s => s is null ? "missing" : context.Paths[s]));
        args.AddRange(spares.Select(x => context.Paths[x.DeviceId]));
        var present = slots.OfType<string>().Concat(spares.Select(x => x.DeviceId)).ToList();
        // A new array over the old one's offsets shows its old contents (an LVM PV that pvcreate refuses to overwrite,
        // found after a power cut and on the machine's own disks): they are cleared before anything is made on it.
        context.AddStep(StepKinds.MdCreate, array.Id,
            $"Create RAID {array.Level} {path} (was {array.Path})" + (missing > 0 ? $", degraded: {missing} member(s) missing" : "") + ", then clear old signatures in it",
            true, present.Select(x => context.Paths[x]).Append(path), present, [array.Id], args, ["wipefs", "--all", "--force", path]);
        ReportCompletion(context, array, path, slots.Length, missing);
    }

    /// <summary>
    /// Says what became of a degraded array: completed with copies of a member's disk on unused disks
    /// (<see cref="CompleteLayout"/>), or created degraded, with the reason when it was degraded in the layout.
    /// </summary>
    private static void ReportCompletion(PlanContext context, MdArray array, string path, int raidDevices, int missing)
    {
        var copies = context.AddedDisks.Where(a => a.Disk.Partitions.Any(p => array.Members.Any(x => x.DeviceId == p.Id))).ToList();
        var placed = copies.Where(a => context.Paths.ContainsKey(a.Disk.Id)).ToList();
        var captured = array.Members.Count(x => !x.Spare) - copies.Count;
        if (placed.Count > 0)
        {
            context.Warn($"RAID {path} was degraded ({captured} of {raidDevices} members): completed with " +
                string.Join(" and ", placed.Select(a => $"a copy of {a.CopyOf.Path}'s partition table on {context.Paths[a.Disk.Id]}")) + ".");
        }

        if (missing == 0)
        {
            return;
        }

        var why = context.Options.KeepDegraded && captured < raidDevices ? " It was degraded when the layout was captured and is kept so (--keep-degraded)."
            : copies.Count > placed.Count ? " No unused disk holds a copy of " + string.Join(" and ", copies.Except(placed)
                .Select(a => $"{a.CopyOf.Path}'s partition table ({Bytes.Format(a.Disk.SizeBytes)})")) + "; add one later with mdadm --add."
            : "";
        context.Warn($"RAID {path} is created degraded ({missing} of {raidDevices} members missing).{why}");
    }

    /// <summary>The active members in their original slots; null where a member's disk was not mapped.</summary>
    private static string?[] MemberSlots(PlanContext context, MdArray array)
    {
        var active = array.Members.Where(x => !x.Spare).OrderBy(x => x.Slot ?? int.MaxValue).ToList();
        var slots = new string?[Math.Max(array.RaidDevices, active.Count)];
        foreach (var member in active)
        {
            var slot = member.Slot is { } s && s >= 0 && s < slots.Length && slots[s] is null ? s : Array.IndexOf(slots, null);
            if (slot >= 0)
            {
                slots[slot] = context.IsPresent(member.DeviceId) ? member.DeviceId : null;
            }
        }

        return slots;
    }

    private static List<string> CreateArguments(MdArray array, string path, int raidDevices, int spareCount)
    {
        var inv = CultureInfo.InvariantCulture;
        var args = new List<string> { "mdadm", "--create", path, "--run" };
        if (array.Name is { Length: > 0 })
        {
            args.Add("--name=" + array.Name);
        }

        args.Add("--uuid=" + array.Uuid);
        args.Add("--level=" + array.Level);
        if (array.Metadata.Length > 0)
        {
            args.Add("--metadata=" + array.Metadata);
        }

        args.Add("--raid-devices=" + raidDevices.ToString(inv));
        if (array.ChunkBytes is { } chunk && chunk > 0 && array.Level is not "raid1" and not "linear")
        {
            args.Add("--chunk=" + (chunk / 1024).ToString(inv) + "K");
        }

        if (array.Layout is { Length: > 0 } layout)
        {
            args.Add("--layout=" + layout);
        }

        if (array.Bitmap is "internal" or "none" && array.Level is not "raid0" and not "linear")
        {
            args.Add("--bitmap=" + array.Bitmap);
        }

        if (spareCount > 0)
        {
            args.Add("--spare-devices=" + spareCount.ToString(inv));
        }

        return args;
    }
}
