namespace Mkcdrec.Model.Layout;

/// <summary>
/// What a layout read from a file must hold beyond its JSON shape (StrictJson refuses nulls and negative sizes): sector
/// sizes a disk can have, and partitions that lie on their disk. A layout that breaks them was not written by a capture;
/// the planner would compute offsets from it.
/// </summary>
public static class LayoutChecks
{
    /// <exception cref="InvalidDataException">The first rule the layout breaks, naming the device.</exception>
    public static void Check(LayoutDocument doc, string source)
    {
        foreach (var d in doc.Disks)
        {
            if (d.LogicalSectorSize is not (512 or 1024 or 2048 or 4096))
            {
                throw new InvalidDataException($"{source}: disk {d.Path} has logical sectors of {d.LogicalSectorSize} bytes; a disk has 512, 1024, 2048 or 4096.");
            }

            if (d.PhysicalSectorSize < d.LogicalSectorSize || d.PhysicalSectorSize > 1 << 16 || (d.PhysicalSectorSize & (d.PhysicalSectorSize - 1)) != 0)
            {
                throw new InvalidDataException($"{source}: disk {d.Path} has physical sectors of {d.PhysicalSectorSize} bytes; that is not a power of two from its logical sector size to 64 KiB.");
            }

            var sectors = d.SizeBytes / d.LogicalSectorSize;
            foreach (var p in d.Partitions)
            {
                if (p.Number is < 1 or > 65535 || p.StartSector > sectors || p.SizeSectors > sectors - p.StartSector)
                {
                    throw new InvalidDataException($"{source}: partition {p.Number} of disk {d.Path} (sectors {p.StartSector} + {p.SizeSectors}) does not lie on the disk ({sectors} sectors).");
                }
            }
        }

        foreach (var m in doc.MdArrays.Where(m => m.RaidDevices > MaxRaidDevices))
        {
            throw new InvalidDataException($"{source}: RAID array {m.Path} has {m.RaidDevices} devices; md arrays have at most {MaxRaidDevices}.");
        }

        // Mount points and subvolume paths become paths under the target root: they must stay inside it.
        foreach (var m in doc.Mounts.Where(m => m.Target.StartsWith('/') && !IsPlainPath(m.Target)))
        {
            throw new InvalidDataException($"{source}: mount point '{m.Target}' has '.' or '..' components or a NUL; a mount point is a plain absolute path.");
        }

        foreach (var sv in doc.Filesystems.Where(f => f.Btrfs is not null).SelectMany(f => f.Btrfs!.Subvolumes).Where(sv => !IsPlainPath("/" + sv.Path.TrimStart('/'))))
        {
            throw new InvalidDataException($"{source}: btrfs subvolume path '{sv.Path}' has '.' or '..' components or a NUL.");
        }

        // Filesystem types name programs (mkfs.TYPE) and fstab fields.
        foreach (var f in doc.Filesystems.Where(f => f.Type.Any(c => !char.IsAsciiLetterOrDigit(c) && c is not '_' and not '-' and not '.')))
        {
            throw new InvalidDataException($"{source}: filesystem {f.Id} has the type '{f.Type}'; a type is letters, digits, '_', '-' and '.'.");
        }

        // Every id names one thing: the planner indexes devices and filesystems by id.
        Unique(doc.DeviceIds(), "device", source);
        Unique(doc.Filesystems.Select(f => f.Id), "filesystem", source);
        Unique(doc.Lvm.VolumeGroups.Select(v => v.Id), "volume group", source);
        Unique(doc.Lvm.PhysicalVolumes.Select(v => v.Id), "physical volume", source);

        foreach (var vg in doc.Lvm.VolumeGroups.Where(vg => vg.ExtentSizeBytes <= 0))
        {
            throw new InvalidDataException($"{source}: volume group {vg.Name} has an extent size of {vg.ExtentSizeBytes} bytes.");
        }
    }

    /// <summary>md's own limit for metadata 1.x superblocks.</summary>
    private const int MaxRaidDevices = 1920;

    private static bool IsPlainPath(string path) =>
        !path.Contains('\0') && path.Split('/').All(seg => seg is not "." and not "..");

    private static void Unique(IEnumerable<string> ids, string what, string source)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var id in ids)
        {
            if (id.Length == 0 || !seen.Add(id))
            {
                throw new InvalidDataException(id.Length == 0 ? $"{source}: a {what} has an empty id." : $"{source}: two entries have the {what} id '{id}'.");
            }
        }
    }
}
