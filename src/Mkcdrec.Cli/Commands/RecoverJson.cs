using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Mkcdrec.Core.Execution;
using Mkcdrec.Core.Recovery;

namespace Mkcdrec.Cli.Commands;

/// <summary>`recover --layout-only --json`: what the executor ran and skipped.</summary>
internal sealed record LayoutRecreatedJson(int Ran, int SkippedCompleted, int SkippedOtherPhase, decimal Seconds);

/// <summary>`recover --backup --json`: what was restored, and the time of each phase.</summary>
internal sealed record RecoveredJson(decimal Seconds, long Entries, long Bytes, Dictionary<string, decimal> Phases);

/// <summary>The JSON the recover command prints, written by source-generated serializers (NativeAOT: no reflection).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(LayoutRecreatedJson))]
[JsonSerializable(typeof(RecoveredJson))]
internal sealed partial class RecoverJsonContext : JsonSerializerContext
{
    public static string Of(ExecutionResult r) =>
        JsonSerializer.Serialize(new LayoutRecreatedJson(r.Ran, r.SkippedCompleted, r.SkippedOtherPhase, Tenths(r.Elapsed)), Default.LayoutRecreatedJson);

    public static string Of(RecoverResult r)
    {
        var phases = new Dictionary<string, decimal>(StringComparer.Ordinal);
        foreach (var (phase, elapsed) in r.Phases)
        {
            phases[phase] = Tenths(elapsed);
        }

        return JsonSerializer.Serialize(new RecoveredJson(Tenths(r.Elapsed), r.RestoredEntries, r.RestoredBytes, phases), Default.RecoveredJson);
    }

    /// <summary>Seconds to one decimal, kept as written ("3.0", not 3): a decimal keeps the scale it was parsed with.</summary>
    private static decimal Tenths(TimeSpan t) => decimal.Parse(t.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
}
