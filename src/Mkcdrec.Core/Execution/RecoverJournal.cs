using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Mkcdrec.Core.Platform;
using Mkcdrec.Model.Plan;

namespace Mkcdrec.Core.Execution;

/// <summary>
/// What an interrupted recovery already did: the hash of the plan it ran and the ids of the steps that completed.
/// A rerun of the same plan skips those steps; a different plan discards the journal.
/// </summary>
public sealed class RecoverJournal
{
    public const string DefaultPath = "/var/lib/mkcdrec/recover-journal.json";

    public int FormatVersion { get; set; } = 1;

    /// <summary>SHA-256 (hex) of the plan's target root and steps (see <see cref="HashOf"/>).</summary>
    public string PlanHash { get; set; } = "";

    public List<string> CompletedSteps { get; set; } = [];

    /// <summary>What the plan was made from (layout file contents and planning options, see <see cref="RequestKeyOf"/>): a rerun
    /// with the same request resumes with <see cref="Plan"/> instead of planning again (the disks it made are in use by then).</summary>
    public string? RequestKey { get; set; }

    /// <summary>The plan being run.</summary>
    public RecoveryPlan? Plan { get; set; }

    public DateTimeOffset Updated { get; set; }

    /// <summary>The target disks the run writes, as they were when it started (path, size, serial, WWN): a resume checks that
    /// the disks at those paths are still the same ones before it skips anything.</summary>
    public List<JournalDisk>? Disks { get; set; }

    /// <summary>The identities of the disks the plan writes (its mapped targets), from the plan's list of disks found.</summary>
    public static List<JournalDisk> DisksOf(RecoveryPlan plan)
    {
        var targets = plan.Mappings.Where(m => m.TargetPath is not null).Select(m => m.TargetPath!).ToHashSet(StringComparer.Ordinal);
        return [.. plan.TargetDisks.Where(d => targets.Contains(d.Path)).OrderBy(d => d.Path, StringComparer.Ordinal)
            .Select(d => new JournalDisk { Path = d.Path, SizeBytes = d.SizeBytes, Serial = d.Serial, Wwn = d.Wwn })];
    }

    /// <summary>Why the disks found now are not the ones the journal was written for; null when they are.</summary>
    public string? DifferentDisks(IReadOnlyList<TargetDisk> now)
    {
        var diffs = new List<string>();
        foreach (var was in Disks ?? DisksOf(Plan ?? new RecoveryPlan()))
        {
            var cur = now.FirstOrDefault(d => d.Path == was.Path);
            if (cur is null)
            {
                diffs.Add($"{was.Path} ({was.Describe()}) is gone");
                continue;
            }

            var isNow = new JournalDisk { Path = cur.Path, SizeBytes = cur.SizeBytes, Serial = cur.Serial, Wwn = cur.Wwn };
            if (cur.SizeBytes != was.SizeBytes || cur.Serial != was.Serial || cur.Wwn != was.Wwn)
            {
                diffs.Add($"{was.Path} was {was.Describe()} and is now {isNow.Describe()}");
            }
        }

        return diffs.Count == 0 ? null : string.Join("; ", diffs);
    }

    /// <summary>The plan's identity for the journal: its target root and steps (ids, devices, commands, tables), not the disks' momentary state.</summary>
    public static string HashOf(RecoveryPlan plan)
    {
        var only = new RecoveryPlan { FormatVersion = plan.FormatVersion, TargetRoot = plan.TargetRoot, Steps = plan.Steps };
        var json = PlanSerializer.Serialize(only);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(json)));
    }

    /// <summary>A key for "the same recovery request": SHA-256 over the layout text and the planning options.</summary>
    public static string RequestKeyOf(string layoutText, IEnumerable<string> options) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(layoutText + "\n\0" + string.Join("\0", options))));

    /// <summary>Reads the journal at <paramref name="path"/>; null when there is none or it is unreadable.</summary>
    public static RecoverJournal? Load(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize(File.ReadAllText(path), JournalJsonContext.Default.RecoverJournal);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Writes atomically, so a crash never leaves half a journal.</summary>
    public void Save(string path)
    {
        Updated = DateTimeOffset.UtcNow;
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        AtomicFile.WriteAllText(path, JsonSerializer.Serialize(this, JournalJsonContext.Default.RecoverJournal) + "\n");
    }
}

/// <summary>A disk's identity as the journal records it.</summary>
public sealed class JournalDisk
{
    public string Path { get; set; } = "";

    public long SizeBytes { get; set; }

    public string? Serial { get; set; }

    public string? Wwn { get; set; }

    public string Describe() =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{SizeBytes} bytes") + (Serial is null ? "" : ", serial " + Serial) + (Wwn is null ? "" : ", WWN " + Wwn);
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(RecoverJournal))]
internal sealed partial class JournalJsonContext : JsonSerializerContext
{
}
