using System.Diagnostics;
using Mkcdrec.Core.Archive;
using Mkcdrec.Core.Execution;
using Mkcdrec.Core.Platform;
using Mkcdrec.Core.Workflows;
using Mkcdrec.Model.Layout;
using Mkcdrec.Model.Manifest;
using Mkcdrec.Model.Plan;

namespace Mkcdrec.Core.Recovery;

/// <summary>
/// `mkcdrec recover --backup DIR`: checks every volume of the backup against its manifest before any disk is touched,
/// recreates the layout with the plan (PlanExecutor), restores every archive into its filesystem under the target
/// root, finalizes the system in a chroot (<see cref="SystemFinalizer"/>), writes the recovery log into it and
/// unmounts everything. Every phase is in the executor's journal, so a rerun resumes.
/// </summary>
public sealed class RecoverWorkflow
{
    private readonly IProcessRunner _run;
    private readonly IBlockDevices _blocks;
    private readonly IFileSystemAccess _fs;
    private readonly ISystemFiles _files;
    private readonly ILog _log;
    private readonly IArchiveEvents _events;
    private readonly TargetMounts _mounts;

    public RecoverWorkflow(IProcessRunner run, IBlockDevices blocks, IFileSystemAccess fs, ISystemFiles files, ILog log, IArchiveEvents? events = null)
    {
        _run = run;
        _blocks = blocks;
        _fs = fs;
        _files = files;
        _log = log;
        _events = events ?? NullArchiveEvents.Instance;
        _mounts = new TargetMounts(run, files, log);
    }

    /// <summary>Where the btrfs top levels are mounted while their subvolumes are restored.</summary>
    public const string TopLevelMountRoot = "/run/mkcdrec/restore";

    /// <summary>Checks the backup in <paramref name="dir"/> before any disk is touched (<see cref="BackupPreCheck"/>).</summary>
    public static BackupManifest VerifyBackup(string dir, LayoutDocument layout, byte[]? passphrase, Action<string>? say = null) =>
        BackupPreCheck.Verify(ArchiveSource.Open(dir, passphrase: passphrase), layout, passphrase, say);

    public RecoverResult Run(LayoutDocument layout, RecoveryPlan plan, RecoverOptions o)
    {
        var total = Stopwatch.StartNew();
        var result = new RecoverResult();
        var report = new RecoveryReport(_log, o.Executor.Report);
        var output = new RecoveryOutput(report.Say, o.Executor.Report);
        void Phase(string name, Action a)
        {
            o.Hooks?.PhaseStarted(name, output);
            var sw = Stopwatch.StartNew();
            a();
            result.Phases.Add((name, sw.Elapsed));
            _log.Info($"recover: phase {name} took {sw.Elapsed.TotalSeconds:0.0} s");
        }

        var backup = o.Backup ?? ArchiveSource.Open(o.BackupDirectory);
        BackupManifest manifest = null!;
        BackupChain chain = null!;
        Phase("verify backup", () =>
        {
            chain = BackupChain.Of(backup.Unseal(o.Passphrase));
            manifest = BackupPreCheck.VerifyChain(chain, layout, o.Passphrase, report.Say);
        });

        // Refuse before touching a disk when an archive has nowhere to go.
        var targets = RestoreTargets(layout, plan, manifest);
        var postRecoveryHook = o.PostRecoveryHook ?? manifest.PostRecoveryHook;
        if (postRecoveryHook is { Length: > 0 })
        {
            report.Say($"After finalize, the post-recovery hook {(o.PostRecoveryHook is null ? "the backup carries" : "given")} will run in the recovered system: {postRecoveryHook}");
        }

        var executor = new PlanExecutor(_run, _blocks, _log);
        Phase("layout", () => executor.Execute(plan, o.Executor));
        o.LayoutDone?.Invoke();

        // The hooks' work after each restore (the drill's comparison) is not the recovery's: it is timed apart.
        var hookTime = TimeSpan.Zero;
        Phase("restore", () => hookTime = new RestorePhase(_run, _fs, _events, _log, _mounts).Run(plan, targets, chain, o, result, output));
        if (hookTime > TimeSpan.Zero)
        {
            var (name, elapsed) = result.Phases[^1];
            result.Phases[^1] = (name, elapsed - hookTime);
            result.Phases.Add((o.Hooks!.AfterRestorePhase, hookTime));
        }

        if (plan.Steps.Any(s => s.Phase == StepPhases.AfterRestore))
        {
            Phase("after restore", () => executor.Execute(plan, new ExecutorOptions
            {
                JournalPath = o.Executor.JournalPath,
                RequestKey = o.Executor.RequestKey,
                Phases = new HashSet<string> { StepPhases.AfterRestore },
                Yes = true,
                Report = o.Executor.Report,
            }));
        }

        Phase("finalize", () => Finalize(layout, plan, o, result, output, postRecoveryHook));
        result.Elapsed = total.Elapsed;
        Phase("log and unmount", () =>
        {
            report.Say($"Recovery finished in {total.Elapsed.TotalSeconds:0.0} s: " +
                string.Join(", ", result.Phases.Select(p => $"{p.Phase} {p.Elapsed.TotalSeconds:0.0} s")) + ".");
            result.LogInTarget = report.WriteInto(plan.TargetRoot, o.LogFile);
            if (!o.KeepMounted)
            {
                _mounts.UnmountAll(plan, report.Say);
            }
        });
        result.Elapsed = total.Elapsed;
        o.Hooks?.Finished(result, output);
        return result;
    }

    /// <summary>Finalizes the restored system in a chroot (binds undone whatever happens), then the hooks' part.</summary>
    /// <param name="postRecoveryHook">The admin's command run last, in the chroot (docs/configuration.md, "Hooks"); null or "": none.</param>
    private void Finalize(LayoutDocument layout, RecoveryPlan plan, RecoverOptions o, RecoverResult result, RecoveryOutput output, string? postRecoveryHook)
    {
        var root = plan.TargetRoot;
        var finalizer = new SystemFinalizer(_run, _files, _fs, _log, output.Say);
        var chroot = new List<string>();
        try
        {
            _mounts.EnsureMounted(plan, output.Say);
            chroot.AddRange(finalizer.BindSystem(root));
            result.Changes.AddRange(finalizer.Finalize(layout, plan, root, o.Clone));
            result.Written.AddRange(finalizer.Written);
            o.Hooks?.AfterFinalize(root, result.Written, output);
            if (postRecoveryHook is { Length: > 0 } hook)
            {
                output.Say($"Running the post-recovery hook in the recovered system: {hook}");
                result.PostRecoveryHookFailure = HookCommand.Run(_run, _log, "post-recovery", hook, new Dictionary<string, string>(), BackupHooks.DefaultTimeout, root);
                output.Say(result.PostRecoveryHookFailure is { } why ? $"The post-recovery hook failed: {why}" : "The post-recovery hook succeeded.");
            }
        }
        finally
        {
            finalizer.Unbind(chroot);
        }
    }

    /// <summary>Where each archive is restored: its filesystem's mount point under the target root; a btrfs subvolume under its top level.</summary>
    public sealed record RestoreTarget(string Directory, (string Device, string Dir)? TopLevel);

    public static List<(ArchiveRecord Archive, RestoreTarget Target)> RestoreTargets(LayoutDocument layout, RecoveryPlan plan, BackupManifest manifest)
    {
        var list = new List<(ArchiveRecord, RestoreTarget)>();
        var root = plan.TargetRoot.TrimEnd('/');
        foreach (var a in manifest.Archives.Where(a => ArchiveId.IsFilesystem(a.FilesystemId)))
        {
            var (fsId, sub) = ArchiveId.Parse(a.FilesystemId);
            var f = layout.Filesystems.First(x => x.Id == fsId);
            var made = plan.Steps.FirstOrDefault(s => s.Kind == StepKinds.Mkfs && s.Provides.Contains(fsId))
                ?? throw new MkcdrecException(ExitCode.Refused,
                    $"The plan does not recreate filesystem {fsId}, but the backup holds its archive '{a.FilesystemId}'.",
                    "Map the disk it lives on (--map SRC=DST) or check the plan with --plan; no disk was touched.");
            if (f.Type == FilesystemTypes.Btrfs && f.Btrfs is { Subvolumes.Count: > 0 })
            {
                var top = TopLevelMountRoot + "/" + (f.Uuid ?? f.Id.Replace(':', '-'));
                list.Add((a, new RestoreTarget(sub is null ? top : top + "/" + sub, (made.Devices[0], top))));
                continue;
            }

            var mount = layout.Mounts.Where(m => m.FilesystemId == fsId && m.Target.StartsWith('/'))
                .OrderBy(m => m.Target.Length).FirstOrDefault()
                ?? throw new MkcdrecException(ExitCode.BadInput, $"Filesystem {fsId} has an archive but no mount point in the layout.",
                    "Use the layout saved with this backup.");
            if (plan.Steps.All(s => !(s.Kind == StepKinds.Mount && s.Provides.Contains("mount:" + mount.Target))))
            {
                throw new MkcdrecException(ExitCode.Refused, $"The plan does not mount {mount.Target}, where archive '{a.FilesystemId}' goes.",
                    "Check the plan with --plan; no disk was touched.");
            }

            list.Add((a, new RestoreTarget(mount.Target == "/" ? (root.Length == 0 ? "/" : root) : root + mount.Target, null)));
        }

        return list;
    }
}
