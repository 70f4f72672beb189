using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Mkcdrec.Cli.Json;

/// <summary>The `--json` output documents, serialized by source generation (NativeAOT: no reflection).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(ErrorOutput))]
[JsonSerializable(typeof(ServeClientOutput))]
[JsonSerializable(typeof(ArchiveCreateOutput))]
[JsonSerializable(typeof(ArchiveExtractOutput))]
[JsonSerializable(typeof(CompareOutput))]
[JsonSerializable(typeof(VerifyOutput))]
[JsonSerializable(typeof(ProgressOutput))]
[JsonSerializable(typeof(BackupOutput))]
[JsonSerializable(typeof(MediaOutput))]
[JsonSerializable(typeof(FetchOutput))]
[JsonSerializable(typeof(BackupsListOutput))]
[JsonSerializable(typeof(PruneOutput))]
[JsonSerializable(typeof(ConfigShowOutput))]
[JsonSerializable(typeof(ScheduledOutput))]
[JsonSerializable(typeof(ReportOutput))]
internal sealed partial class CliJsonContext : JsonSerializerContext
{
}

/// <summary>The indented documents (layout check prints its changes for people too).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true)]
[JsonSerializable(typeof(LayoutCheckOutput))]
internal sealed partial class CliIndentedJsonContext : JsonSerializerContext
{
}

/// <summary>Writes one JSON document as a line on standard output.</summary>
internal static class CliJson
{
    public static void WriteLine<T>(T value, JsonTypeInfo<T> type) => Console.Out.WriteLine(JsonSerializer.Serialize(value, type));
}
