using System.Text.Json.Serialization;

namespace Mkcdrec.Model.Layout;

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UseStringEnumConverter = true)]
[JsonSerializable(typeof(LayoutDocument))]
public sealed partial class LayoutJsonContext : JsonSerializerContext
{
}
