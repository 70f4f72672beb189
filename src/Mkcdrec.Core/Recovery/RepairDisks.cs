using Mkcdrec.Core.Platform;
using Mkcdrec.Model.Layout;
using Mkcdrec.Model.Plan;

namespace Mkcdrec.Core.Recovery;

/// <summary>
/// `repair-boot`: where the layout's disks are now, found by their partition table's identifier (GPT disk GUID, MBR
/// signature: blkid's PTUUID), which survives a wiped boot sector and a rescue kernel that names disks otherwise. Written
/// as a plan without steps, so that finalize's boot loader code installs on the same disks as after a recovery.
/// </summary>
public static class RepairDisks
{
    public static RecoveryPlan Find(LayoutDocument layout, IProcessRunner run, ISystemFiles files, string targetRoot, Action<string> say)
    {
        var tables = PartitionTablesHere(run, files);
        var plan = new RecoveryPlan { SourceHost = layout.Host.Hostname, LayoutCapturedAt = layout.CapturedAt, TargetRoot = targetRoot };
        foreach (var disk in layout.Disks)
        {
            var ptuuid = disk.PartitionTable.Kind switch
            {
                PartitionTableKinds.Gpt => disk.PartitionTable.DiskGuid?.ToString("D"),
                PartitionTableKinds.Mbr => disk.PartitionTable.MbrDiskId?.ToLowerInvariant().Replace("0x", "", StringComparison.Ordinal),
                _ => null,
            };
            var now = ptuuid is null ? null : tables.GetValueOrDefault(ptuuid);
            plan.Mappings.Add(new DiskMapping
            {
                SourceId = disk.Id,
                SourcePath = disk.Path,
                SourceSizeBytes = disk.SizeBytes,
                TargetPath = now,
                Missing = now is null,
                Reason = now is null
                    ? ptuuid is null ? "it had no partition table to find it by" : $"no attached disk has its partition table {ptuuid}"
                    : $"its partition table {ptuuid}",
            });
            say(now is null ? $"warning: {disk.Path} of the layout is not found ({plan.Mappings[^1].Reason}): nothing is installed on it."
                : $"{disk.Path} of the layout is {now} here ({plan.Mappings[^1].Reason}).");
        }

        return plan;
    }

    /// <summary>
    /// Every whole disk's partition table identifier (blkid's low-level probe of each disk in /sys/block: the cache and
    /// a -t search know filesystems, not partition tables): PTUUID → /dev/NAME.
    /// </summary>
    private static Dictionary<string, string> PartitionTablesHere(IProcessRunner run, ISystemFiles files)
    {
        var tables = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var name in files.ListDirectory("/sys/block").Order(StringComparer.Ordinal))
        {
            if (name.StartsWith("loop", StringComparison.Ordinal) || name.StartsWith("ram", StringComparison.Ordinal) || name.StartsWith("zram", StringComparison.Ordinal)
                || name.StartsWith("sr", StringComparison.Ordinal) || name.StartsWith("dm-", StringComparison.Ordinal) || name.StartsWith("md", StringComparison.Ordinal))
            {
                continue;
            }

            var r = run.Run(new ProcessRequest("blkid", ["-p", "-o", "value", "-s", "PTUUID", "/dev/" + name]));
            if (r.ExitCode == 0 && r.StandardOutput.Trim() is { Length: > 0 } ptuuid)
            {
                tables.TryAdd(ptuuid, "/dev/" + name);
            }
        }

        return tables;
    }
}
