using Mkcdrec.Core.Storage;

namespace Mkcdrec.Core.Storage.Mounts;

public sealed partial class MountsTechnology
{
    /// <summary>mount, and mkdir for the mount points; the device scan of a multi-device btrfs is btrfs's program.</summary>
    public IReadOnlyList<RescueProgram> StepPrograms { get; } = [SharedPrograms.Mount, SharedPrograms.Mkdir];
}
