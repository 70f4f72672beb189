using Mkcdrec.Model.Layout;

namespace Mkcdrec.Core.Storage.Filesystems;

public sealed partial class FilesystemsTechnology
{
    public static readonly RescueComponent ExtComponent = new("ext", "ext2/3/4 tools")
    {
        Programs = [new RescueProgram("mke2fs", "e2fsprogs") { Links = ["mkfs.ext4", "mkfs.ext3", "mkfs.ext2"] }, new RescueProgram("e2fsck", "e2fsprogs") { Links = ["fsck.ext4", "fsck.ext3", "fsck.ext2"] },
            new RescueProgram("tune2fs", "e2fsprogs"), new RescueProgram("resize2fs", "e2fsprogs"), new RescueProgram("e2label", "e2fsprogs"), new RescueProgram("dumpe2fs", "e2fsprogs") { AlwaysOptional = true }],
        DataPaths = ["/etc/mke2fs.conf"],
        RequiredWhen = n => n.HasFilesystem(FilesystemTypes.Ext2, FilesystemTypes.Ext3, FilesystemTypes.Ext4),
    };

    public static readonly RescueComponent XfsComponent = new("xfs", "XFS tools")
    {
        Programs = [new RescueProgram("mkfs.xfs", "xfsprogs"), new RescueProgram("xfs_repair", "xfsprogs"), new RescueProgram("xfs_admin", "xfsprogs"), new RescueProgram("xfs_db", "xfsprogs"), new RescueProgram("xfs_growfs", "xfsprogs") { AlwaysOptional = true }],
        // Always included (not only when required), like every component: a backup disk may be XFS too.
        Modules = ["xfs"],
        RequiredWhen = n => n.HasFilesystem(FilesystemTypes.Xfs),
    };

    public static readonly RescueComponent VfatComponent = new("vfat", "FAT tools (EFI system partition)")
    {
        Programs = [new RescueProgram("mkfs.fat", "dosfstools") { Links = ["mkfs.vfat", "mkdosfs"] }, new RescueProgram("fatlabel", "dosfstools"), new RescueProgram("fsck.fat", "dosfstools") { Links = ["fsck.vfat"] }],
        RequiredWhen = n => n.HasFilesystem(FilesystemTypes.Vfat),
    };

    public static readonly RescueComponent SwapComponent = new("swap", "swap tools")
    {
        Programs = [new RescueProgram("mkswap", "util-linux"), new RescueProgram("swaplabel", "util-linux"), new RescueProgram("swapon", "mount") { AlwaysOptional = true }],
        RequiredWhen = n => n.HasFilesystem(FilesystemTypes.Swap),
    };

    /// <summary>The tools to make and check ext, XFS, FAT and swap in the rescue system.</summary>
    public IReadOnlyList<RescueComponent> RescueComponents { get; } = [ExtComponent, XfsComponent, VfatComponent, SwapComponent];
}
