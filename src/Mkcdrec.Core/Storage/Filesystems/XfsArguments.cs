using System.Globalization;
using Mkcdrec.Model.Layout;

namespace Mkcdrec.Core.Storage.Filesystems;

/// <summary>mkfs.xfs arguments that remake an XFS filesystem with its UUID, label, metadata features and geometry.</summary>
internal static class XfsArguments
{
    public static List<string> Make(FilesystemTarget target)
    {
        var f = target.Filesystem;
        var argv = new List<string> { "mkfs.xfs", "-f" };
        var meta = MetadataOptions(f);
        if (meta.Count > 0)
        {
            argv.AddRange(["-m", string.Join(',', meta)]);
        }

        if (target.Label is not null)
        {
            argv.AddRange(["-L", target.Label]);
        }

        if (f.Xfs is { } xfs)
        {
            AddGeometry(argv, xfs, target.Resized);
        }

        return argv;
    }

    private static List<string> MetadataOptions(Filesystem f)
    {
        var meta = new List<string>();
        if (f.Uuid is not null)
        {
            meta.Add("uuid=" + f.Uuid);
        }

        if (f.Xfs is { } xfs)
        {
            meta.Add("crc=" + Flag(xfs.Crc));
            if (xfs.Crc)
            {
                meta.Add("finobt=" + Flag(xfs.Finobt));
                meta.Add("reflink=" + Flag(xfs.Reflink));
                meta.Add("rmapbt=" + Flag(xfs.Rmapbt));
                meta.Add("bigtime=" + Flag(xfs.Bigtime));
            }
        }

        return meta;
    }

    private static string Flag(bool on) => on ? "1" : "0";

    /// <summary>Block, inode and sector sizes always; allocation groups and the log size only when the size is unchanged.</summary>
    private static void AddGeometry(List<string> argv, XfsParameters xfs, bool resized)
    {
        var inv = CultureInfo.InvariantCulture;
        if (xfs.BlockSize > 0)
        {
            argv.AddRange(["-b", "size=" + xfs.BlockSize.ToString(inv)]);
        }

        if (xfs.InodeSize > 0)
        {
            argv.AddRange(["-i", "size=" + xfs.InodeSize.ToString(inv)]);
        }

        if (xfs.SectorSize > 0)
        {
            argv.AddRange(["-s", "size=" + xfs.SectorSize.ToString(inv)]);
        }

        var data = new List<string>();
        if (!resized && xfs.AgCount > 0)
        {
            data.Add("agcount=" + xfs.AgCount.ToString(inv));
        }

        if (xfs.StripeUnitBlocks is > 0 && xfs.StripeWidthBlocks is > 0)
        {
            data.Add("sunit=" + ((long)xfs.StripeUnitBlocks.Value * xfs.BlockSize / 512).ToString(inv));
            data.Add("swidth=" + ((long)xfs.StripeWidthBlocks.Value * xfs.BlockSize / 512).ToString(inv));
        }

        if (data.Count > 0)
        {
            argv.AddRange(["-d", string.Join(',', data)]);
        }

        if (!resized && xfs.InternalLog && xfs.LogBlocks > 0 && xfs.BlockSize > 0)
        {
            argv.AddRange(["-l", "size=" + (xfs.LogBlocks * xfs.BlockSize).ToString(inv)]);
        }
    }
}
