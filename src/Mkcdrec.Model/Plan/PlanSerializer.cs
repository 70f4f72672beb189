using System.Text.Json;

namespace Mkcdrec.Model.Plan;

public static class PlanSerializer
{
    public static string Serialize(RecoveryPlan plan) => JsonSerializer.Serialize(plan, PlanJsonContext.Default.RecoveryPlan);

    /// <summary>Parses a plan; a bad or unknown-version document throws <see cref="InvalidDataException"/> saying why.</summary>
    public static RecoveryPlan Deserialize(string json, string source = "plan")
    {
        RecoveryPlan? plan;
        try
        {
            plan = JsonSerializer.Deserialize(json, PlanJsonContext.Default.RecoveryPlan);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{source} is not a valid mkcdrec plan: {e.Message} (line {e.LineNumber + 1}, byte {e.BytePositionInLine}).", e);
        }

        if (plan is null)
        {
            throw new InvalidDataException($"{source} is empty (JSON null), not a plan.");
        }

        if (plan.FormatVersion < 1 || plan.FormatVersion > RecoveryPlan.CurrentFormatVersion)
        {
            throw new InvalidDataException($"{source} has plan format version {plan.FormatVersion}; this mkcdrec reads versions 1 to {RecoveryPlan.CurrentFormatVersion}.");
        }

        return plan;
    }

    public static string SerializeTargetDisks(List<TargetDisk> disks) => JsonSerializer.Serialize(disks, PlanJsonContext.Default.ListTargetDisk);

    /// <summary>Reads a JSON array of target disks (what `recover --target-disks FILE` takes).</summary>
    public static List<TargetDisk> DeserializeTargetDisks(string json, string source = "target disks")
    {
        try
        {
            return JsonSerializer.Deserialize(json, PlanJsonContext.Default.ListTargetDisk)
                ?? throw new InvalidDataException($"{source} is empty (JSON null), not a list of disks.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{source} is not a JSON list of target disks: {e.Message} (line {e.LineNumber + 1}).", e);
        }
    }
}
