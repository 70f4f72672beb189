using Mkcdrec.Core.Platform;
using Mkcdrec.Model.Layout;

namespace Mkcdrec.Core.Storage.Filesystems;

/// <summary>Capture: the parameters of ext2/3/4 (dumpe2fs), xfs (xfs_info), vfat (blkid) and swap (/proc/swaps).</summary>
public sealed partial class FilesystemsTechnology : IFilesystemFamily
{
    public IReadOnlyCollection<string> Types { get; } =
        [FilesystemTypes.Ext2, FilesystemTypes.Ext3, FilesystemTypes.Ext4, FilesystemTypes.Xfs, FilesystemTypes.Vfat, FilesystemTypes.Swap];

    public void ReadParameters(CaptureContext context, FoundFilesystem found)
    {
        var fs = found.Filesystem;
        switch (fs.Type)
        {
            case FilesystemTypes.Ext2 or FilesystemTypes.Ext3 or FilesystemTypes.Ext4:
                ReadExt(context, fs, found.DevicePath);
                break;
            case FilesystemTypes.Xfs:
                fs.Xfs = XfsInfoParser.Parse(context.Run.RunChecked(new ProcessRequest("xfs_info", [found.MountPoint ?? found.DevicePath])).StandardOutput);
                break;
            case FilesystemTypes.Vfat:
                fs.Vfat = new VfatParameters { FatSize = found.Probe.GetValueOrDefault("VERSION") };
                break;
            case FilesystemTypes.Swap:
                ReadSwap(context, fs, found.KernelNames);
                break;
        }
    }

    private static void ReadExt(CaptureContext context, Filesystem fs, string device)
    {
        var dumpe2fs = context.Run.RunChecked(new ProcessRequest("dumpe2fs", ["-h", device])).StandardOutput;
        fs.Ext = Dumpe2fsParser.Parse(dumpe2fs);
        fs.SizeBytes = fs.Ext.BlockCount * fs.Ext.BlockSize;
        if (fs.UsedBytes is null)
        {
            // Not mounted (no df figure): the superblock's free block count tells.
            var free = Dumpe2fsParser.Fields(dumpe2fs).GetValueOrDefault("Free blocks");
            if (long.TryParse(free, out var fb))
            {
                fs.UsedBytes = (fs.Ext.BlockCount - fb) * fs.Ext.BlockSize;
            }
        }
    }

    /// <summary>Whether the swap is active (under its own name or a /dev/mapper name) and with which priority.</summary>
    private static void ReadSwap(CaptureContext context, Filesystem fs, IReadOnlyList<string> names)
    {
        var swaps = ProcSwapsParser.Parse(context.Files.ReadText("/proc/swaps") ?? "");
        var active = names.Select(n => "/dev/" + n).Concat(names.SelectMany(n => context.Files.ListDirectory("/dev/mapper").Where(m => context.KernelNameOf("/dev/mapper/" + m) == n).Select(m => "/dev/mapper/" + m)))
            .FirstOrDefault(swaps.ContainsKey);
        fs.Swap = new SwapParameters { Active = active is not null, Priority = active is null ? null : swaps[active] };
        if (fs.UsedBytes is null)
        {
            fs.UsedBytes = 0;
        }
    }
}
