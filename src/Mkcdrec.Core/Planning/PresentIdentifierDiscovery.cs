using Mkcdrec.Core.Platform;
using Mkcdrec.Core.Registry;
using Mkcdrec.Core.Storage;

namespace Mkcdrec.Core.Planning;

/// <summary>
/// The UUIDs, PARTUUIDs and PTUUIDs the devices of this machine carry now: `blkid -c /dev/null -o export` (no cache: a
/// stale one would miss a disk plugged in since), each device placed on its whole disks through sysfs.
/// </summary>
public static class PresentIdentifierDiscovery
{
    /// <summary>
    /// Every identifier found on the devices, and the partition-table ids of <paramref name="disks"/> (the whole disks of this
    /// machine); when blkid cannot run or fails, none, and a warning saying they were not checked.
    /// </summary>
    public static List<PresentIdentifier> Discover(IProcessRunner run, ISystemFiles files, IReadOnlyList<string> disks, List<string> warnings)
    {
        const string notChecked = "so the plan was not checked for UUIDs that devices of this machine already have (docs/recovery.md)";
        if (!run.CanRun("blkid"))
        {
            warnings.Add($"blkid (util-linux) is not installed, {notChecked}.");
            return [];
        }

        var r = run.Run(new ProcessRequest("blkid", ["-c", "/dev/null", "-o", "export"]));
        // Exit 2: no device has anything blkid knows (or none could be read).
        if (r.ExitCode is not 0 and not 2)
        {
            warnings.Add($"blkid failed (exit {r.ExitCode}: {r.StandardError.Trim()}), {notChecked}.");
            return [];
        }

        var found = Parse(r.StandardOutput);
        // That listing leaves out whole disks that have partitions: their PTUUID takes a low-level probe of each.
        var unlisted = disks.Where(d => !found.Any(p => p.Device == d)).ToList();
        if (unlisted.Count > 0)
        {
            var tables = run.Run(new ProcessRequest("blkid", ["-c", "/dev/null", "-p", "-o", "export", "-s", IdentifierKinds.PtUuid, .. unlisted]));
            found.AddRange(Parse(tables.StandardOutput).Where(p => p.Kind == IdentifierKinds.PtUuid));
        }

        // Names that must be unique (volume groups), from each technology's own tools.
        found.AddRange(Technologies.Storage.SelectMany(t => t.FindPresentNames(run)));
        return [.. found.Select(p => p with { Disks = DisksOf(files, p.Device) })];
    }

    /// <summary>The identifiers in blkid's export output: blocks of KEY=value lines, each starting with DEVNAME.</summary>
    public static List<PresentIdentifier> Parse(string export)
    {
        var found = new List<PresentIdentifier>();
        foreach (var block in Blocks(export))
        {
            var tags = KeyValueLines.Parse(block);
            if (!tags.TryGetValue("DEVNAME", out var device))
            {
                continue;
            }

            // UUID_SUB (md member, btrfs device) is made anew by every mdadm --create and mkfs.btrfs: it never clashes.
            foreach (var kind in new[] { IdentifierKinds.Uuid, IdentifierKinds.PartUuid, IdentifierKinds.PtUuid })
            {
                if (tags.TryGetValue(kind, out var value) && value.Length > 0)
                {
                    found.Add(new PresentIdentifier(device, kind, value) { Type = kind == IdentifierKinds.Uuid ? tags.GetValueOrDefault("TYPE") : null });
                }
            }
        }

        return found;
    }

    private static IEnumerable<string> Blocks(string export)
    {
        var block = new List<string>();
        foreach (var line in export.Split('\n'))
        {
            if ((line.Trim().Length == 0 || line.StartsWith("DEVNAME=", StringComparison.Ordinal)) && block.Count > 0)
            {
                yield return string.Join('\n', block);
                block.Clear();
            }

            if (line.Trim().Length > 0)
            {
                block.Add(line);
            }
        }

        if (block.Count > 0)
        {
            yield return string.Join('\n', block);
        }
    }

    /// <summary>/dev/NAME of each whole disk under the device (/dev/mapper/NAME found by its dm name when it is no link to dm-N).</summary>
    private static List<string> DisksOf(ISystemFiles files, string device)
    {
        var name = TargetDiskDiscovery.KernelName(files, device);
        if (device.StartsWith("/dev/mapper/", StringComparison.Ordinal) && !name.StartsWith("dm-", StringComparison.Ordinal))
        {
            name = files.ListDirectory("/sys/block").FirstOrDefault(d => d.StartsWith("dm-", StringComparison.Ordinal)
                && files.ReadText("/sys/block/" + d + "/dm/name")?.Trim() == name) ?? name;
        }

        return [.. TargetDiskDiscovery.WholeDisksUnder(files, name).Distinct(StringComparer.Ordinal).Select(d => "/dev/" + d)];
    }
}
