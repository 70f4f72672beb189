using Mkcdrec.Core.Storage;
using Mkcdrec.Model.Plan;

namespace Mkcdrec.Core.Planning;

/// <summary>Puts plan steps in an order where each one comes after what it requires.</summary>
internal static class StepOrder
{
    /// <summary>
    /// Topological order: repeatedly the first ready step of the earliest kind (the kinds in registry order, each
    /// technology's in its own order; stable within a kind); after-restore steps last.
    /// </summary>
    public static List<PlanStep> Order(IReadOnlyList<PlanStep> steps, IReadOnlyList<IStorageTechnology> technologies)
    {
        var kindOrder = technologies.SelectMany(t => t.StepKindOrder).ToList();
        var pending = steps.Select((s, i) => (Step: s, Index: i, Rank: kindOrder.IndexOf(s.Kind))).ToList();
        var have = new HashSet<string>(StringComparer.Ordinal);
        var result = new List<PlanStep>();
        var producible = steps.SelectMany(s => s.Provides).ToHashSet(StringComparer.Ordinal);
        while (pending.Count > 0)
        {
            var next = pending.Where(p => p.Step.Requires.All(have.Contains))
                .OrderBy(p => p.Step.Phase == StepPhases.AfterRestore ? 1 : 0).ThenBy(p => p.Rank).ThenBy(p => p.Index).FirstOrDefault();
            if (next.Step is null)
            {
                var stuck = pending.Select(p => $"{p.Step.Id} needs {string.Join(", ", p.Step.Requires.Where(r => !have.Contains(r)))}");
                var unmade = pending.SelectMany(p => p.Step.Requires).Where(r => !producible.Contains(r)).Distinct().ToList();
                throw new MkcdrecException(ExitCode.Refused,
                    "The layout's devices cannot be put in an order that builds each one on what it needs: " + string.Join("; ", stuck) + "."
                    + (unmade.Count > 0 ? $" Nothing makes: {string.Join(", ", unmade)}." : ""),
                    "The layout may be incomplete (a disk not captured or not mapped); check it with 'mkcdrec layout show FILE'.");
            }

            pending.Remove(next);
            result.Add(next.Step);
            have.UnionWith(next.Step.Provides);
        }

        return result;
    }
}
