using System.Text;

namespace Mkcdrec.MatrixTests;

/// <summary>
/// A listing by testvm/reference/inventory.sh (the system's own find, stat, sha256sum, getfattr, getfacl, getcap): one
/// line per fact, "KIND PATH|VALUE". Read as bytes decoded as Latin-1, so names that are not UTF-8 compare exactly.
/// </summary>
public sealed class Inventory
{
    private Inventory(HashSet<string> lines) => Lines = lines;

    public HashSet<string> Lines { get; }

    public static Inventory Read(string file)
    {
        var text = Encoding.Latin1.GetString(File.ReadAllBytes(file));
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);
        if (lines.Count < 1000)
        {
            throw new InvalidDataException($"{file} lists only {lines.Count} facts: the inventory did not run through.");
        }

        return new Inventory(lines);
    }

    /// <summary>The path a line is about (for "hardlinks", the first name of the group).</summary>
    public static string PathOf(string line)
    {
        var sp = line.IndexOf(' ', StringComparison.Ordinal);
        var rest = line[(sp + 1)..];
        var bar = rest.IndexOf('|', StringComparison.Ordinal);
        return bar < 0 ? rest : rest[..bar];
    }

    public static string KindOf(string line) => line[..line.IndexOf(' ', StringComparison.Ordinal)];
}

/// <summary>
/// The source's inventory (taken just before mkbackup) against the recovered system's (taken on a later boot). A path
/// may differ only when it is <see cref="Volatile"/> (what booting and the recovery's boot loader install write), or
/// when mkbackup itself changed it (it differs between the inventories before and after mkbackup, so the backup may
/// hold either state). Everything else that differs is a failure, named line by line.
/// </summary>
public static class InventoryComparison
{
    /// <summary>Paths (a trailing / means the tree under it) a boot or the recovery legitimately writes, with why.</summary>
    public static readonly IReadOnlyList<(string Path, string Why)> Volatile =
    [
        ("/tmp/", "cleaned and written at boot"), ("/var/tmp/", "systemd-tmpfiles"), ("/var/log/", "logs of the boots"),
        ("/var/lib/systemd/", "random seed, timers, journal catalog"), ("/var/cache/", "ldconfig, man-db, debconf caches"),
        ("/var/lib/dhcp/", "the DHCP lease of the boot"), ("/etc/resolv.conf", "written by the DHCP client"),
        ("/var/lib/mkcdrec/", "mkcdrec's own state and the drill's first-boot check"),
        ("/var/backups/", "dpkg-db-backup.timer (daily, Persistent=true) saves dpkg's databases there on a boot after its day passed"),
        ("/etc/systemd/system/mkcdrec-drill-check.service", "the drill's first-boot check (removes itself)"),
        ("/etc/systemd/system/multi-user.target.wants/mkcdrec-drill-check.service", "the drill's first-boot check"),
        ("/boot/grub/", "the recovery installs GRUB again (modules, core image, grubenv)"),
        ("/boot/efi/EFI/", "the recovery installs GRUB again on the ESP"),
        ("/job", "mount point of the test's job disk"), ("/dev", "mount point"), ("/proc", "mount point"), ("/sys", "mount point"), ("/run", "mount point"),
    ];

    public static IReadOnlyList<string> Differences(Inventory before, Inventory afterBackup, Inventory recovered, IReadOnlyList<(string Path, string Why)>? extraVolatile = null)
    {
        var volatileList = Volatile.Concat(extraVolatile ?? []).Select(v => v.Path).ToList();
        var touchedByBackup = before.Lines.Except(afterBackup.Lines).Concat(afterBackup.Lines.Except(before.Lines)).Select(Inventory.PathOf).ToHashSet(StringComparer.Ordinal);
        bool Allowed(string line)
        {
            var path = Inventory.PathOf(line);
            if (touchedByBackup.Contains(path) || IsUnder(path, volatileList))
            {
                return true;
            }

            // A directory that holds a volatile entry gets a new mtime when that entry is written: its other facts still count.
            return Inventory.KindOf(line) == "entry" && line.Contains("|d|", StringComparison.Ordinal) && volatileList.Any(v => ParentOf(v.TrimEnd('/')) == path);
        }

        var missing = before.Lines.Except(recovered.Lines).Where(l => !Allowed(l)).Select(l => "source:    " + l);
        var added = recovered.Lines.Except(before.Lines).Where(l => !Allowed(l)).Select(l => "recovered: " + l);
        return [.. missing.Concat(added).OrderBy(l => Inventory.PathOf(l[11..]), StringComparer.Ordinal)];
    }

    private static bool IsUnder(string path, IReadOnlyList<string> prefixes) =>
        prefixes.Any(v => v.EndsWith('/') ? path.StartsWith(v, StringComparison.Ordinal) || path + "/" == v : path == v);

    private static string ParentOf(string path)
    {
        var i = path.LastIndexOf('/');
        return i <= 0 ? "/" : path[..i];
    }
}
