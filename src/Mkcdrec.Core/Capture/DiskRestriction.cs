using Mkcdrec.Core.Storage;

namespace Mkcdrec.Core.Capture;

/// <summary>--disk: keeps the selected disks and everything stacked on them; warns about stacks that reach other disks.</summary>
public static class DiskRestriction
{
    public static void Apply(CaptureContext context)
    {
        var doc = context.Document;
        var stacked = context.Technologies.SelectMany(t => t.DescribeDevices(doc)).ToList();
        var ids = StackedIds(context, stacked);
        foreach (var device in stacked.Where(s => ids.Contains(s.Id)))
        {
            var outside = device.Below.Concat(device.AlsoOn).Where(b => !ids.Contains(b)).ToList();
            if (outside.Count > 0)
            {
                context.Note(device.Name, $"is also built on {string.Join(", ", outside)}, on disks not selected with --disk: recreating it whole needs them too.");
            }
        }

        foreach (var technology in context.Technologies)
        {
            technology.KeepOnly(doc, ids);
        }

        doc.Unsupported.RemoveAll(u => context.KernelNameOf(u.Device) is { } k && !IsStackedOn(context, k));
    }

    /// <summary>The ids of the captured disks and partitions and of everything built on them, up to the filesystems.</summary>
    private static HashSet<string> StackedIds(CaptureContext context, List<StackedDevice> stacked)
    {
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var d in context.Document.Disks)
        {
            ids.Add(d.Id);
            foreach (var p in d.Partitions)
            {
                ids.Add(p.Id);
            }
        }

        bool changed;
        do
        {
            changed = false;
            foreach (var device in stacked.Where(s => !ids.Contains(s.Id) && s.Below.Concat(s.AlsoOn).Any(ids.Contains)))
            {
                changed |= ids.Add(device.Id);
            }
        }
        while (changed);

        return ids;
    }

    /// <summary>Whether a kernel device is one of the selected disks, a partition of one, or built on them (sysfs slaves).</summary>
    private static bool IsStackedOn(CaptureContext context, string kernelName)
    {
        var diskNames = context.SelectedDisks;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var stack = new Stack<string>([kernelName]);
        while (stack.Count > 0)
        {
            var n = stack.Pop();
            if (!seen.Add(n) || !context.Devices.TryGetValue(n, out var d))
            {
                continue;
            }

            if (diskNames.Contains(n) || (d.Parent is not null && diskNames.Contains(d.Parent)))
            {
                return true;
            }

            foreach (var s in d.Slaves)
            {
                stack.Push(s);
            }
        }

        return false;
    }
}
