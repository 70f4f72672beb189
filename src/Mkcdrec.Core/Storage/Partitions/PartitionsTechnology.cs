using Mkcdrec.Core.Storage;

namespace Mkcdrec.Core.Storage.Partitions;

/// <summary>Disks and their GPT/MBR partition tables (our own reader and writer).</summary>
public sealed partial class PartitionsTechnology : IStorageTechnology
{
    public string Name => "partitions";
}
