using Mkcdrec.Core.Platform;

namespace Mkcdrec.Core.Storage;

/// <summary>Finding kernel devices by path, number or layout id, probing them, and marking what uses a device.</summary>
public sealed partial class CaptureContext
{
    /// <summary>/dev/vdb, /dev/disk/by-id/…, vdb → kernel name, following links.</summary>
    public string? KernelNameOf(string path)
    {
        if (!path.Contains('/'))
        {
            return Devices.ContainsKey(path) ? path : null;
        }

        var current = path;
        for (var i = 0; i < 16; i++)
        {
            var target = Files.ReadLink(current);
            if (target is null)
            {
                break;
            }

            current = target.StartsWith('/') ? target : ResolveDots(Path.GetDirectoryName(current) + "/" + target);
        }

        var name = Path.GetFileName(current);
        if (Devices.ContainsKey(name))
        {
            return name;
        }

        // /dev/mapper/NAME → dm-N
        if (current.StartsWith("/dev/mapper/", StringComparison.Ordinal))
        {
            foreach (var d in Devices.Keys.Where(k => k.StartsWith("dm-", StringComparison.Ordinal)))
            {
                if (ReadTrim($"/sys/block/{d}/dm/name") == name)
                {
                    return d;
                }
            }
        }

        return null;
    }

    /// <summary>Removes the "." and ".." parts of an absolute path (a relative link target joined to its directory).</summary>
    private static string ResolveDots(string p)
    {
        var stack = new List<string>();
        foreach (var part in p.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (part == "..")
            {
                if (stack.Count > 0)
                {
                    stack.RemoveAt(stack.Count - 1);
                }
            }
            else if (part != ".")
            {
                stack.Add(part);
            }
        }

        return "/" + string.Join('/', stack);
    }

    /// <summary>The kernel name that was given the layout id <paramref name="id"/>, if any.</summary>
    public string? KernelNameWithId(string id) => IdOf.FirstOrDefault(kv => kv.Value == id).Key;

    /// <summary>The block device with the device number of a mount (mountinfo's MAJOR:MINOR).</summary>
    public BlockDevice? DeviceNumbered(int major, int minor) => Devices.Values.FirstOrDefault(d => d.DeviceNumber == $"{major}:{minor}");

    /// <summary>
    /// blkid's probe of one device into <see cref="Probes"/>: the orchestrator probes the disks, partitions, md and dm
    /// devices; a technology that makes other kinds of devices probes its own before the filesystems are captured.
    /// </summary>
    public void Probe(string kernelName)
    {
        var r = Run.Run(new ProcessRequest("blkid", ["-p", "-o", "export", "/dev/" + kernelName]));
        // Exit 2: nothing found on the device. That is not an error.
        Probes[kernelName] = r.ExitCode == 0 ? KeyValueLines.Parse(r.StandardOutput) : [];
        if (r.ExitCode is not 0 and not 2)
        {
            Note("/dev/" + kernelName, $"blkid could not probe it (exit {r.ExitCode}: {r.StandardError.Trim()}).");
        }
    }

    /// <summary>Marks the disk, partition or stacked block device behind <paramref name="kernelName"/> as used by <paramref name="id"/>.</summary>
    public void SetUsedBy(string kernelName, string id)
    {
        var devId = IdOf.GetValueOrDefault(kernelName);
        foreach (var d in Document.Disks)
        {
            if (d.Id == devId)
            {
                d.UsedBy = id;
            }

            foreach (var p in d.Partitions.Where(p => p.Id == devId))
            {
                p.UsedBy = id;
            }
        }

        foreach (var device in Technologies.SelectMany(t => t.DescribeDevices(Document)).Where(s => s.Id == devId))
        {
            device.MarkUsedBy?.Invoke(id);
        }
    }
}
