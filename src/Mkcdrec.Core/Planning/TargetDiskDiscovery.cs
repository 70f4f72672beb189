using System.Globalization;
using Mkcdrec.Core.Platform;
using Mkcdrec.Model.Plan;
using Mkcdrec.Core.Storage;

namespace Mkcdrec.Core.Planning;

/// <summary>
/// Finds the disks of the machine the rescue system runs on (/sys/block, /dev/disk/by-id) and marks the ones
/// that must never be targets: disks named with --exclude-disk, and the disks holding the given paths
/// (the mounted backup, the boot medium), found through /proc/self/mountinfo. Disks with mounted filesystems
/// or active swap (through partitions, md and device-mapper alike) are in use and never targets either.
/// </summary>
public static class TargetDiskDiscovery
{
    private static readonly string[] NotDisks = ["ram", "zram", "md", "dm-", "sr", "fd", "nbd", "mtdblock"];

    public static List<TargetDisk> Discover(ISystemFiles files, IReadOnlyList<string> excludeDisks, IReadOnlyList<string> protectedPaths)
    {
        var disks = FindDisks(files, ByIdLinks(files));
        MarkExcluded(files, disks, excludeDisks, protectedPaths);
        return disks;
    }

    /// <summary>Kernel name → its /dev/disk/by-id links.</summary>
    private static Dictionary<string, List<string>> ByIdLinks(ISystemFiles files)
    {
        var byId = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var l in files.ListDirectory("/dev/disk/by-id"))
        {
            var t = files.ReadLink("/dev/disk/by-id/" + l);
            if (t is not null)
            {
                var name = Path.GetFileName(t);
                if (!byId.TryGetValue(name, out var list))
                {
                    byId[name] = list = [];
                }

                list.Add("/dev/disk/by-id/" + l);
            }
        }

        return byId;
    }

    private static List<TargetDisk> FindDisks(ISystemFiles files, Dictionary<string, List<string>> byId)
    {
        var disks = new List<TargetDisk>();
        foreach (var name in files.ListDirectory("/sys/block").Order(StringComparer.Ordinal))
        {
            if (NotDisks.Any(p => name.StartsWith(p, StringComparison.Ordinal)))
            {
                continue;
            }

            var sys = "/sys/block/" + name;
            var sectors = ReadLong(files, sys + "/size");
            // Built on other block devices (a cache, an array, a mapping): what it stands on are the disks.
            if (sectors <= 0 || files.ListDirectory(sys + "/slaves").Any())
            {
                continue;
            }

            var links = byId.GetValueOrDefault(name) ?? [];
            var serial = Read(files, sys + "/serial") ?? Read(files, sys + "/device/serial")
                ?? links.Select(Path.GetFileName).FirstOrDefault(l => l!.StartsWith("virtio-", StringComparison.Ordinal))?["virtio-".Length..];
            var wwn = links.Select(Path.GetFileName).FirstOrDefault(l => l!.StartsWith("wwn-", StringComparison.Ordinal))?["wwn-".Length..]
                ?? Read(files, sys + "/device/wwid") ?? Read(files, sys + "/wwid");
            var lbs = ReadLong(files, sys + "/queue/logical_block_size");
            disks.Add(new TargetDisk
            {
                Path = "/dev/" + name,
                KernelName = name,
                SizeBytes = sectors * 512, // /sys/block/*/size counts 512-byte units whatever the sector size
                LogicalSectorSize = lbs > 0 ? (int)lbs : 512,
                Serial = serial,
                Wwn = wwn,
                ByIdLinks = links,
            });
        }

        return disks;
    }

    /// <summary>Marks what must never be written: disks excluded by name, disks in use (mounted, swap), the disk that holds the backup.</summary>
    private static void MarkExcluded(ISystemFiles files, List<TargetDisk> disks, IReadOnlyList<string> excludeDisks, IReadOnlyList<string> protectedPaths)
    {
        foreach (var ex in excludeDisks)
        {
            var name = KernelName(files, ex);
            var d = disks.FirstOrDefault(x => x.KernelName == name || x.Path == ex || x.ByIdLinks.Contains(ex))
                ?? throw new MkcdrecException(ExitCode.Usage, $"--exclude-disk {ex}: no such disk on this machine.",
                    "Name a disk as /dev/NAME or /dev/disk/by-id/…; 'lsblk -d' lists them.");
            d.IsBootMedium = true;
            d.ExcludedBecause = "excluded with --exclude-disk";
        }

        foreach (var (source, where) in InUseSources(files))
        {
            foreach (var name in WholeDisksUnder(files, KernelName(files, source), 0))
            {
                var d = disks.FirstOrDefault(x => x.KernelName == name);
                if (d is not null && !d.Excluded)
                {
                    d.InUse = true;
                    d.ExcludedBecause = $"in use: {source} {where}";
                }
            }
        }

        foreach (var path in protectedPaths)
        {
            var source = MountSourceOf(files, path);
            var disk = source is null ? null : DiskOf(files, KernelName(files, source));
            var d = disks.FirstOrDefault(x => x.KernelName == disk);
            if (d is not null)
            {
                d.HoldsBackup = true;
                d.ExcludedBecause = $"it holds {path}";
            }
        }
    }

    private static string? Read(ISystemFiles f, string path)
    {
        var t = f.ReadText(path)?.Trim();
        return string.IsNullOrEmpty(t) ? null : t;
    }

    private static long ReadLong(ISystemFiles f, string path) =>
        long.TryParse(Read(f, path), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : 0;

    /// <summary>/dev/disk/by-id/x → vdb (following links); /dev/vdb1 → vdb1.</summary>
    internal static string KernelName(ISystemFiles files, string path)
    {
        var current = path;
        for (var i = 0; i < 16; i++)
        {
            var t = files.ReadLink(current);
            if (t is null)
            {
                break;
            }

            current = t.StartsWith('/') ? t : Path.GetFullPath(Path.Combine(Path.GetDirectoryName(current) ?? "/", t));
        }

        return Path.GetFileName(current);
    }

    /// <summary>The whole disk a block device (partition) belongs to: /sys/class/block/vdb1 → …/vdb/vdb1.</summary>
    private static string DiskOf(ISystemFiles files, string name)
    {
        if (files.DirectoryExists("/sys/block/" + name))
        {
            return name;
        }

        var link = files.ReadLink("/sys/class/block/" + name);
        if (link is not null)
        {
            var parts = link.Split('/', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length >= 2 && parts[^1] == name && files.FileExists("/sys/class/block/" + name + "/partition"))
            {
                return parts[^2];
            }
        }

        return name;
    }

    /// <summary>Block devices the running system uses: mount sources (/proc/self/mountinfo) and active swap (/proc/swaps).</summary>
    private static IEnumerable<(string Source, string Where)> InUseSources(ISystemFiles files)
    {
        foreach (var line in (files.ReadText("/proc/self/mountinfo") ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var f = line.Split(' ');
            var dash = Array.IndexOf(f, "-");
            if (f.Length >= 5 && dash >= 0 && dash + 2 < f.Length && f[dash + 2].StartsWith("/dev/", StringComparison.Ordinal))
            {
                yield return (f[dash + 2], "is mounted at " + f[4].Replace("\\040", " ", StringComparison.Ordinal));
            }
        }

        foreach (var line in (files.ReadText("/proc/swaps") ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1))
        {
            var dev = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries).FirstOrDefault();
            if (dev is not null && dev.StartsWith("/dev/", StringComparison.Ordinal))
            {
                yield return (dev, "is active swap");
            }
        }
    }

    /// <summary>The whole disks under a block device: itself, its parent disk (partition), or the disks under its slaves (md, dm).</summary>
    internal static IEnumerable<string> WholeDisksUnder(ISystemFiles files, string name, int depth = 0)
    {
        if (depth > 16)
        {
            yield break;
        }

        var slaves = files.ListDirectory("/sys/class/block/" + name + "/slaves");
        if (slaves.Count > 0)
        {
            foreach (var s in slaves)
            {
                foreach (var d in WholeDisksUnder(files, s, depth + 1))
                {
                    yield return d;
                }
            }

            yield break;
        }

        yield return DiskOf(files, name);
    }

    /// <summary>The device mounted at the longest mount point containing <paramref name="path"/> (from /proc/self/mountinfo).</summary>
    private static string? MountSourceOf(ISystemFiles files, string path)
    {
        var text = files.ReadText("/proc/self/mountinfo");
        if (text is null)
        {
            return null;
        }

        string? best = null;
        var bestLen = -1;
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            // id parent major:minor root mountpoint options [optional…] - fstype source superoptions
            var f = line.Split(' ');
            var dash = Array.IndexOf(f, "-");
            if (f.Length < 5 || dash < 0 || dash + 2 >= f.Length)
            {
                continue;
            }

            var mp = f[4].Replace("\\040", " ", StringComparison.Ordinal);
            var inside = mp == "/" || path == mp || path.StartsWith(mp.TrimEnd('/') + "/", StringComparison.Ordinal);
            if (inside && mp.Length > bestLen && f[dash + 2].StartsWith("/dev/", StringComparison.Ordinal))
            {
                best = f[dash + 2];
                bestLen = mp.Length;
            }
            else if (inside && mp.Length > bestLen)
            {
                best = null; // a deeper non-device mount (tmpfs, nfs) hides the one below
                bestLen = mp.Length;
            }
        }

        return best;
    }
}
