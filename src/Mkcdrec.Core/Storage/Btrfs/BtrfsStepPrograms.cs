using Mkcdrec.Core.Storage;

namespace Mkcdrec.Core.Storage.Btrfs;

public sealed partial class BtrfsTechnology
{
    /// <summary>The btrfs tools, and what mounts the top level for a moment to make or seal the subvolumes.</summary>
    public IReadOnlyList<RescueProgram> StepPrograms { get; } = [.. BtrfsComponent.Programs, SharedPrograms.Mkdir, SharedPrograms.Mount, SharedPrograms.Umount];
}
