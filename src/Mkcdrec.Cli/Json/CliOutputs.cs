using System.Text.Json.Serialization;

namespace Mkcdrec.Cli.Json;

// The --json documents of the commands; property order is output order.

internal sealed record ErrorOutput(ErrorDetail Error);

internal sealed record ErrorDetail(int ExitCode, string Kind, string Message, string Hint);

internal sealed record ArchiveCreateOutput(string FilesystemId, long Entries, long Bytes, long StoredBytes, int Volumes, double Seconds, int Problems);

internal sealed record ArchiveExtractOutput(long Entries, long Bytes, double Seconds);

internal sealed record CompareOutput(List<string> Changed, List<string> Missing, List<string> New);

internal sealed record VerifyOutput(List<string> Checked, List<string> Skipped);

internal sealed record ProgressOutput(ProgressDetail Progress);

/// <summary>`serve --json`: a client's phase changed (one line each time).</summary>
internal sealed record ServeClientOutput(string Mac, string? Hostname, string? Address, string Phase, long HttpBytes, string? Error);

internal sealed record ProgressDetail(
    long Entries,
    long Bytes,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? TotalBytes,
    [property: JsonConverter(typeof(OneDecimalConverter))] double MibPerSecond,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? EtaSeconds);

internal sealed record BackupOutput(
    string Directory, string Manifest, string Layout, List<BackupArchiveOutput> Archives, List<string> NotBackedUp, long Bytes, long StoredBytes, double Seconds);

internal sealed record BackupArchiveOutput(string FilesystemId, string Root, long Entries, long Bytes, long StoredBytes, int Volumes, int Problems);

internal sealed record MediaOutput(List<string> Files, List<MediumOutput> Media, double Seconds, string? SecureBoot);

internal sealed record MediumOutput(string Path, string Label, int Index, int Count, long Bytes, string Sha256, int Volumes);

internal sealed record BackupsListOutput(string Destination, List<StoredBackupOutput> Backups);

internal sealed record StoredBackupOutput(string Name, string Host, DateTimeOffset? Time, bool Complete, long Bytes, int Files, DateTimeOffset LastWritten,
    int Level, string? Parent, string? Full, string? Broken);

internal sealed record PruneOutput(string Destination, int KeepFull, bool DryRun, List<string> Kept, List<PrunedBackupOutput> Deleted);

internal sealed record PrunedBackupOutput(string Name, long Bytes, string Why);

internal sealed record FetchOutput(
    string Directory,
    int Files,
    long Bytes,
    int Reused,
    int Retries,
    [property: JsonConverter(typeof(TwoDecimalsConverter))] double Seconds,
    [property: JsonConverter(typeof(OneDecimalConverter))] double MibPerSecond);

internal sealed record LayoutCheckOutput(bool Changed, List<LayoutChangeOutput> Changes);

internal sealed record LayoutChangeOutput(string Key, string? Old, string? New, bool Matters);

internal sealed record ConfigShowOutput(string? File, List<ConfigKeyOutput> Keys);

/// <summary>mkcdrec scheduled: the job, its exit code, the summary line the journal gets, and what happened to the mail.</summary>
internal sealed record ScheduledOutput(string Job, int ExitCode, string Summary, string? MailNote);

internal sealed record ConfigKeyOutput(string Key, string Kind, List<string> Values, List<string> Sources, string Allowed, string Description, List<ConfigUseOutput> Uses);

internal sealed record ConfigUseOutput(string Verb, string Option, string? Default);

/// <summary>`mkcdrec report --json`: where the page went, and whether its plan, backups and drill could be shown.</summary>
internal sealed record ReportOutput(string Path, long Bytes, bool Planned, bool BackupsListed, bool? DrillPassed);
