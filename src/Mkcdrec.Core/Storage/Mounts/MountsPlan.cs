using Mkcdrec.Model.Layout;
using Mkcdrec.Model.Plan;

namespace Mkcdrec.Core.Storage.Mounts;

public sealed partial class MountsTechnology
{
    /// <summary>Mounts every recreated filesystem at its original place under the target root: "/" first, parents before children.</summary>
    public void AddSteps(PlanContext context)
    {
        var graph = context.Graph;
        var made = context.Steps.SelectMany(s => s.Provides).ToHashSet(StringComparer.Ordinal);
        var mounts = context.Layout.Mounts
            .Where(m => made.Contains(m.FilesystemId) && !graph.IsSwap(m.FilesystemId) && m.Target.StartsWith('/'))
            .GroupBy(m => m.Target).Select(grp => grp.First())
            .OrderBy(m => m.Target == "/" ? 0 : 1).ThenBy(m => m.Target.Trim('/').Count(c => c == '/')).ThenBy(m => m.Target, StringComparer.Ordinal)
            .ToList();
        foreach (var m in mounts)
        {
            AddMount(context, m, mounts);
        }
    }

    private static void AddMount(PlanContext context, Mount m, List<Mount> mounts)
    {
        var root = context.Options.TargetRoot.TrimEnd('/');
        var f = context.Layout.Filesystems.First(x => x.Id == m.FilesystemId);
        var device = context.Paths[PlanContext.FilesystemDevices(f)[0]];
        var dir = m.Target == "/" ? (root.Length == 0 ? "/" : root) : root + m.Target;
        var requires = new List<string> { f.Id };
        var parent = mounts.Where(p => p != m && (p.Target == "/" || m.Target.StartsWith(p.Target.TrimEnd('/') + "/", StringComparison.Ordinal)))
            .OrderByDescending(p => p.Target.Length).FirstOrDefault();
        if (parent is not null)
        {
            requires.Add(PlanTokens.Mount(parent.Target));
        }

        var mount = new List<string> { "mount", "-t", f.Type == FilesystemTypes.Vfat ? "vfat" : f.Type };
        mount.AddRange(MountOptions.For(f, m, requires));
        mount.AddRange([device, dir]);
        var commands = new List<IEnumerable<string>>();
        if (f.Type == FilesystemTypes.Btrfs && PlanContext.FilesystemDevices(f).Count > 1)
        {
            commands.Add(["btrfs", "device", "scan"]);
        }

        commands.Add(["mkdir", "-p", dir]);
        commands.Add(mount);
        var subvolume = m.Subvolume?.Trim('/');
        context.AddStep(StepKinds.Mount, m.Target, $"Mount {device}{(subvolume is { Length: > 0 } ? $" (subvolume {subvolume})" : "")} on {dir} (was {m.Target})",
            false, [device], requires, [PlanTokens.Mount(m.Target)], [.. commands]);
    }
}
