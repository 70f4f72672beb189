using Mkcdrec.Model.Plan;

namespace Mkcdrec.Core.Secrets;

/// <summary>A LUKS container the plan will format or open, whose key must be found before the run: its token in the plan, its UUID, where it was.</summary>
public sealed record LuksKeyNeed(string Token, string Uuid, string WasOn)
{
    /// <summary>What the plan's placeholders say of these tokens (a token without one is read as {keyfile:luks:UUID}).</summary>
    public static List<LuksKeyNeed> Of(RecoveryPlan plan, IEnumerable<string> tokens) =>
        [.. tokens.Select(t => plan.Placeholders.FirstOrDefault(p => p.Token == t) is { LuksUuid: { } uuid } p
            ? new LuksKeyNeed(t, uuid, p.WasOn ?? "?")
            : new LuksKeyNeed(t, UuidOfToken(t), "?"))];

    private static string UuidOfToken(string token)
    {
        var id = token.Trim('{', '}');
        id = id.StartsWith("keyfile:", StringComparison.Ordinal) ? id["keyfile:".Length..] : id;
        return id.StartsWith("luks:", StringComparison.Ordinal) ? id["luks:".Length..] : id;
    }

    /// <summary>How messages name the container: "LUKS 1234-… (was on /dev/vda3)".</summary>
    public string Describe() => WasOn == "?" ? $"LUKS {Uuid}" : $"LUKS {Uuid} (was on {WasOn})";
}
