using Mkcdrec.Core.Network;
using Mkcdrec.Core.Platform;
using Mkcdrec.Core.Registry;
using Mkcdrec.Core.Storage;
using Mkcdrec.Model.Layout;
using Mkcdrec.Model.Plan;

namespace Mkcdrec.Core.Recovery;

/// <summary>
/// Makes a restored system boot on its (possibly new) disks, from a chroot of the target root. The technologies
/// (<see cref="Technologies.Storage"/>) rewrite their configuration only where a UUID or a device name changed and
/// reinstall the boot loader; this class probes what changed, rebuilds the initramfs only when the boot path changed,
/// sets the SELinux relabel flag and applies a clone's identity before the technologies apply the rest of it.
/// </summary>
public sealed class SystemFinalizer
{
    private readonly IProcessRunner _run;
    private readonly ISystemFiles _files;
    private readonly IFileSystemAccess _fs;
    private readonly ILog _log;
    private readonly Action<string> _say;

    public SystemFinalizer(IProcessRunner run, ISystemFiles files, IFileSystemAccess fs, ILog log, Action<string> say)
    {
        _run = run;
        _files = files;
        _fs = fs;
        _log = log;
        _say = say;
    }

    // ------------------------------------------------------------------ chroot

    /// <summary>Binds /dev, /proc, /sys, /run (and efivarfs when the firmware has it) into the target root; returns what to unmount.</summary>
    public List<string> BindSystem(string root)
    {
        var mounted = new List<string>();
        void Mount(string what, string dir, params string[] args)
        {
            var d = root.TrimEnd('/') + dir;
            Directory.CreateDirectory(d);
            _run.RunChecked(new ProcessRequest("mount", [.. args, what, d]));
            mounted.Add(d);
        }

        Mount("/dev", "/dev", "--bind");
        if (_files.DirectoryExists("/dev/pts"))
        {
            Mount("/dev/pts", "/dev/pts", "--bind");
        }

        Mount("proc", "/proc", "-t", "proc");
        Mount("/sys", "/sys", "--bind");
        if (_files.DirectoryExists("/sys/firmware/efi/efivars") && _files.ListDirectory("/sys/firmware/efi/efivars").Count > 0)
        {
            Mount("efivarfs", "/sys/firmware/efi/efivars", "-t", "efivarfs");
        }

        Mount("/run", "/run", "--bind");
        return mounted;
    }

    public void Unbind(List<string> mounted)
    {
        foreach (var d in Enumerable.Reverse(mounted))
        {
            var r = _run.Run(new ProcessRequest("umount", [d]));
            if (r.ExitCode != 0)
            {
                _run.Run(new ProcessRequest("umount", ["-l", d]));
            }
        }

        mounted.Clear();
    }

    // ------------------------------------------------------------------ main

    public List<string> Finalize(LayoutDocument layout, RecoveryPlan plan, string root, CloneSettings clone)
    {
        var ids = ProbeIds(layout, plan);
        foreach (var c in ids)
        {
            _say($"{c.Kind} {c.LayoutId}: UUID changed {c.Old} -> {c.New}");
        }

        var context = NewContext(layout, plan, root, ids, RenamedDevices(layout, plan), clone);
        RewriteConfiguration(context);
        context.Changes.AddRange(context.RewrittenFiles.Select(f => "rewrote " + f));
        if (context.RewrittenFiles.Count == 0)
        {
            _say(ids.Count == 0
                ? "Every UUID is the same as in the layout and no configuration names a device by a changed name: fstab, crypttab, mdadm.conf, resume and GRUB configuration are left as they were."
                : "The changed UUIDs appear in no configuration file.");
        }

        RebuildInitramfs(context);
        foreach (var technology in Technologies.Storage)
        {
            technology.InstallBootloader(context);
        }

        if (layout.Host.SelinuxEnabled == true)
        {
            File.WriteAllText(context.RootPath("/.autorelabel"), "");
            context.Wrote(context.RootPath("/.autorelabel"));
            _say("SELinux is enabled on this system: /.autorelabel set, the first boot relabels every file.");
            context.Changes.Add("set /.autorelabel");
        }

        ApplyClone(context, clone);
        Written = [.. context.WrittenPaths];
        return context.Changes;
    }

    /// <summary>
    /// `repair-boot` on a system mounted at <paramref name="root"/> (chroot binds in place): what finalize does after a
    /// recovery, minus a clone's identity and SELinux relabel, with GRUB's configuration always regenerated and the
    /// initramfs rebuilt when it must be, or always with <paramref name="rebuildInitramfs"/>.
    /// </summary>
    public List<string> RepairBoot(LayoutDocument layout, RecoveryPlan disks, string root, bool rebuildInitramfs)
    {
        var context = NewContext(layout, disks, root, [], RenamedDevices(layout, disks), new CloneSettings(), repair: true, rebuildInitramfs);
        RewriteConfiguration(context);
        context.Changes.AddRange(context.RewrittenFiles.Select(f => "rewrote " + f));
        RebuildInitramfs(context);
        foreach (var technology in Technologies.Storage)
        {
            technology.InstallBootloader(context);
        }

        Written = [.. context.WrittenPaths];
        return context.Changes;
    }

    /// <summary>The files of the restored system the last <see cref="Finalize"/> wrote (<see cref="FinalizeContext.WrittenPaths"/>).</summary>
    public IReadOnlyList<string> Written { get; private set; } = [];

    /// <summary>Rebuilds the initramfs only when the restored one would not boot (<see cref="InitramfsRebuild.Reason"/>).</summary>
    private void RebuildInitramfs(FinalizeContext context)
    {
        var inInitramfs = Technologies.Storage.Where(t => t.InInitramfs(context.Layout)).Select(t => t.Name).ToList();
        var why = InitramfsRebuild.Reason(context);
        if (why is null)
        {
            _say("The initramfs is kept as restored: no UUID of the root, resume, LUKS or md devices changed" + (inInitramfs.Count > 0 ? ", their configuration is unchanged" : "")
                 + " and the disks are on the same kind of controller.");
        }
        else if (context.HasProgram("update-initramfs"))
        {
            _say($"Rebuilding the initramfs with update-initramfs ({why}).");
            WhileRecordingBoot(context, () => context.Chroot("update-initramfs", "-u", "-k", "all"));
            context.Changes.Add("rebuilt the initramfs (update-initramfs)");
        }
        else if (context.HasProgram("dracut"))
        {
            _say($"Rebuilding the initramfs with dracut ({why}).");
            WhileRecordingBoot(context, () => context.Chroot("dracut", "-f", "--regenerate-all"));
            context.Changes.Add("rebuilt the initramfs (dracut)");
        }
        else
        {
            _say($"warning: {why}, but the recovered system has neither update-initramfs nor dracut: the initramfs is not rebuilt.");
        }
    }

    /// <summary>Runs <paramref name="rebuild"/> and records the files of /boot it wrote (the initramfs images, by whatever name).</summary>
    private static void WhileRecordingBoot(FinalizeContext context, Action rebuild)
    {
        var boot = context.RootPath("/boot");
        Dictionary<string, (DateTime, long)> Files() => Directory.Exists(boot)
            ? new DirectoryInfo(boot).EnumerateFiles().ToDictionary(f => f.FullName, f => (f.LastWriteTimeUtc, f.Length), StringComparer.Ordinal)
            : [];
        var before = Files();
        rebuild();
        foreach (var (path, stamp) in Files())
        {
            if (!before.TryGetValue(path, out var was) || was != stamp)
            {
                context.Wrote(path);
            }
        }
    }

    private FinalizeContext NewContext(LayoutDocument layout, RecoveryPlan plan, string root, List<IdChange> ids,
        Dictionary<string, (string NewPath, string LayoutId)> renamed, CloneSettings clone, bool repair = false, bool rebuildInitramfs = false) =>
        new()
        {
            RegenerateBootConfiguration = repair,
            RebuildInitramfsAnyway = rebuildInitramfs,
            Layout = layout,
            Plan = plan,
            Root = root,
            IdChanges = ids,
            RenamedDevices = renamed,
            CloneNetwork = clone.Network,
            Run = _run,
            Files = _files,
            FileSystem = _fs,
            Log = _log,
            Say = _say,
        };

    // ------------------------------------------------------------------ ids and names

    /// <summary>Reads the identifiers of what the plan made back from the devices and lists those that differ from the layout.</summary>
    public List<IdChange> ProbeIds(LayoutDocument layout, RecoveryPlan plan)
    {
        var context = new IdProbeContext { Layout = layout, Plan = plan, Run = _run };
        return [.. Technologies.Storage.SelectMany(t => t.ProbeIdChanges(context))];
    }

    /// <summary>Source device paths whose recreated device has another name here (disks and partitions), with the layout id of each.</summary>
    public static Dictionary<string, (string NewPath, string LayoutId)> RenamedDevices(LayoutDocument layout, RecoveryPlan plan)
    {
        var map = new Dictionary<string, (string, string)>(StringComparer.Ordinal);
        foreach (var m in plan.Mappings.Where(m => m.TargetPath is not null && m.TargetPath != m.SourcePath && m.CopyOf is null))
        {
            map[m.SourcePath] = (m.TargetPath!, m.SourceId);
        }

        var parts = layout.Disks.SelectMany(d => d.Partitions).ToDictionary(p => p.Id, StringComparer.Ordinal);
        foreach (var p in plan.Steps.Where(s => s.PartitionTable is not null).SelectMany(s => s.PartitionTable!.Partitions))
        {
            if (parts.TryGetValue(p.SourceId, out var src) && src.Path.Length > 0 && src.Path != p.Path)
            {
                map[src.Path] = (p.Path, src.Id);
            }
        }

        return map;
    }

    // ------------------------------------------------------------------ configuration

    /// <summary>Rewrites only what changed; returns the files rewritten (paths in the recovered system).</summary>
    public List<string> RewriteConfig(LayoutDocument layout, string root, List<IdChange> ids, Dictionary<string, (string NewPath, string LayoutId)> renamed)
    {
        // The configuration files name devices and UUIDs only: no plan is read.
        var context = NewContext(layout, new RecoveryPlan { TargetRoot = root }, root, ids, renamed, new CloneSettings());
        RewriteConfiguration(context);
        return context.RewrittenFiles;
    }

    private static void RewriteConfiguration(FinalizeContext context)
    {
        foreach (var technology in Technologies.Storage)
        {
            technology.RewriteConfiguration(context);
        }
    }

    // ------------------------------------------------------------------ clone

    /// <summary>Parses --net (see <see cref="NetworkTechnology.ParseNet"/>); the command line refuses a bad spec before anything happens.</summary>
    public static CloneNetworkSettings ParseNet(string spec) => NetworkTechnology.ParseNet(spec);

    /// <summary>Applies a clone's settings to the restored system at <paramref name="root"/>; returns what changed.</summary>
    public List<string> ApplyClone(LayoutDocument layout, string root, CloneSettings clone)
    {
        // A clone's settings read no plan.
        var context = NewContext(layout, new RecoveryPlan { TargetRoot = root }, root, [], [], clone);
        ApplyClone(context, clone);
        Written = [.. context.WrittenPaths];
        return context.Changes;
    }

    private static void ApplyClone(FinalizeContext context, CloneSettings clone)
    {
        CloneIdentity.Apply(context, clone);
        foreach (var technology in Technologies.Storage)
        {
            technology.ApplyClone(context);
        }
    }
}
