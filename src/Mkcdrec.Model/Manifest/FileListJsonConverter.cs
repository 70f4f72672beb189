using System.Text.Json;
using System.Text.Json.Serialization;

namespace Mkcdrec.Model.Manifest;

/// <summary>
/// A manifest's file lists are read when first used, not with the manifest: an increment lists the whole tree, and
/// restoring a chain needs only each link's members, one link at a time. Reading the manifest checks a list's JSON
/// syntax and keeps where it is (<see cref="DeferredFileList"/>); <see cref="ArchiveRecord.Files"/> reads it all,
/// <see cref="ArchiveRecord.Members"/> only the members. Written record by record as before.
/// </summary>
public sealed class FileListJsonConverter : JsonConverter<List<FileRecord>>
{
    private static readonly FileRecordJsonConverter Records = new();

    public override List<FileRecord> Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw new JsonException($"a file list must be a JSON array, not {reader.TokenType}");
        }

        var start = reader.TokenStartIndex;
        reader.Skip();
        return new DeferredFileList(checked((int)start), checked((int)(reader.BytesConsumed - start)));
    }

    public override void Write(Utf8JsonWriter writer, List<FileRecord> value, JsonSerializerOptions options)
    {
        writer.WriteStartArray();
        foreach (var r in value)
        {
            Records.Write(writer, r, options);
        }

        writer.WriteEndArray();
    }

    /// <summary>The records of a list's JSON; with <paramref name="membersOnly"/> those an increment lists as unchanged are
    /// left out, most of them without being read (a record that says <c>"n":true</c> is skipped whole).</summary>
    internal static List<FileRecord> ReadList(ReadOnlySpan<byte> json, string where, bool membersOnly)
    {
        var list = new List<FileRecord>();
        var reader = new Utf8JsonReader(json);
        try
        {
            reader.Read();
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                if (membersOnly && reader.TokenType == JsonTokenType.StartObject)
                {
                    var probe = reader;
                    var start = (int)reader.TokenStartIndex;
                    probe.Skip();
                    if (json[start..(int)probe.BytesConsumed].IndexOf("\"n\":true"u8) >= 0)
                    {
                        reader = probe;
                        continue;
                    }
                }

                var r = Records.Read(ref reader, typeof(FileRecord), ManifestJsonContext.Default.Options);
                if (!membersOnly || r.Unchanged != true)
                {
                    list.Add(r);
                }
            }
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{where}: not a valid manifest: {e.Message}", e);
        }

        return list;
    }
}

/// <summary>A file list not read yet: where its JSON array is in the manifest's bytes.</summary>
internal sealed class DeferredFileList(int start, int length) : List<FileRecord>
{
    public int Start { get; } = start;

    public int Length { get; } = length;
}
