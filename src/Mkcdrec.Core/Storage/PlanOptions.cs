namespace Mkcdrec.Core.Storage;

/// <summary>What the user asked for when planning a recovery.</summary>
public sealed class PlanOptions
{
    public const string DefaultTargetRoot = "/mnt/local";

    /// <summary>Explicit mappings "SRC=DST" (SRC: the source disk's path, kernel name or id; DST: a target disk's path).</summary>
    public IReadOnlyList<string> Maps { get; init; } = [];

    /// <summary>Where the filesystems are mounted for the restore.</summary>
    public string TargetRoot { get; init; } = DefaultTargetRoot;

    /// <summary>Also scale ESP, BIOS boot, /boot and swap when disk sizes differ (default: they keep their size).</summary>
    public bool ResizeFixed { get; init; }

    /// <summary>A RAID array that was degraded when the layout was captured is recreated degraded, not completed on an unused disk.</summary>
    public bool KeepDegraded { get; init; }

    /// <summary>Shrinking keeps a filesystem at least max(used × this, used + <see cref="ShrinkMarginBytes"/>).</summary>
    public double ShrinkMarginFactor { get; init; } = 1.15;

    public long ShrinkMarginBytes { get; init; } = 256L << 20;

    /// <summary>UUIDs of the LUKS containers whose header the backup kept: restored (every keyslot) instead of formatted anew.</summary>
    public IReadOnlySet<string> LuksHeaders { get; init; } = new HashSet<string>();

    /// <summary>
    /// Every identifier the plan recreates gets a fresh value instead of the layout's (a clone beside its original on
    /// one machine); finalize rewrites the references in the restored system (docs/recovery.md).
    /// </summary>
    public bool NewIdentifiers { get; init; }

    /// <summary>Partition alignment when sizes change.</summary>
    public long AlignmentBytes { get; init; } = 1L << 20;
}
