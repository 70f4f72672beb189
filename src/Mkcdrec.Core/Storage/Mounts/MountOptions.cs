using Mkcdrec.Model.Layout;

namespace Mkcdrec.Core.Storage.Mounts;

/// <summary>The mount options a restore needs: the btrfs subvolume that was mounted, the vfat options that make owners and modes.</summary>
public static class MountOptions
{
    private static readonly string[] VfatMetadata = ["uid", "gid", "umask", "fmask", "dmask", "allow_utime", "showexec", "tz", "time_offset"];

    /// <summary>The options of a captured vfat mount that decide how owners, modes and times look, comma-separated; "" when there are none.</summary>
    public static string VfatMetadataOptions(string options) =>
        string.Join(',', options.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(o => VfatMetadata.Contains(o.Split('=')[0], StringComparer.Ordinal)));

    /// <summary>The "-o …" arguments for mounting <paramref name="f"/> as <paramref name="m"/>; adds what the mount must wait for.</summary>
    public static List<string> For(Filesystem f, Mount m, List<string> requires)
    {
        var subvolume = m.Subvolume?.Trim('/');
        if (f.Type == FilesystemTypes.Btrfs && subvolume is { Length: > 0 })
        {
            if (f.Btrfs?.Subvolumes.Any(s => s.Path.Trim('/') == subvolume) == true)
            {
                requires.Add(PlanTokens.Subvolume(f, subvolume));
            }

            return ["-o", "subvol=/" + subvolume];
        }

        if (f.Type == FilesystemTypes.Btrfs && m.Subvolume is not null && f.Btrfs is { DefaultSubvolumeId: not 5 })
        {
            // The top level was mounted, but the recreated filesystem's default subvolume is another one: name it.
            return ["-o", "subvol=/"];
        }

        if (f.Type == FilesystemTypes.Vfat && VfatMetadataOptions(m.Options) is { Length: > 0 } vfatOptions)
        {
            // FAT stores no owner or mode bits: the mount options make them. Mounted as on the source, the restored
            // files show the owner and modes the backup recorded (an ESP is often mounted with umask=0077).
            return ["-o", vfatOptions];
        }

        return [];
    }
}
