using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Mkcdrec.Model.Manifest;

/// <summary>
/// Reads and writes a <see cref="FileRecord"/> by hand, byte for byte what the generated serializer wrote: a manifest
/// lists every file of the tree, and the generic property lookup and per-record allocations made reading a parent's
/// list the largest part of an increment's time. Unknown properties are skipped as before.
/// </summary>
public sealed class FileRecordJsonConverter : JsonConverter<FileRecord>
{
    private static readonly string[] Types = ["f", "d", "l", "h", "c", "b", "p"];

    public override FileRecord Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException($"a file record must be a JSON object, not {reader.TokenType}");
        }

        var r = new FileRecord();
        try
        {
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                ReadOnlySpan<byte> name = reader.ValueIsEscaped ? Encoding.UTF8.GetBytes(reader.GetString()!) : reader.ValueSpan;
                reader.Read();
                ReadProperty(ref reader, name, r);
            }
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException)
        {
            throw new JsonException($"a file record has a value of the wrong kind: {e.Message}", e);
        }

        return reader.TokenType == JsonTokenType.EndObject ? r : throw new JsonException("a file record is not a complete JSON object");
    }

    private static void ReadProperty(ref Utf8JsonReader reader, ReadOnlySpan<byte> name, FileRecord r)
    {
        if (name.SequenceEqual("p"u8))
        {
            r.Path = reader.GetString();
        }
        else if (name.SequenceEqual("t"u8))
        {
            r.Type = TypeOf(ref reader)!;
        }
        else if (name.SequenceEqual("m"u8))
        {
            r.Mode = reader.GetUInt32();
        }
        else if (name.SequenceEqual("u"u8))
        {
            r.Uid = reader.GetUInt32();
        }
        else if (name.SequenceEqual("g"u8))
        {
            r.Gid = reader.GetUInt32();
        }
        else if (name.SequenceEqual("s"u8))
        {
            r.Size = reader.GetInt64();
        }
        else if (name.SequenceEqual("mt"u8))
        {
            r.MTime = reader.GetString()!;
        }
        else if (name.SequenceEqual("h"u8))
        {
            r.Hash = reader.GetString();
        }
        else if (name.SequenceEqual("n"u8))
        {
            r.Unchanged = reader.TokenType == JsonTokenType.Null ? null : reader.GetBoolean();
        }
        else if (name.SequenceEqual("x"u8))
        {
            r.XattrHash = reader.GetString();
        }
        else if (name.SequenceEqual("l"u8))
        {
            r.Link = reader.GetString();
        }
        else if (name.SequenceEqual("lb"u8))
        {
            r.LinkBase64 = reader.GetString();
        }
        else if (name.SequenceEqual("pb"u8))
        {
            r.PathBase64 = reader.GetString();
        }
        else if (name.SequenceEqual("dev"u8))
        {
            r.Device = reader.GetString();
        }
        else
        {
            reader.Skip();
        }
    }

    /// <summary>The one-letter types as shared strings: a list of a whole tree would otherwise hold one copy per file.</summary>
    private static string? TypeOf(ref Utf8JsonReader reader)
    {
        if (reader.TokenType == JsonTokenType.String && !reader.ValueIsEscaped && reader.ValueSpan.Length == 1)
        {
            foreach (var t in Types)
            {
                if (t[0] == reader.ValueSpan[0])
                {
                    return t;
                }
            }
        }

        return reader.GetString();
    }

    public override void Write(Utf8JsonWriter writer, FileRecord value, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        WriteIfSet(writer, "p"u8, value.Path);
        WriteIfSet(writer, "pb"u8, value.PathBase64);
        WriteIfSet(writer, "t"u8, value.Type);
        writer.WriteNumber("m"u8, value.Mode);
        writer.WriteNumber("u"u8, value.Uid);
        writer.WriteNumber("g"u8, value.Gid);
        if (value.Size != 0)
        {
            writer.WriteNumber("s"u8, value.Size);
        }

        WriteIfSet(writer, "mt"u8, value.MTime);
        WriteIfSet(writer, "l"u8, value.Link);
        WriteIfSet(writer, "lb"u8, value.LinkBase64);
        WriteIfSet(writer, "h"u8, value.Hash);
        WriteIfSet(writer, "dev"u8, value.Device);
        WriteIfSet(writer, "x"u8, value.XattrHash);
        if (value.Unchanged is { } unchanged)
        {
            writer.WriteBoolean("n"u8, unchanged);
        }

        writer.WriteEndObject();
    }

    private static void WriteIfSet(Utf8JsonWriter writer, ReadOnlySpan<byte> name, string? value)
    {
        if (value is not null)
        {
            writer.WriteString(name, value);
        }
    }
}
