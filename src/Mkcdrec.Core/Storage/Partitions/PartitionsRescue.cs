using Mkcdrec.Core.Storage;

namespace Mkcdrec.Core.Storage.Partitions;

public sealed partial class PartitionsTechnology
{
    /// <summary>What clears old signatures and makes the kernel read a new partition table (the table itself is our own writer's).</summary>
    public static readonly RescueComponent PartitionsComponent = new("partitions", "partition table tools")
    {
        Programs = [new RescueProgram("wipefs", "util-linux"), new RescueProgram("blockdev", "util-linux"), new RescueProgram("partx", "util-linux")],
        RequiredWhen = _ => true,
    };

    public IReadOnlyList<RescueComponent> RescueComponents { get; } = [PartitionsComponent];

    /// <summary>wipefs and blockdev, and udevadm to wait for the new partitions' nodes.</summary>
    public IReadOnlyList<RescueProgram> StepPrograms { get; } = [.. PartitionsComponent.Programs, SharedPrograms.Udevadm];
}
