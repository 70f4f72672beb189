using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Mkcdrec.Model.Layout;

public static class LayoutSerializer
{
    private static readonly JsonTypeInfo<LayoutDocument> Strict = StrictJson.For<LayoutDocument>(LayoutJsonContext.Default);

    public static string Serialize(LayoutDocument doc) => JsonSerializer.Serialize(doc, LayoutJsonContext.Default.LayoutDocument);

    /// <summary>Parses a layout document; a bad or unknown-version document throws <see cref="InvalidDataException"/> saying why.</summary>
    public static LayoutDocument Deserialize(string json, string source = "layout")
    {
        LayoutDocument? doc;
        try
        {
            doc = JsonSerializer.Deserialize(json, Strict);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{source} is not a valid mkcdrec layout document: {e.Message} (line {e.LineNumber + 1}, byte {e.BytePositionInLine}).", e);
        }

        if (doc is null)
        {
            throw new InvalidDataException($"{source} is empty (JSON null), not a layout document.");
        }

        if (doc.FormatVersion < 1 || doc.FormatVersion > LayoutDocument.CurrentFormatVersion)
        {
            throw new InvalidDataException($"{source} has layout format version {doc.FormatVersion}; this mkcdrec reads versions 1 to {LayoutDocument.CurrentFormatVersion}.");
        }

        LayoutChecks.Check(doc, source);
        return doc;
    }
}
