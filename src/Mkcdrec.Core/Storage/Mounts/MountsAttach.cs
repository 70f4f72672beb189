using Mkcdrec.Core.Platform;
using Mkcdrec.Model.Layout;

namespace Mkcdrec.Core.Storage.Mounts;

public sealed partial class MountsTechnology
{
    /// <summary>
    /// Mounts each filesystem of the layout at its place under the target root, found by its UUID: "/" first, a mount
    /// point only once its parent is mounted (never into the rescue system's own directories). Swap is left off.
    /// </summary>
    public void Attach(AttachContext context)
    {
        var root = context.TargetRoot.TrimEnd('/');
        foreach (var m in MountOrder(context.Layout))
        {
            var key = "mount:" + m.Target;
            if (context.IsDone(key))
            {
                continue;
            }

            var f = context.Layout.Filesystems.First(x => x.Id == m.FilesystemId);
            var dir = m.Target == "/" ? root : root + m.Target;
            if (MountedAt(context.Files).Contains(dir))
            {
                context.Done(key, false, $"{dir} is already mounted.");
                continue;
            }

            if (Parent(m, context.Layout) is { } parent && !context.IsDone("mount:" + parent.Target))
            {
                context.NotYet(key, $"{m.Target}: its parent {parent.Target} is not mounted");
                continue;
            }

            var device = f.Uuid is { Length: > 0 } uuid ? context.DeviceWithUuid(uuid) : null;
            if (device is null)
            {
                context.NotYet(key, $"{m.Target} ({f.Type} {f.Uuid ?? "without a UUID"}): no attached device has this filesystem");
                continue;
            }

            if (context.CheckFilesystems && !Checked(context, f, device, key, m.Target))
            {
                continue;
            }

            var args = new List<string> { "-t", f.Type == FilesystemTypes.Vfat ? "vfat" : f.Type };
            var options = OptionsFor(f, m, context.ReadOnly);
            if (options.Count > 0)
            {
                args.AddRange(["-o", string.Join(',', options)]);
            }

            args.AddRange([device, dir]);
            if (!context.ReadOnly || m.Target == "/")
            {
                context.Run.Run(new ProcessRequest("mkdir", ["-p", dir]));
            }

            context.Record(key, context.Run.Run(new ProcessRequest("mount", args)),
                $"Mounted {device} on {dir}{(options.Count > 0 ? $" ({string.Join(',', options)})" : "")}.", $"{m.Target}: mount {device} on {dir}");
        }
    }

    /// <summary>Unmounts everything at or below the target root, deepest first (a chroot's /dev, /proc and /sys binds too).</summary>
    public void Detach(AttachContext context)
    {
        var root = context.TargetRoot.TrimEnd('/');
        var below = MountedAt(context.Files).Where(d => d == root || d.StartsWith(root + "/", StringComparison.Ordinal))
            .OrderByDescending(d => d.Length).ToList();
        foreach (var dir in below)
        {
            context.Record("mount:" + dir, context.Run.Run(new ProcessRequest("umount", [dir])), $"Unmounted {dir}.", $"{dir} (a shell or program still uses it?)");
        }
    }

    /// <summary>
    /// `--check`: the filesystem's own checker, read-only (it writes nothing, whatever it finds), once per filesystem;
    /// false (the mount left pending with what it said) when it found problems.
    /// </summary>
    private static bool Checked(AttachContext context, Filesystem f, string device, string key, string target)
    {
        if (context.IsDone("check:" + f.Id))
        {
            return true;
        }

        (string Program, string[] Args, string Repair)? check = f.Type switch
        {
            "ext2" or "ext3" or "ext4" => ("e2fsck", ["-f", "-n", device], $"e2fsck -f {device}"),
            "xfs" => ("xfs_repair", ["-n", device], $"xfs_repair {device}"),
            FilesystemTypes.Btrfs => ("btrfs", ["check", "--readonly", device], $"btrfs check --repair {device} (read btrfs-check(8) first)"),
            FilesystemTypes.Vfat => ("fsck.vfat", ["-n", device], $"fsck.vfat -a {device}"),
            _ => null,
        };
        if (check is not { } c)
        {
            context.Done("check:" + f.Id, false, $"warning: no checker for {f.Type} ({device}); mounted unchecked.");
            return true;
        }

        var r = context.Run.Run(new ProcessRequest(c.Program, c.Args) { Timeout = TimeSpan.FromHours(2) });
        if (r.ExitCode != 0)
        {
            context.NotYet(key, $"{target}: {c.Program} found problems on {device} (exit {r.ExitCode}: {AttachContext.Why(r)}); not mounted. Repair it from the Shell ({c.Repair}), then mount again");
            return false;
        }

        context.Done("check:" + f.Id, false, $"Checked {device} ({f.Type}, {c.Program}): clean.");
        return true;
    }

    /// <summary>The layout's mounts that mount can bring back: real mount points of filesystems (not swap), parents before children.</summary>
    private static List<Mount> MountOrder(LayoutDocument layout) =>
        [.. layout.Mounts
            .Where(m => m.Target.StartsWith('/') && layout.Filesystems.Any(f => f.Id == m.FilesystemId && f.Type != FilesystemTypes.Swap))
            .GroupBy(m => m.Target).Select(g => g.First())
            .OrderBy(m => m.Target == "/" ? 0 : 1).ThenBy(m => m.Target.Trim('/').Count(c => c == '/')).ThenBy(m => m.Target, StringComparer.Ordinal)];

    private static Mount? Parent(Mount m, LayoutDocument layout) =>
        MountOrder(layout).Where(p => p != m && (p.Target == "/" || m.Target.StartsWith(p.Target.TrimEnd('/') + "/", StringComparison.Ordinal)))
            .OrderByDescending(p => p.Target.Length).FirstOrDefault();

    /// <summary>A btrfs subvolume as it was; read-only without journal or log replay, so that not one byte is written.</summary>
    private static List<string> OptionsFor(Filesystem f, Mount m, bool readOnly)
    {
        var options = new List<string>();
        if (f.Type == FilesystemTypes.Btrfs && m.Subvolume?.Trim('/') is { Length: > 0 } subvolume)
        {
            options.Add("subvol=/" + subvolume);
        }

        if (readOnly)
        {
            options.Add("ro");
            options.AddRange(f.Type switch
            {
                "ext3" or "ext4" => ["noload"],
                "xfs" => ["norecovery"],
                FilesystemTypes.Btrfs => ["rescue=nologreplay"],
                _ => [],
            });
        }

        return options;
    }

    private static HashSet<string> MountedAt(ISystemFiles files) =>
        [.. MountInfoParser.Parse(files.ReadText("/proc/self/mountinfo") ?? "").Select(e => e.MountPoint.Length > 1 ? e.MountPoint.TrimEnd('/') : e.MountPoint)];
}
