using Mkcdrec.Core.Storage;
using Mkcdrec.Model.Plan;

namespace Mkcdrec.Core.Storage.Partitions;

/// <summary>Disks and their GPT/MBR partition tables (our own reader and writer).</summary>
public sealed partial class PartitionsTechnology : IStorageTechnology
{
    public string Name => "partitions";

    public IReadOnlyList<string> StepKindOrder => [StepKinds.Wipe, StepKinds.Partition];
}
