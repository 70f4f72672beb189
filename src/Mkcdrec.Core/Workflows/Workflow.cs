using System.Diagnostics;
using Mkcdrec.Core.Platform;

namespace Mkcdrec.Core.Workflows;

/// <summary>
/// An ordered list of named steps (like ReaR's stages, without its globals): each step is logged with its timing;
/// <see cref="Describe"/> lists them for --simulate. State flows through the typed context the caller owns.
/// </summary>
public sealed class Workflow<TContext>
{
    private readonly List<(string Name, Action<TContext> Run)> _steps = [];

    public Workflow(string name) => Name = name;

    public string Name { get; }

    public Workflow<TContext> Step(string name, Action<TContext> run)
    {
        _steps.Add((name, run));
        return this;
    }

    public IReadOnlyList<string> Describe() => _steps.Select(s => s.Name).ToList();

    public IReadOnlyList<(string Step, TimeSpan Elapsed)> Run(TContext context, ILog log)
    {
        var timings = new List<(string, TimeSpan)>();
        var total = Stopwatch.StartNew();
        for (var i = 0; i < _steps.Count; i++)
        {
            var (name, run) = _steps[i];
            log.Info($"{Name} [{i + 1}/{_steps.Count}] {name}");
            var sw = Stopwatch.StartNew();
            try
            {
                run(context);
            }
            catch (Exception e)
            {
                log.Info($"{Name} [{i + 1}/{_steps.Count}] {name} failed after {sw.Elapsed.TotalSeconds:0.00} s: {e.Message}");
                throw;
            }

            timings.Add((name, sw.Elapsed));
            log.Info($"{Name} [{i + 1}/{_steps.Count}] {name} done in {sw.Elapsed.TotalSeconds:0.00} s");
        }

        log.Info($"{Name} finished in {total.Elapsed.TotalSeconds:0.00} s");
        return timings;
    }
}
