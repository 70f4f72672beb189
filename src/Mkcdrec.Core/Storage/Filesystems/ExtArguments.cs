using System.Globalization;

namespace Mkcdrec.Core.Storage.Filesystems;

/// <summary>mke2fs arguments that remake an ext2/3/4 filesystem with its UUID, label, geometry, features and hash seed.</summary>
internal static class ExtArguments
{
    /// <summary>Runtime-only feature flags that mke2fs does not take.</summary>
    private static readonly HashSet<string> RuntimeFeatures = ["needs_recovery", "orphan_present"];

    public static List<string> Make(FilesystemTarget target)
    {
        var inv = CultureInfo.InvariantCulture;
        var f = target.Filesystem;
        var argv = new List<string> { "mkfs." + f.Type, "-F" };
        if (f.Uuid is not null)
        {
            argv.AddRange(["-U", f.Uuid]);
        }

        if (target.Label is not null)
        {
            argv.AddRange(["-L", target.Label]);
        }

        if (f.Ext is not { } ext)
        {
            return argv;
        }

        if (ext.BlockSize > 0)
        {
            argv.AddRange(["-b", ext.BlockSize.ToString(inv)]);
        }

        if (ext.InodeSize > 0)
        {
            argv.AddRange(["-I", ext.InodeSize.ToString(inv)]);
        }

        // A resized filesystem keeps its bytes-per-inode ratio; one of the same size keeps its inode count.
        if (ext.InodeCount > 0 && ext.BlockCount > 0)
        {
            argv.AddRange(target.Resized
                ? ["-i", (ext.BlockCount * ext.BlockSize / ext.InodeCount).ToString(inv)]
                : ["-N", ext.InodeCount.ToString(inv)]);
        }

        if (ext.BlockCount > 0)
        {
            argv.AddRange(["-m", Math.Round(ext.ReservedBlockCount * 100.0 / ext.BlockCount, 2).ToString("0.##", inv)]);
        }

        var features = ext.Features.Where(x => !RuntimeFeatures.Contains(x)).ToList();
        if (features.Count > 0)
        {
            argv.AddRange(["-O", "none," + string.Join(',', features)]);
        }

        if (ext.HashSeed is { Length: > 0 })
        {
            argv.AddRange(["-E", "hash_seed=" + ext.HashSeed]);
        }

        return argv;
    }
}
