using Mkcdrec.Core.Platform;
using Mkcdrec.Model.Layout;
using Mkcdrec.Model.Plan;

namespace Mkcdrec.Core.Storage;

/// <summary>What a technology needs to read back the identifiers of the devices a recovery plan made.</summary>
public sealed class IdProbeContext
{
    public required LayoutDocument Layout { get; init; }

    public required RecoveryPlan Plan { get; init; }

    public required IProcessRunner Run { get; init; }

    /// <summary>The first device of the step of <paramref name="kind"/> that made <paramref name="layoutId"/>; null when the plan has none.</summary>
    public string? MadeBy(string kind, string layoutId) =>
        Plan.Steps.FirstOrDefault(s => s.Kind == kind && s.Provides.Contains(layoutId)) is { Devices.Count: > 0 } step ? step.Devices[0] : null;

    /// <summary>Whether two spellings name the same UUID (mdadm writes colons, blkid dashes; case varies).</summary>
    public static bool SameUuid(string a, string b) => Normalize(a) == Normalize(b);

    private static string Normalize(string s) => s.Replace(":", "", StringComparison.Ordinal).Replace("-", "", StringComparison.Ordinal).ToLowerInvariant();
}
