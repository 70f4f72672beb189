using System.Diagnostics;
using System.Security.Cryptography;
using Mkcdrec.Core.Archive;
using Mkcdrec.Core.Drill;
using Mkcdrec.Core.Execution;
using Mkcdrec.Core.Platform;
using Mkcdrec.Core.Workflows;
using Mkcdrec.Formats.Crypto;
using Mkcdrec.Model.Layout;
using Mkcdrec.Model.Manifest;
using Mkcdrec.Model.Plan;

namespace Mkcdrec.Core.Recovery;

/// <summary>Settings for a clone: the same system on another machine (other name, identity, network).</summary>
public sealed class CloneSettings
{
    public string? Hostname { get; init; }

    public bool NewMachineId { get; init; }

    public bool NewSshHostKeys { get; init; }

    /// <summary>"dhcp" or "static:ADDR/PREFIX[,gw=GW][,dns=IP[;IP]]"; null: keep the network configuration.</summary>
    public string? Network { get; init; }

    public bool Any => Hostname is not null || NewMachineId || NewSshHostKeys || Network is not null;
}

/// <summary>What a full recovery needs besides the layout and the plan.</summary>
public sealed class RecoverOptions
{
    /// <summary>The backup directory (manifest.json and volumes).</summary>
    public required string BackupDirectory { get; init; }

    /// <summary>Passphrase of encrypted archives.</summary>
    public byte[]? Passphrase { get; init; }

    /// <summary>How the layout phase runs (journal, confirmation, LUKS key file, progress lines).</summary>
    public required ExecutorOptions Executor { get; init; }

    public CloneSettings Clone { get; init; } = new();

    /// <summary>The log file of this run, copied into the recovered system's /var/log/mkcdrec/.</summary>
    public string? LogFile { get; init; }

    /// <summary>Leave the recovered system mounted under the target root (for inspection); default: unmount everything.</summary>
    public bool KeepMounted { get; init; }

    /// <summary>
    /// For `mkcdrec drill` only (scratch disks): compare each restored filesystem with the manifest and report it on the
    /// console, then install the first-boot check into the recovered system (docs/drill.md).
    /// </summary>
    public bool Drill { get; init; }

    /// <summary>The mkcdrec binary the drill's first-boot check runs (default: this process's executable).</summary>
    public string? DrillBinary { get; init; }
}

/// <summary>What a recovery did, with the time of each phase.</summary>
public sealed class RecoverResult
{
    public List<(string Phase, TimeSpan Elapsed)> Phases { get; } = [];

    /// <summary>What finalization changed in the recovered system (files rewritten, initramfs, bootloader), for the report.</summary>
    public List<string> Changes { get; } = [];

    public long RestoredEntries { get; set; }

    public long RestoredBytes { get; set; }

    public TimeSpan Elapsed { get; set; }

    /// <summary>The log written into the recovered system (its path there, e.g. /var/log/mkcdrec/recover-….log).</summary>
    public string? LogInTarget { get; set; }
}

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
    private readonly List<string> _report = [];

    public RecoverWorkflow(IProcessRunner run, IBlockDevices blocks, IFileSystemAccess fs, ISystemFiles files, ILog log, IArchiveEvents? events = null)
    {
        _run = run;
        _blocks = blocks;
        _fs = fs;
        _files = files;
        _log = log;
        _events = events ?? NullArchiveEvents.Instance;
    }

    /// <summary>The phase name of the drill's comparison after each restore (drill only; not part of a recovery's time).</summary>
    public const string DrillComparePhase = "drill compare";

    /// <summary>Where the btrfs top levels are mounted while their subvolumes are restored.</summary>
    public const string TopLevelMountRoot = "/run/mkcdrec/restore";

    /// <summary>
    /// Checks the backup before any disk is touched: the manifest parses, every volume exists with its size and
    /// SHA-256, an encrypted archive's passphrase is right, and every archive belongs to a filesystem of the layout.
    /// </summary>
    public static BackupManifest VerifyBackup(string dir, LayoutDocument layout, byte[]? passphrase, Action<string>? say = null)
    {
        var src = ArchiveSource.Open(dir);
        var m = src.Manifest;
        if (m.Archives.Count == 0)
        {
            throw new MkcdrecException(ExitCode.BadInput, $"The backup in {dir} lists no archives.", "Check that the backup finished (mkbackuponly writes manifest.json last).");
        }

        var sw = Stopwatch.StartNew();
        long total = 0;
        foreach (var a in m.Archives)
        {
            var (fsId, _) = ArchiveId.Parse(a.FilesystemId);
            if (layout.Filesystems.All(f => f.Id != fsId))
            {
                throw new MkcdrecException(ExitCode.BadInput,
                    $"The backup's archive '{a.FilesystemId}' belongs to no filesystem of the layout; the layout and the backup do not match.",
                    "Use the layout saved with this backup (its layout.json), or name the right one with --layout; no disk was touched.");
            }

            using var mac = ArchiveSource.OpenMac(a, passphrase);
            for (var i = 0; i < a.Volumes.Count; i++)
            {
                var v = a.Volumes[i];
                var path = Path.Combine(dir, v.File);
                var info = new FileInfo(path);
                if (!info.Exists)
                {
                    throw new MkcdrecException(ExitCode.BadInput, $"Volume {v.File} of archive '{a.FilesystemId}' is missing from {dir}.",
                        "Put every volume of the backup in one directory (insert the other media and copy them), then run recover again; no disk was touched.");
                }

                if (info.Length != v.Size)
                {
                    throw new MkcdrecException(ExitCode.BadInput, $"Volume {v.File} has {info.Length} bytes, the manifest says {v.Size}: it is truncated or not this backup's.",
                        "Copy the volume again from the original medium; no disk was touched.");
                }

                if (CheckVolume(path, a, i, mac) is { } bad)
                {
                    throw new MkcdrecException(ExitCode.BadInput, bad + " The volume is damaged.",
                        "Copy the volume again from the original medium, or use another backup; no disk was touched.");
                }

                total += v.Size;
            }
        }

        say?.Invoke($"Backup verified: {m.Archives.Count} archive(s), {m.Archives.Sum(a => a.Volumes.Count)} volume(s), {total / 1048576.0:0.0} MiB, every chunk hash matches ({sw.Elapsed.TotalSeconds:0.0} s).");
        return m;
    }

    /// <summary>
    /// Reads one volume and checks it against the manifest the way the restore will read it: chunk by chunk, each chunk's
    /// XXH128 (plain archives) or HMAC-SHA256 keyed by the passphrase (encrypted ones: authenticated). The whole-volume
    /// SHA-256 is the fallback for a manifest without chunk hashes; `mkcdrec verify` checks both. XXH128 catches every
    /// accidental damage the SHA-256 would and runs many times faster (under emulation SHA-256 was 13 MiB/s); against
    /// deliberate tampering neither helps an unsigned manifest, the HMAC of an encrypted backup does.
    /// </summary>
    /// <returns>null when the volume is intact, else what is wrong, naming the byte range.</returns>
    private static string? CheckVolume(string path, ArchiveRecord a, int index, VolumeMac? mac)
    {
        var v = a.Volumes[index];
        using var f = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        if (v.Chunks.Count == 0 || a.ChunkSize <= 0 || (a.Encryption is not null && mac is null))
        {
            var hash = Convert.ToHexStringLower(SHA256.HashData(f));
            return string.Equals(hash, v.Sha256, StringComparison.OrdinalIgnoreCase) ? null
                : $"Volume {v.File}: SHA-256 {hash} does not match the manifest ({v.Sha256}).";
        }

        var buf = new byte[a.ChunkSize];
        long off = 0;
        for (var chunk = 0; off < v.Size || (v.Size == 0 && chunk == 0); chunk++)
        {
            var len = (int)Math.Min(a.ChunkSize, v.Size - off);
            f.ReadExactly(buf, 0, len);
            if (chunk >= v.Chunks.Count || !VolumeSetReader.ChunkMatches(mac, index, chunk, buf.AsSpan(0, len), v.Chunks[chunk]))
            {
                return $"Volume {v.File}: bytes {off}..{off + len - 1} (chunk {chunk + 1} of {v.Chunks.Count}) do not match the manifest.";
            }

            off += len;
            if (len == 0)
            {
                break;
            }
        }

        return null;
    }

    public RecoverResult Run(LayoutDocument layout, RecoveryPlan plan, RecoverOptions o)
    {
        var total = Stopwatch.StartNew();
        var result = new RecoverResult();
        var say = o.Executor.Report;
        void Say(string line)
        {
            _report.Add($"{DateTimeOffset.UtcNow:HH:mm:ss} {line}");
            _log.Info(line);
            say?.Invoke(line);
        }

        void Phase(string name, Action a)
        {
            var sw = Stopwatch.StartNew();
            a();
            result.Phases.Add((name, sw.Elapsed));
            _log.Info($"recover: phase {name} took {sw.Elapsed.TotalSeconds:0.0} s");
        }

        BackupManifest manifest = null!;
        Phase("verify backup", () => manifest = VerifyBackup(o.BackupDirectory, layout, o.Passphrase, Say));

        // Refuse before touching a disk when an archive has nowhere to go.
        var targets = RestoreTargets(layout, plan, manifest);

        var executor = new PlanExecutor(_run, _blocks, _log);
        Phase("layout", () => executor.Execute(plan, o.Executor));

        // The drill's comparison after each restore is the drill's own work, not the recovery's: it is timed apart.
        var drillCompare = TimeSpan.Zero;
        Phase("restore", () =>
        {
            EnsureMounted(plan, Say);
            var journal = RecoverJournal.Load(o.Executor.JournalPath) ?? new RecoverJournal { PlanHash = RecoverJournal.HashOf(plan), Plan = plan };
            var src = ArchiveSource.Open(o.BackupDirectory);
            var topMounts = new List<string>();
            try
            {
                foreach (var (a, t) in targets)
                {
                    var id = "restore:" + a.FilesystemId;
                    if (journal.CompletedSteps.Contains(id))
                    {
                        Say($"restore {a.FilesystemId}: already done (journal), skipped");
                        continue;
                    }

                    if (t.TopLevel is { } top && !topMounts.Contains(top.Dir))
                    {
                        Directory.CreateDirectory(top.Dir);
                        if (!IsMountPoint(top.Dir))
                        {
                            _run.RunChecked(new ProcessRequest("mount", ["-t", "btrfs", "-o", "subvolid=5", top.Device, top.Dir]));
                        }

                        topMounts.Add(top.Dir);
                    }

                    var sw = Stopwatch.StartNew();
                    Say($"restore {a.FilesystemId} ({a.EntryCount} entries, {a.Bytes / 1048576.0:0.0} MiB) into {t.Directory}");
                    Directory.CreateDirectory(t.Directory);
                    ExtractResult r;
                    using (var tar = src.OpenTar(a, o.Passphrase))
                    {
                        r = new ArchiveExtractor(_fs, _events).Extract(tar.Reader, t.Directory, a.Files);
                        tar.Drain();
                    }

                    if (r.Problems.Count > 0)
                    {
                        foreach (var p in r.Problems)
                        {
                            _log.Warn($"restore {a.FilesystemId}: {p}");
                        }

                        throw new MkcdrecException(ExitCode.Environment,
                            $"{r.Problems.Count} of {r.Entries} entries of '{a.FilesystemId}' could not be restored exactly (first: {r.Problems[0]}).",
                            "The log lists every problem; fix the cause (space, filesystem features) and run recover again: it resumes from the journal.");
                    }

                    var restoreTime = sw.Elapsed;
                    if (o.Drill)
                    {
                        var cw = Stopwatch.StartNew();
                        var cmp = new DrillCheck(_fs).CompareOne(o.BackupDirectory, a, t.Directory);
                        say?.Invoke(DrillProtocol.Line(DrillProtocol.RestoreCompare, cmp.ToJson()));
                        drillCompare += cw.Elapsed;
                    }

                    result.RestoredEntries += r.Entries;
                    result.RestoredBytes += r.Bytes;
                    Say($"restore {a.FilesystemId}: {r.Entries} entries, {r.Bytes / 1048576.0:0.0} MiB in {restoreTime.TotalSeconds:0.0} s, every content hash matched");
                    journal.CompletedSteps.Add(id);
                    journal.Save(o.Executor.JournalPath);
                }
            }
            finally
            {
                foreach (var d in Enumerable.Reverse(topMounts))
                {
                    _run.Run(new ProcessRequest("umount", [d]));
                }
            }
        });

        if (drillCompare > TimeSpan.Zero)
        {
            var (name, elapsed) = result.Phases[^1];
            result.Phases[^1] = (name, elapsed - drillCompare);
            result.Phases.Add((DrillComparePhase, drillCompare));
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

        var root = plan.TargetRoot;
        var finalizer = new SystemFinalizer(_run, _files, _log, Say);
        var chroot = new List<string>();
        try
        {
            Phase("finalize", () =>
            {
                EnsureMounted(plan, Say);
                chroot.AddRange(finalizer.BindSystem(root));
                result.Changes.AddRange(finalizer.Finalize(layout, plan, root, o.Clone));
                if (o.Drill)
                {
                    DrillCheck.InstallFirstBootCheck(root, o.BackupDirectory, o.DrillBinary ?? Environment.ProcessPath
                        ?? throw new MkcdrecException(ExitCode.Internal, "The path of the mkcdrec binary is unknown.", "Run mkcdrec from a file, not a pipe."), _fs);
                    Say("drill: first-boot check installed (" + DrillCheck.UnitName + ")");
                }
            });
        }
        finally
        {
            finalizer.Unbind(chroot);
        }

        result.Elapsed = total.Elapsed;
        Phase("log and unmount", () =>
        {
            Say($"Recovery finished in {total.Elapsed.TotalSeconds:0.0} s: " +
                string.Join(", ", result.Phases.Select(p => $"{p.Phase} {p.Elapsed.TotalSeconds:0.0} s")) + ".");
            result.LogInTarget = WriteLogIntoTarget(root, o.LogFile);
            if (!o.KeepMounted)
            {
                UnmountAll(plan, Say);
            }
        });
        result.Elapsed = total.Elapsed;
        if (o.Drill)
        {
            say?.Invoke(DrillProtocol.Line(DrillProtocol.RecoveryPhases,
                DrillPhase.ListToJson([.. result.Phases.Select(p => new DrillPhase { Name = p.Phase, Seconds = Math.Round(p.Elapsed.TotalSeconds, 1) })])));
        }

        return result;
    }

    /// <summary>Where each archive is restored: its filesystem's mount point under the target root; a btrfs subvolume under its top level.</summary>
    public sealed record RestoreTarget(string Directory, (string Device, string Dir)? TopLevel);

    public static List<(ArchiveRecord Archive, RestoreTarget Target)> RestoreTargets(LayoutDocument layout, RecoveryPlan plan, BackupManifest manifest)
    {
        var list = new List<(ArchiveRecord, RestoreTarget)>();
        var root = plan.TargetRoot.TrimEnd('/');
        foreach (var a in manifest.Archives)
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

    private bool IsMountPoint(string dir)
    {
        var full = Path.GetFullPath(dir).TrimEnd('/');
        if (full.Length == 0)
        {
            full = "/";
        }

        var text = _files.ReadText("/proc/self/mountinfo") ?? "";
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
    private void EnsureMounted(RecoveryPlan plan, Action<string> say)
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
                _run.RunChecked(new ProcessRequest(c.Argv[0], c.Argv.Skip(1).ToList()));
            }
        }
    }

    private void UnmountAll(RecoveryPlan plan, Action<string> say)
    {
        _run.Run(new ProcessRequest("sync", []));
        var dirs = plan.Steps.Where(s => s.Kind == StepKinds.Mount)
            .Select(s => s.Commands.LastOrDefault(c => c.Argv.Count > 0 && c.Argv[0] == "mount")?.Argv[^1])
            .OfType<string>().Where(IsMountPoint).OrderByDescending(d => d.Length).ToList();
        foreach (var d in dirs)
        {
            var r = _run.Run(new ProcessRequest("umount", [d]));
            if (r.ExitCode != 0)
            {
                _log.Warn($"umount {d}: {r.StandardError.Trim()}");
                throw new MkcdrecException(ExitCode.CommandFailed, $"Cannot unmount {d}: {r.StandardError.Trim()}",
                    "Something still uses the recovered system (a shell in it?); leave it, then run 'umount -R " + plan.TargetRoot + "' before rebooting.");
            }
        }

        say($"Unmounted {dirs.Count} filesystem(s) under {plan.TargetRoot}; the recovered system is ready to boot.");
    }

    private string? WriteLogIntoTarget(string root, string? logFile)
    {
        try
        {
            var dir = Path.Combine(root, "var/log/mkcdrec");
            Directory.CreateDirectory(dir);
            var name = $"recover-{DateTimeOffset.UtcNow:yyyyMMdd-HHmmss}.log";
            var path = Path.Combine(dir, name);
            using (var w = new StreamWriter(path))
            {
                w.WriteLine("# mkcdrec recovery report");
                foreach (var l in _report)
                {
                    w.WriteLine(l);
                }

                if (logFile is not null && File.Exists(logFile))
                {
                    w.WriteLine();
                    w.WriteLine("# full log of the run (" + logFile + ")");
                    w.Flush();
                    using var src = new FileStream(logFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
                    src.CopyTo(w.BaseStream);
                }
            }

            return "/var/log/mkcdrec/" + name;
        }
        catch (IOException e)
        {
            _log.Warn($"could not write the recovery log into {root}: {e.Message}");
            return null;
        }
    }
}
