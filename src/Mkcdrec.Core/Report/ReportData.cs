using Mkcdrec.Core.Destinations;
using Mkcdrec.Core.Drill;
using Mkcdrec.Model.Layout;
using Mkcdrec.Model.Plan;

namespace Mkcdrec.Core.Report;

/// <summary>How this machine is set up to be recovered, from its configuration (or the report's options).</summary>
public sealed record RecoverySetup
{
    /// <summary>Where backups go (configuration key destination): null when the backup travels on the rescue ISO.</summary>
    public string? Destination { get; init; }

    /// <summary>Where mkbackup and mkrescue write the ISO(s) (configuration key output).</summary>
    public string MediaDirectory { get; init; } = Mkcdrec.Core.Media.MediaWorkflows.DefaultOutputDir;

    /// <summary>The backups are encrypted (configuration key encrypt): the recovery needs the backup passphrase.</summary>
    public bool Encrypted { get; init; }

    /// <summary>The rescue media found in <see cref="MediaDirectory"/>: file name, bytes, last written.</summary>
    public IReadOnlyList<(string Name, long Bytes, DateTimeOffset Written)> Media { get; init; } = [];
}

/// <summary>The backups at the destination, or why they could not be listed (the page says so instead of failing).</summary>
public sealed record BackupsSection(string Where, IReadOnlyList<ChainedBackup> Backups, string? Unreachable);

/// <summary>Everything one report page shows; <see cref="ReportPage.Render"/> only formats it.</summary>
public sealed record ReportData
{
    public required LayoutDocument Layout { get; init; }

    /// <summary>Where the layout came from: "the live system" or the file's path.</summary>
    public required string LayoutSource { get; init; }

    /// <summary>The plan for recovering onto the same disks; null when the planner refused (<see cref="PlanRefusal"/>).</summary>
    public RecoveryPlan? Plan { get; init; }

    public string? PlanRefusal { get; init; }

    /// <summary>Null when no destination is configured (the backup is on the rescue ISO).</summary>
    public BackupsSection? Backups { get; init; }

    /// <summary>The last drill's report; null: no drill on record.</summary>
    public DrillReport? Drill { get; init; }

    public string DrillPath { get; init; } = LastDrill.DefaultPath;

    public RecoverySetup Setup { get; init; } = new();

    public DateTimeOffset GeneratedAt { get; init; } = DateTimeOffset.UtcNow;

    public string MkcdrecVersion { get; init; } = "";
}
