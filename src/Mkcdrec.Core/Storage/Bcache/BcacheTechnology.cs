namespace Mkcdrec.Core.Storage.Bcache;

/// <summary>
/// bcache: a backing device (disk, partition or md array) cached by a cache set on a faster device, made again by
/// make-bcache with the original cache set UUID, cache mode, block and bucket sizes and label. The folder was added along
/// docs/architecture.md's walk-through; docs/layout-format.md and docs/plan-format.md describe what it records and runs.
/// </summary>
public sealed partial class BcacheTechnology : IStorageTechnology
{
    public string Name => "bcache";

    /// <summary>The id a cache device's usedBy names: its cache set (which several bcache devices may share).</summary>
    public static string CacheSetId(string uuid) => "bcache-cset:" + uuid;
}
