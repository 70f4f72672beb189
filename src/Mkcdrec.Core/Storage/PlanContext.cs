namespace Mkcdrec.Core.Storage;

/// <summary>What planning shares between the technologies (filled in by the planner split).</summary>
public sealed class PlanContext
{
}
