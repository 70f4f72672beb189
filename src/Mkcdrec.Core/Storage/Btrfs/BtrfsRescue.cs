using Mkcdrec.Model.Layout;

namespace Mkcdrec.Core.Storage.Btrfs;

public sealed partial class BtrfsTechnology
{
    public static readonly RescueComponent BtrfsComponent = new("btrfs", "btrfs tools")
    {
        Programs = [new RescueProgram("mkfs.btrfs", "btrfs-progs"), new RescueProgram("btrfs", "btrfs-progs"), new RescueProgram("btrfstune", "btrfs-progs") { AlwaysOptional = true }],
        Modules = ["btrfs"],
        RequiredWhen = n => n.HasFilesystem(FilesystemTypes.Btrfs),
    };

    /// <summary>The btrfs tools in the rescue system.</summary>
    public IReadOnlyList<RescueComponent> RescueComponents { get; } = [BtrfsComponent];
}
