using System.Text.Json.Serialization;

namespace Mkcdrec.Model.Plan;

/// <summary>
/// What recovery will do, step by step (docs/plan-format.md). Made by the planner from a layout and the disks
/// found in the rescue system; printed by <c>mkcdrec recover --plan</c>; the only thing the executor runs.
/// </summary>
public sealed class RecoveryPlan
{
    public const int CurrentFormatVersion = 1;

    public int FormatVersion { get; set; } = CurrentFormatVersion;

    /// <summary>The host the layout was captured on, and when.</summary>
    public string SourceHost { get; set; } = "";

    public DateTimeOffset LayoutCapturedAt { get; set; }

    /// <summary>Where the recreated filesystems are mounted (default /mnt/local).</summary>
    public string TargetRoot { get; set; } = "/mnt/local";

    /// <summary>The disks the rescue system found (including the ones that must not be touched).</summary>
    public List<TargetDisk> TargetDisks { get; set; } = [];

    /// <summary>One entry per source disk of the layout: where it goes and why.</summary>
    public List<DiskMapping> Mappings { get; set; } = [];

    /// <summary>The steps, in the order they must run.</summary>
    public List<PlanStep> Steps { get; set; } = [];

    /// <summary>Placeholders that appear in step arguments and that the executor must fill in (see <see cref="PlanPlaceholders"/>).</summary>
    public List<PlanPlaceholder> Placeholders { get; set; } = [];

    /// <summary>Things a human should read before running the plan.</summary>
    public List<string> Warnings { get; set; } = [];

    /// <summary>Identifiers the plan would create that a device it does not overwrite already has: the executor refuses the plan while there are any.</summary>
    public List<IdentifierConflict> IdentifierConflicts { get; set; } = [];

    /// <summary>`--new-identifiers`: the identifiers the steps make anew instead of keeping the layout's (empty otherwise).</summary>
    public List<NewIdentifier> NewIdentifiers { get; set; } = [];

    /// <summary>The value --new-identifiers gives the layout object <paramref name="layoutId"/>; null when it keeps its own
    /// (not renewed, or renewed as "": chosen by the tool that makes it).</summary>
    public string? RenewedValue(string layoutId) => NewIdentifiers.FirstOrDefault(n => n.LayoutId == layoutId && n.New.Length > 0)?.New;
}

/// <summary>A disk the rescue system found: a possible target.</summary>
public sealed class TargetDisk
{
    /// <summary>/dev/NAME.</summary>
    public string Path { get; set; } = "";

    public string KernelName { get; set; } = "";

    public long SizeBytes { get; set; }

    public int LogicalSectorSize { get; set; } = 512;

    public string? Serial { get; set; }

    public string? Wwn { get; set; }

    public List<string> ByIdLinks { get; set; } = [];

    /// <summary>The disk the rescue system booted from: never a target.</summary>
    public bool IsBootMedium { get; set; }

    /// <summary>The disk holding the backup being restored: never a target.</summary>
    public bool HoldsBackup { get; set; }

    /// <summary>Filesystems or swap on it are in use by the running system: never a target.</summary>
    public bool InUse { get; set; }

    /// <summary>Why it is excluded, when it is (e.g. "--exclude-disk", "holds /mnt/backup", "mounted at /").</summary>
    public string? ExcludedBecause { get; set; }

    [JsonIgnore]
    public bool Excluded => IsBootMedium || HoldsBackup || InUse;
}

public static class MappingReasons
{
    public const string Explicit = "explicit --map";
    public const string SameWwn = "same WWN";
    public const string SameSerial = "same serial";
    public const string EqualSize = "equal size";
    public const string OnlyFit = "only disk that fits";
    public const string LargestToLargest = "largest to largest";
    public const string Missing = "missing (redundancy allows it)";
    public const string Unused = "not mapped (nothing on it to recreate)";
    public const string Copy = "unused disk: completes a degraded RAID";
}

/// <summary>Where one source disk of the layout is recreated.</summary>
public sealed class DiskMapping
{
    /// <summary>The layout's disk id.</summary>
    public string SourceId { get; set; } = "";

    public string SourcePath { get; set; } = "";

    public long SourceSizeBytes { get; set; }

    /// <summary>The target disk's path; null when the disk is missing or unused.</summary>
    public string? TargetPath { get; set; }

    public long? TargetSizeBytes { get; set; }

    /// <summary>Why this target (see <see cref="MappingReasons"/>).</summary>
    public string Reason { get; set; } = "";

    /// <summary>True when the source disk has no target and the plan builds degraded arrays without it.</summary>
    public bool Missing { get; set; }

    /// <summary>
    /// Set when the source is not a disk of the layout but a copy of one (<see cref="MappingReasons.Copy"/>): the layout id
    /// of the disk whose partition table it copies. It gets what that disk gets at finalize (GRUB for BIOS).
    /// </summary>
    public string? CopyOf { get; set; }

    /// <summary>"exact" (same size: byte-exact partition starts and sizes), "grow", "shrink", or null when nothing is partitioned.</summary>
    public string? Resize { get; set; }
}

public static class StepKinds
{
    public const string Wipe = "wipe";
    public const string Partition = "partition";
    public const string MdCreate = "md-create";
    public const string LuksFormat = "luks-format";

    /// <summary>Writes the container's header kept by an encrypted backup (all its keyslots) instead of formatting it anew.</summary>
    public const string LuksHeaderRestore = "luks-header-restore";
    public const string LuksOpen = "luks-open";
    public const string PvCreate = "pv-create";
    public const string VgCreate = "vg-create";
    public const string LvCreate = "lv-create";
    public const string LvmIds = "lvm-ids";
    public const string Mkfs = "mkfs";
    public const string Mkswap = "mkswap";
    public const string BtrfsSubvolumes = "btrfs-subvolumes";
    public const string Mount = "mount";
    public const string BtrfsReadOnly = "btrfs-readonly";
}

public static class StepPhases
{
    /// <summary>Recreate the storage and mount it under the target root.</summary>
    public const string Layout = "layout";

    /// <summary>Run after the backup has been restored into the target root (e.g. making snapshots read-only).</summary>
    public const string AfterRestore = "after-restore";
}

/// <summary>One step of the plan.</summary>
public sealed class PlanStep
{
    /// <summary>Stable id: kind + ":" + the layout id of what it makes (e.g. "mkfs:fs:ext4:…"). Journals refer to it.</summary>
    public string Id { get; set; } = "";

    /// <summary>See <see cref="StepKinds"/>.</summary>
    public string Kind { get; set; } = "";

    /// <summary>See <see cref="StepPhases"/>.</summary>
    public string Phase { get; set; } = StepPhases.Layout;

    /// <summary>What it does, for humans.</summary>
    public string Description { get; set; } = "";

    /// <summary>The device paths of the rescue system it reads or writes.</summary>
    public List<string> Devices { get; set; } = [];

    /// <summary>Whether it destroys data on <see cref="Devices"/>.</summary>
    public bool Destructive { get; set; }

    /// <summary>Layout ids (or step-made tokens like "mount:/home") that earlier steps must have produced.</summary>
    public List<string> Requires { get; set; } = [];

    /// <summary>Layout ids (or tokens) this step produces.</summary>
    public List<string> Provides { get; set; } = [];

    /// <summary>The external commands to run, in order: exact argument vectors, never shell strings. Empty for a partition step.</summary>
    public List<PlanCommand> Commands { get; set; } = [];

    /// <summary>For a partition step: the complete table to write with mkcdrec's own GPT/MBR writer.</summary>
    public PartitionTableSpec? PartitionTable { get; set; }
}

/// <summary>One external command: argv[0] is the program.</summary>
public sealed class PlanCommand
{
    public List<string> Argv { get; set; } = [];

    public PlanCommand()
    {
    }

    public PlanCommand(IEnumerable<string> argv) => Argv = [.. argv];

    /// <summary>Text given to the command on its standard input; null for none (e.g. `tee FILE` writing a sysfs attribute).</summary>
    public string? StandardInput { get; set; }

    /// <summary>The command line as a human reads it (arguments quoted where needed; standard input as `&lt;&lt;&lt; TEXT`). Not for a shell.</summary>
    public override string ToString() => string.Join(' ', Argv.Select(Quote)) + (StandardInput is null ? "" : " <<< " + Quote(StandardInput));

    private static string Quote(string s) =>
        s.Length > 0 && s.All(c => char.IsAsciiLetterOrDigit(c) || "-_./=:,@+%{}".Contains(c)) ? s : "'" + s.Replace("'", "'\\''") + "'";
}

/// <summary>A complete partition table for one target disk.</summary>
public sealed class PartitionTableSpec
{
    /// <summary>The target disk path.</summary>
    public string Device { get; set; } = "";

    /// <summary>"gpt" or "mbr".</summary>
    public string Kind { get; set; } = "";

    public int SectorSize { get; set; } = 512;

    /// <summary>The target disk's size the table was planned for; the executor refuses to write it on a disk of another size.</summary>
    public long DeviceSizeBytes { get; set; }

    public Guid? DiskGuid { get; set; }

    /// <summary>MBR disk signature, 8 hex digits.</summary>
    public string? MbrDiskId { get; set; }

    public long? FirstUsableLba { get; set; }

    public long? LastUsableLba { get; set; }

    public int? GptEntryCount { get; set; }

    public List<PartitionSpec> Partitions { get; set; } = [];
}

public sealed class PartitionSpec
{
    public int Number { get; set; }

    /// <summary>"gpt", "primary", "extended" or "logical".</summary>
    public string Kind { get; set; } = "";

    public long StartSector { get; set; }

    public long SizeSectors { get; set; }

    public Guid? TypeGuid { get; set; }

    /// <summary>MBR type byte, two hex digits.</summary>
    public string? MbrType { get; set; }

    /// <summary>GPT unique partition GUID (kept from the layout so PARTUUID= references keep working).</summary>
    public Guid? PartUuid { get; set; }

    public string? Name { get; set; }

    public ulong? Attributes { get; set; }

    public bool Bootable { get; set; }

    /// <summary>The layout's partition id this recreates.</summary>
    public string SourceId { get; set; } = "";

    /// <summary>The device path the partition will have on the target.</summary>
    public string Path { get; set; } = "";

    public long OriginalSizeBytes { get; set; }
}

/// <summary>A value the executor fills in at run time (never stored in the plan: passphrases, key files).</summary>
public sealed class PlanPlaceholder
{
    /// <summary>The literal text in step arguments, e.g. "{keyfile:luks:…}".</summary>
    public string Token { get; set; } = "";

    /// <summary>What to put there, e.g. "a file holding the passphrase of LUKS … (prompted, or from --key-file)".</summary>
    public string Meaning { get; set; } = "";

    /// <summary>For a key file token: the UUID of the LUKS container it unlocks (the name of its file on the keys medium).</summary>
    public string? LuksUuid { get; set; }

    /// <summary>For a key file token: the device the container was on in the layout (e.g. /dev/vda3), for messages.</summary>
    public string? WasOn { get; set; }
}

public static class PlanPlaceholders
{
    /// <summary>The key file token for a LUKS device: a file holding its passphrase, prompted for or given with --key-file.</summary>
    public static string KeyFile(string luksId) => "{keyfile:" + luksId + "}";

    /// <summary>The header file token for a LUKS device: its header as the backup kept it, extracted at recovery.</summary>
    public static string HeaderFile(string luksId) => "{luksheader:" + luksId + "}";
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(RecoveryPlan))]
[JsonSerializable(typeof(List<TargetDisk>))]
public sealed partial class PlanJsonContext : JsonSerializerContext
{
}
