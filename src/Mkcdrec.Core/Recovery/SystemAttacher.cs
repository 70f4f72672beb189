using Mkcdrec.Core.Platform;
using Mkcdrec.Core.Registry;
using Mkcdrec.Core.Storage;
using Mkcdrec.Model.Layout;

namespace Mkcdrec.Core.Recovery;

/// <summary>
/// `mkcdrec mount` and `umount`: the system a layout describes, brought up from its disks as they are (RAID assembled,
/// LUKS opened, LVM activated, filesystems mounted under the target root), or taken down. Each technology does its part
/// (<see cref="IStorageTechnology.Attach"/>); passes repeat while something new comes up, so any stacking order works
/// (LUKS on RAID, RAID on LUKS, LVM on either).
/// </summary>
public sealed class SystemAttacher(IProcessRunner run, ISystemFiles files, Action<string> say)
{
    private const int MaxPasses = 8;

    public AttachContext Attach(LayoutDocument layout, string targetRoot, bool readOnly, IReadOnlyDictionary<string, string> luksKeyFiles, bool check = false)
    {
        var context = TryAttach(layout, targetRoot, readOnly, luksKeyFiles, check);
        if (context.Pending.Count > 0)
        {
            throw new MkcdrecException(ExitCode.Incomplete,
                $"Not everything of {layout.Host.Hostname}'s layout came up ({context.Changed} brought up; what is up stays up):\n  "
                + string.Join("\n  ", context.Pending.Values),
                "Attach the missing disks, give the missing keys (--key-file, --secrets DIR), or mount the rest by hand; 'mkcdrec umount' takes it all down again.");
        }

        say($"{layout.Host.Hostname}'s system is mounted on {targetRoot}" + (readOnly ? " read-only (nothing is written to its disks)." : "."));
        return context;
    }

    /// <summary>Brings up what can come up; what cannot is left in <see cref="AttachContext.Pending"/> for the caller to judge.</summary>
    public AttachContext TryAttach(LayoutDocument layout, string targetRoot, bool readOnly, IReadOnlyDictionary<string, string> luksKeyFiles, bool check = false)
    {
        RefuseRootTarget(targetRoot);
        var context = NewContext(layout, targetRoot, readOnly, luksKeyFiles, check: check);
        for (var pass = 0; pass < MaxPasses; pass++)
        {
            var before = (context.Changed, context.Pending.Count);
            foreach (var technology in Technologies.Storage)
            {
                technology.Attach(context);
            }

            if (context.Pending.Count == 0 || (context.Changed, context.Pending.Count) == before && pass > 0)
            {
                break;
            }
        }

        return context;
    }

    public AttachContext Detach(LayoutDocument layout, string targetRoot)
    {
        RefuseRootTarget(targetRoot);
        var probe = NewContext(layout, targetRoot, false, new Dictionary<string, string>(StringComparer.Ordinal), false);
        var running = MountedOutside(probe);
        if (running is not null)
        {
            say($"{layout.Host.Hostname}'s system is running here ({running}): only what is mounted under {targetRoot} is taken down; its RAID, LUKS and LVM stay up.");
        }

        var context = NewContext(layout, targetRoot, false, new Dictionary<string, string>(StringComparer.Ordinal), running is not null);
        run.Run(new ProcessRequest("sync", []));
        foreach (var technology in Technologies.Storage.Reverse())
        {
            technology.Detach(context);
        }

        if (context.Pending.Count > 0)
        {
            throw new MkcdrecException(ExitCode.CommandFailed,
                "Could not take down:\n  " + string.Join("\n  ", context.Pending.Values),
                $"Leave {targetRoot} (cd /) and stop what uses it, then run 'mkcdrec umount' again.");
        }

        say(context.Changed == 0 ? $"Nothing of {layout.Host.Hostname}'s layout was up." : $"{layout.Host.Hostname}'s system is taken down ({context.Changed} unmounted, closed or stopped).");
        return context;
    }

    /// <summary>
    /// Where a filesystem of the layout is mounted outside the target root ("/dev/vda2 on /"), compared by device number
    /// (mountinfo's major:minor against the device blkid finds for its UUID); null when none is.
    /// </summary>
    private string? MountedOutside(AttachContext context)
    {
        var root = context.TargetRoot.TrimEnd('/');
        var outside = MountInfoParser.Parse(files.ReadText("/proc/self/mountinfo") ?? "")
            .Where(e => e.MountPoint != root && !e.MountPoint.StartsWith(root + "/", StringComparison.Ordinal)).ToList();
        foreach (var f in context.Layout.Filesystems.Where(f => f.Uuid is { Length: > 0 }))
        {
            var device = context.DeviceWithUuid(f.Uuid!);
            var name = device is null ? null : Path.GetFileName(files.ReadLink(device) ?? device);
            var number = name is null ? null : files.ReadText($"/sys/class/block/{name}/dev")?.Trim();
            if (number is { Length: > 0 } && outside.FirstOrDefault(e => $"{e.Major}:{e.Minor}" == number) is { } m)
            {
                return $"{device} is mounted on {m.MountPoint}";
            }
        }

        return null;
    }

    /// <summary>Whether something is mounted at <paramref name="dir"/> (/proc/self/mountinfo).</summary>
    public static bool IsMountPoint(ISystemFiles files, string dir) =>
        MountInfoParser.Parse(files.ReadText("/proc/self/mountinfo") ?? "").Any(e => e.MountPoint == dir);

    private AttachContext NewContext(LayoutDocument layout, string targetRoot, bool readOnly, IReadOnlyDictionary<string, string> keys, bool keepStack = false, bool check = false) => new()
    {
        KeepStack = keepStack,
        CheckFilesystems = check,
        Layout = layout,
        TargetRoot = targetRoot,
        ReadOnly = readOnly,
        LuksKeyFiles = keys,
        Run = run,
        Files = files,
        Say = say,
    };

    private static void RefuseRootTarget(string targetRoot)
    {
        if (targetRoot.Trim('/').Length == 0 || !targetRoot.StartsWith('/'))
        {
            throw new MkcdrecException(ExitCode.Usage, $"--target-root '{targetRoot}' must be an absolute directory other than /.",
                $"Leave it out ({PlanOptions.DefaultTargetRoot}) or give another directory.");
        }
    }
}
