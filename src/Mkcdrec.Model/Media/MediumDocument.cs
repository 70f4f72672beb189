using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Mkcdrec.Model.Media;

/// <summary>
/// /mkcdrec/medium.json on every rescue medium (docs/rescue-media.md): which medium of a set this is, the label of
/// every member, and which backup volumes each one holds, so the rescue system can ask for the right one.
/// </summary>
public sealed class MediumDocument
{
    public const int CurrentVersion = 1;

    private static readonly JsonTypeInfo<MediumDocument> Strict = StrictJson.For<MediumDocument>(MediumJsonContext.Default);

    public int FormatVersion { get; set; } = CurrentVersion;

    /// <summary>This medium's ISO9660 volume label.</summary>
    public string Label { get; set; } = "";

    /// <summary>1-based position of this medium in its set.</summary>
    public int Index { get; set; } = 1;

    /// <summary>Number of media in the set.</summary>
    public int Count { get; set; } = 1;

    /// <summary>Identifies the backup the set carries: the first 16 hex digits of the SHA-256 of its manifest.json; null without a backup.</summary>
    public string? BackupId { get; set; }

    public string Host { get; set; } = "";

    public DateTimeOffset Created { get; set; }

    public string MkcdrecVersion { get; set; } = "";

    /// <summary>Whether this medium boots (the first of a set does).</summary>
    public bool Bootable { get; set; }

    /// <summary>Every member of the set with the backup files it carries (names relative to /backup).</summary>
    public List<MediumEntry> Media { get; set; } = [];

    public static MediumDocument Parse(ReadOnlySpan<byte> json, string where)
    {
        MediumDocument? d;
        try
        {
            d = JsonSerializer.Deserialize(json, Strict);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{where}: not a valid medium.json: {e.Message}", e);
        }

        if (d is null || d.FormatVersion != CurrentVersion || d.Index < 1 || d.Index > d.Count)
        {
            throw new InvalidDataException($"{where}: not a medium.json this mkcdrec reads (format {d?.FormatVersion}, index {d?.Index} of {d?.Count}).");
        }

        return d;
    }

    public byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(this, MediumJsonContext.Default.MediumDocument);

    /// <summary>The member that carries backup file <paramref name="file"/>, or null.</summary>
    public MediumEntry? MediumOf(string file) => Media.FirstOrDefault(m => m.Files.Contains(file, StringComparer.Ordinal));
}

public sealed class MediumEntry
{
    public int Index { get; set; }

    public string Label { get; set; } = "";

    /// <summary>Backup volume files on this medium, in backup order (manifest.json is on every medium and not listed).</summary>
    public List<string> Files { get; set; } = [];

    public long Bytes { get; set; }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(MediumDocument))]
public sealed partial class MediumJsonContext : JsonSerializerContext
{
}
