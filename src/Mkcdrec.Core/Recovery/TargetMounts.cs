using Mkcdrec.Core.Platform;
using Mkcdrec.Model.Plan;

namespace Mkcdrec.Core.Recovery;

/// <summary>The filesystems of the plan under the target root: which are mounted, mounting them again, unmounting them all.</summary>
public sealed class TargetMounts(IProcessRunner run, ISystemFiles files, ILog log)
{
    public bool IsMountPoint(string dir)
    {
        var full = Path.GetFullPath(dir).TrimEnd('/');
        if (full.Length == 0)
        {
            full = "/";
        }

        var text = files.ReadText("/proc/self/mountinfo") ?? "";
        foreach (var line in text.Split('\n'))
        {
            var f = line.Split(' ');
            if (f.Length > 4 && Unescape(f[4]) == full)
            {
                return true;
            }
        }

        return false;
    }

    private static string Unescape(string s) => s.Replace("\\040", " ", StringComparison.Ordinal).Replace("\\011", "\t", StringComparison.Ordinal)
        .Replace("\\012", "\n", StringComparison.Ordinal).Replace("\\134", "\\", StringComparison.Ordinal);

    /// <summary>After a reboot of the rescue system the journal says "mounted" but nothing is: mount again what is not.</summary>
    public void EnsureMounted(RecoveryPlan plan, Action<string> say)
    {
        foreach (var s in plan.Steps.Where(s => s.Kind == StepKinds.Mount))
        {
            var mount = s.Commands.LastOrDefault(c => c.Argv.Count > 0 && c.Argv[0] == "mount");
            if (mount is null || IsMountPoint(mount.Argv[^1]))
            {
                continue;
            }

            say($"{mount.Argv[^1]} is not mounted (resumed run?): mounting it again");
            foreach (var c in s.Commands)
            {
                run.RunChecked(new ProcessRequest(c.Argv[0], c.Argv.Skip(1).ToList()));
            }
        }
    }

    public void UnmountAll(RecoveryPlan plan, Action<string> say)
    {
        run.Run(new ProcessRequest("sync", []));
        var dirs = plan.Steps.Where(s => s.Kind == StepKinds.Mount)
            .Select(s => s.Commands.LastOrDefault(c => c.Argv.Count > 0 && c.Argv[0] == "mount")?.Argv[^1])
            .OfType<string>().Where(IsMountPoint).OrderByDescending(d => d.Length).ToList();
        foreach (var d in dirs)
        {
            var r = run.Run(new ProcessRequest("umount", [d]));
            if (r.ExitCode != 0)
            {
                log.Warn($"umount {d}: {r.StandardError.Trim()}");
                throw new MkcdrecException(ExitCode.CommandFailed, $"Cannot unmount {d}: {r.StandardError.Trim()}",
                    "Something still uses the recovered system (a shell in it?); leave it, then run 'umount -R " + plan.TargetRoot + "' before rebooting.");
            }
        }

        say($"Unmounted {dirs.Count} filesystem(s) under {plan.TargetRoot}; the recovered system is ready to boot.");
    }
}
