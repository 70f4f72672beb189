using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Mkcdrec.Core.Platform;
using Mkcdrec.Formats.Partitioning;
using Mkcdrec.Model.Layout;
using Mkcdrec.Model.Plan;

namespace Mkcdrec.Core.Execution;

/// <summary>How the executor runs a plan, and how it talks to the human (both optional: null means "no terminal").</summary>
public sealed class ExecutorOptions
{
    /// <summary>Where the journal is kept (default <see cref="RecoverJournal.DefaultPath"/>).</summary>
    public string JournalPath { get; init; } = RecoverJournal.DefaultPath;

    /// <summary>The phases to run (default: only <see cref="StepPhases.Layout"/>); steps of other phases are skipped.</summary>
    public IReadOnlySet<string> Phases { get; init; } = new HashSet<string> { StepPhases.Layout };

    /// <summary>Skip the mount steps (the layout is recreated but left unmounted).</summary>
    public bool NoMount { get; init; }

    /// <summary>Destroy without asking.</summary>
    public bool Yes { get; init; }

    /// <summary>Asks the human to confirm the summary (e.g. "type YES"); null when there is no terminal: then only <see cref="Yes"/> allows destruction.</summary>
    public Func<string, bool>? Confirm { get; init; }

    /// <summary>A file holding the passphrase for every {keyfile:…} placeholder.</summary>
    public string? KeyFile { get; init; }

    /// <summary>Asks for a passphrase without echo (argument: what it is for); null when there is no terminal.</summary>
    public Func<string, string>? AskPassphrase { get; init; }

    /// <summary>How long to wait for partition device nodes after writing a table.</summary>
    public TimeSpan DeviceTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Stored in the journal with the plan so a rerun of the same request resumes with the same plan (see <see cref="RecoverJournal.RequestKey"/>).</summary>
    public string? RequestKey { get; init; }

    /// <summary>The disks attached now (path, size, serial, WWN): when given, a resume refuses unless the disks the journal
    /// was written for are still the ones at those paths. Null: not checked.</summary>
    public IReadOnlyList<TargetDisk>? CurrentDisks { get; init; }

    /// <summary>Progress lines for the human (one per step); the log gets everything anyway.</summary>
    public Action<string>? Report { get; init; }
}

/// <summary>What a run did.</summary>
public sealed record ExecutionResult(int Ran, int SkippedCompleted, int SkippedOtherPhase, TimeSpan Elapsed);

/// <summary>
/// Runs a plan's steps in order through the process runner (and our own partition-table writer), logging every
/// command line, its output and its timing; asks before destroying anything; stops at the first failure naming the
/// step, the command and its error; keeps a journal so a rerun of the same plan resumes after the last completed step.
/// </summary>
public sealed partial class PlanExecutor
{
    private readonly IProcessRunner _runner;
    private readonly IBlockDevices _blocks;
    private readonly ILog _log;

    public PlanExecutor(IProcessRunner runner, IBlockDevices blocks, ILog log)
    {
        _runner = runner;
        _blocks = blocks;
        _log = log;
    }

    [GeneratedRegex(@"\{keyfile:[^}]+\}")]
    private static partial Regex KeyFileToken();

    public ExecutionResult Execute(RecoveryPlan plan, ExecutorOptions options)
    {
        var sw = Stopwatch.StartNew();
        var hash = RecoverJournal.HashOf(plan);
        var journal = RecoverJournal.Load(options.JournalPath);
        if (journal is not null && journal.PlanHash != hash)
        {
            Say(options, $"The journal {options.JournalPath} belongs to another plan ({journal.CompletedSteps.Count} step(s) done there); it is discarded and this plan runs from the start.");
            journal = null;
        }

        if (journal is not null && journal.CompletedSteps.Count > 0 && options.CurrentDisks is { } now && journal.DifferentDisks(now) is { } why)
        {
            throw new MkcdrecException(ExitCode.Refused,
                $"The journal {options.JournalPath} records {journal.CompletedSteps.Count} completed step(s) on other disks than those attached now: {why}. Resuming there would skip steps that never ran on these disks; nothing was changed.",
                $"Attach the disks it was started on, or start over on these: delete the journal (rm {options.JournalPath}) and run the command again.");
        }

        journal ??= new RecoverJournal { PlanHash = hash, Disks = RecoverJournal.DisksOf(plan) };
        journal.Disks ??= RecoverJournal.DisksOf(plan);
        journal.RequestKey = options.RequestKey;
        journal.Plan = plan;
        var done = new HashSet<string>(journal.CompletedSteps, StringComparer.Ordinal);
        var toRun = plan.Steps.Where(s => options.Phases.Contains(s.Phase) && !done.Contains(s.Id) && !(options.NoMount && s.Kind == StepKinds.Mount)).ToList();
        if (done.Count > 0)
        {
            Say(options, $"Resuming: the journal {options.JournalPath} says {done.Count} step(s) of this plan completed; they are skipped.");
        }

        RequireTools(toRun);
        ConfirmDestruction(plan, toRun, options);

        var tempFiles = new List<string>();
        int ran = 0, skippedDone = 0, skippedPhase = 0;
        try
        {
            var keyFiles = PrepareKeyFiles(toRun, options, tempFiles);
            var n = plan.Steps.Count;
            for (var i = 0; i < n; i++)
            {
                var step = plan.Steps[i];
                var tag = $"[{i + 1}/{n}] {step.Id}";
                if (done.Contains(step.Id))
                {
                    skippedDone++;
                    Say(options, $"{tag}: already done (journal), skipped");
                    continue;
                }

                if (!options.Phases.Contains(step.Phase))
                {
                    skippedPhase++;
                    _log.Info($"{tag}: phase {step.Phase}, not run now");
                    continue;
                }

                if (options.NoMount && step.Kind == StepKinds.Mount)
                {
                    skippedPhase++;
                    Say(options, $"{tag}: not mounted (--no-mount)");
                    continue;
                }

                var stepWatch = Stopwatch.StartNew();
                Say(options, $"{tag}: {step.Description}");
                RunStep(step, keyFiles, options, journal);
                ran++;
                journal.CompletedSteps.Add(step.Id);
                journal.Save(options.JournalPath);
                _log.Info($"{tag}: done in {stepWatch.Elapsed.TotalSeconds:0.0} s");
            }
        }
        finally
        {
            foreach (var f in tempFiles)
            {
                TryDelete(f);
            }
        }

        Say(options, $"Done: {ran} step(s) run, {skippedDone} already done, {skippedPhase} not run now, in {sw.Elapsed.TotalSeconds:0.0} s.");
        return new ExecutionResult(ran, skippedDone, skippedPhase, sw.Elapsed);
    }

    /// <summary>The human-readable list of what will be destroyed, for the confirmation.</summary>
    // Debian packages of the programs plans use, for the hint when one is missing.
    private static readonly Dictionary<string, string> Packages = new(StringComparer.Ordinal)
    {
        ["wipefs"] = "util-linux", ["blockdev"] = "util-linux", ["partx"] = "util-linux", ["mount"] = "mount", ["udevadm"] = "udev",
        ["mdadm"] = "mdadm", ["cryptsetup"] = "cryptsetup-bin", ["pvcreate"] = "lvm2", ["vgcreate"] = "lvm2", ["lvcreate"] = "lvm2", ["lvm"] = "lvm2",
        ["vgchange"] = "lvm2", ["vgcfgbackup"] = "lvm2", ["vgcfgrestore"] = "lvm2", ["sed"] = "sed", ["grep"] = "grep", ["mkdir"] = "coreutils",
        ["mkfs.ext2"] = "e2fsprogs", ["mkfs.ext3"] = "e2fsprogs", ["mkfs.ext4"] = "e2fsprogs", ["mkfs.xfs"] = "xfsprogs",
        ["mkfs.btrfs"] = "btrfs-progs", ["btrfs"] = "btrfs-progs", ["mkfs.vfat"] = "dosfstools", ["mkswap"] = "util-linux",
    };

    /// <summary>Refuses before anything is touched when a program the steps need is not installed.</summary>
    private void RequireTools(List<PlanStep> steps)
    {
        var missing = steps.SelectMany(s => s.Commands).Select(c => c.Argv[0]).Distinct(StringComparer.Ordinal)
            .Where(p => !_runner.CanRun(p)).Order(StringComparer.Ordinal).ToList();
        if (missing.Count > 0)
        {
            var pkgs = string.Join(' ', missing.Select(m => Packages.GetValueOrDefault(m, m)).Distinct(StringComparer.Ordinal));
            throw new MkcdrecException(ExitCode.Environment,
                $"The plan needs {string.Join(", ", missing)}, which {(missing.Count == 1 ? "is" : "are")} not in PATH; nothing was changed.",
                $"Install them (Debian/Ubuntu: apt-get install {pkgs}) or use a rescue medium that has them, then run the command again.");
        }
    }

    public static string DestructionSummary(RecoveryPlan plan, IReadOnlyList<PlanStep> steps)
    {
        var sb = new StringBuilder();
        var disks = steps.Where(s => s.Destructive && s.Kind == StepKinds.Wipe).SelectMany(s => s.Devices).Distinct().ToList();
        foreach (var d in disks)
        {
            var t = plan.TargetDisks.FirstOrDefault(x => x.Path == d);
            var m = plan.Mappings.FirstOrDefault(x => x.TargetPath == d);
            sb.Append(CultureInfo.InvariantCulture, $"  {d}")
              .Append(t is null ? "" : $" ({t.SizeBytes / (1024.0 * 1024 * 1024):0.##} GiB{(t.Serial is null ? "" : ", serial " + t.Serial)})")
              .Append(m is null ? "" : $" <- recreates {m.SourcePath}")
              .Append('\n');
        }

        var other = steps.Where(s => s.Destructive && s.Kind != StepKinds.Wipe).SelectMany(s => s.Devices).Distinct().Where(d => !disks.Contains(d)).ToList();
        if (other.Count > 0)
        {
            sb.Append("  and also overwritten: ").Append(string.Join(", ", other)).Append('\n');
        }

        return sb.ToString();
    }

    private void ConfirmDestruction(RecoveryPlan plan, List<PlanStep> toRun, ExecutorOptions options)
    {
        if (!toRun.Any(s => s.Destructive))
        {
            return;
        }

        var summary = "ALL DATA on these disks will be destroyed:\n" + DestructionSummary(plan, toRun);
        _log.Info(summary.TrimEnd());
        if (options.Yes)
        {
            return;
        }

        if (options.Confirm is null)
        {
            throw new MkcdrecException(ExitCode.Refused,
                "Recovery would destroy data and there is no terminal to confirm it on; nothing was changed.\n" + summary.TrimEnd(),
                "Run it on a terminal, or add --yes if these are the right disks.");
        }

        if (!options.Confirm(summary))
        {
            throw new MkcdrecException(ExitCode.Refused, "Not confirmed; nothing was changed.", "Run it again and type YES to go on, or check the plan with --plan.");
        }
    }

    /// <summary>Fills every {keyfile:…} token: the --key-file path, or a private temporary file holding a prompted passphrase.</summary>
    private Dictionary<string, string> PrepareKeyFiles(List<PlanStep> steps, ExecutorOptions options, List<string> tempFiles)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        var tokens = steps.SelectMany(s => s.Commands).SelectMany(c => c.Argv).SelectMany(a => KeyFileToken().Matches(a).Select(m => m.Value)).Distinct().ToList();
        foreach (var token in tokens)
        {
            if (options.KeyFile is { } kf)
            {
                if (!File.Exists(kf))
                {
                    throw new MkcdrecException(ExitCode.BadInput, $"The key file '{kf}' does not exist.", "Give an existing file with --key-file, or leave it out to be asked for the passphrase.");
                }

                map[token] = kf;
                continue;
            }

            var ask = options.AskPassphrase
                ?? throw new MkcdrecException(ExitCode.Refused, $"A passphrase is needed for {token.Trim('{', '}')} and there is no terminal to ask on; nothing was changed.",
                    "Give it with --key-file FILE (the passphrase, as cryptsetup reads a key file).");
            var what = token.Trim('{', '}')["keyfile:".Length..];
            var pass = ask(what);
            if (pass.Length == 0)
            {
                throw new MkcdrecException(ExitCode.Refused, "Empty passphrase; nothing was changed.", "Run it again and type the passphrase, or use --key-file.");
            }

            var dir = Directory.Exists("/run") && IsWritable("/run") ? "/run" : Path.GetTempPath();
            var path = Path.Combine(dir, $"mkcdrec-key-{Environment.ProcessId}-{tempFiles.Count}");
            var fso = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                fso.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            using (var f = new FileStream(path, fso))
            {
                tempFiles.Add(path);
                f.Write(Encoding.UTF8.GetBytes(pass));
            }

            map[token] = path;
        }

        return map;
    }

    private static bool IsWritable(string dir)
    {
        try
        {
            var probe = Path.Combine(dir, $".mkcdrec-probe-{Environment.ProcessId}");
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static void TryDelete(string f)
    {
        try
        {
            File.Delete(f);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }

    private void RunStep(PlanStep step, Dictionary<string, string> keyFiles, ExecutorOptions options, RecoverJournal journal)
    {
        var waitFor = new HashSet<string>(StringComparer.Ordinal);
        if (step.PartitionTable is { } spec)
        {
            WriteTable(step, spec);
            waitFor.UnionWith(spec.Partitions.Where(p => p.Kind != PartitionKinds.Extended && p.Path.Length > 0).Select(p => p.Path));
        }

        foreach (var cmd in step.Commands)
        {
            if (cmd.Argv.Count == 0)
            {
                continue;
            }

            if (waitFor.Count > 0 && cmd.Argv.Any(waitFor.Contains))
            {
                WaitForPartitions(step, step.PartitionTable!, [.. waitFor], options);
                waitFor.Clear();
            }

            var argv = cmd.Argv.Select(a => KeyFileToken().Replace(a, m => keyFiles.TryGetValue(m.Value, out var p) ? p : m.Value)).ToList();
            var request = new ProcessRequest(argv[0], argv.Skip(1).ToList());
            _log.Info($"  run: {request.CommandLine}");
            ProcessResult r;
            try
            {
                r = _runner.Run(request);
            }
            catch (MkcdrecException e)
            {
                throw new MkcdrecException(e.Code, $"Step {step.Id} ({step.Description}) failed: {request.CommandLine}: {e.Message}", Resume(journal, options, e.Hint), e);
            }

            _log.Info($"  exit {r.ExitCode} after {r.Elapsed.TotalSeconds:0.00} s");
            LogOutput("stdout", r.StandardOutput);
            LogOutput("stderr", r.StandardError);

            // BLKRRPART fails with EBUSY while udev still has the disk open for the change event our own table write
            // caused: let udev finish and ask again; if it stays busy, partx updates the partitions one by one (the
            // partition nodes are checked right after, so nothing is assumed).
            for (var attempt = 0; r.ExitCode != 0 && IsBusyReread(argv, r) && attempt < 5; attempt++)
            {
                _runner.Run(new ProcessRequest("udevadm", ["settle"]));
                Thread.Sleep(200 * (attempt + 1));
                r = _runner.Run(request);
                _log.Info($"  retry {attempt + 1}: exit {r.ExitCode}");
            }

            if (r.ExitCode != 0 && IsBusyReread(argv, r))
            {
                var px = _runner.Run(new ProcessRequest("partx", ["-u", argv[^1]]));
                _log.Info($"  still busy; partx -u {argv[^1]}: exit {px.ExitCode}");
                if (px.ExitCode == 0)
                {
                    r = px;
                }
            }

            if (r.ExitCode != 0)
            {
                var err = r.StandardError.Trim();
                if (err.Length == 0)
                {
                    err = r.StandardOutput.Trim();
                }

                throw new MkcdrecException(ExitCode.CommandFailed,
                    $"Step {step.Id} ({step.Description}) failed: command exited {r.ExitCode}: {request.CommandLine}" + (err.Length > 0 ? "\n" + err : ""),
                    Resume(journal, options, "Read the error above (the full output is in the log) and fix the cause."));
            }
        }

        if (waitFor.Count > 0)
        {
            WaitForPartitions(step, step.PartitionTable!, [.. waitFor], options);
        }
    }

    private static bool IsBusyReread(List<string> argv, ProcessResult r) =>
        argv.Count >= 3 && Path.GetFileName(argv[0]) == "blockdev" && argv.Contains("--rereadpt")
        && (r.StandardError + r.StandardOutput).Contains("busy", StringComparison.OrdinalIgnoreCase);

    private static string Resume(RecoverJournal journal, ExecutorOptions options, string first) =>
        $"{first} Then run the same command again: the journal {options.JournalPath} keeps the {journal.CompletedSteps.Count} completed step(s) and it resumes after them.";

    private void LogOutput(string what, string text)
    {
        var t = text.TrimEnd();
        if (t.Length > 0)
        {
            _log.Info($"  {what}: " + t.Replace("\n", $"\n  {what}: "));
        }
    }

    private void WaitForPartitions(PlanStep step, PartitionTableSpec spec, List<string> paths, ExecutorOptions options)
    {
        if (_blocks.WaitForDevices(paths, options.DeviceTimeout))
        {
            return;
        }

        // udev may have missed the change event; ask the kernel again, then give it one more chance.
        _log.Info($"  partition nodes missing after {options.DeviceTimeout.TotalSeconds:0} s; re-reading {spec.Device} again");
        if (!_blocks.RereadPartitions(spec.Device))
        {
            _runner.Run(new ProcessRequest("partx", ["-u", spec.Device]));
        }

        if (!_blocks.WaitForDevices(paths, options.DeviceTimeout))
        {
            var missing = paths.Where(p => !_blocks.WaitForDevices([p], TimeSpan.Zero));
            throw new MkcdrecException(ExitCode.Environment,
                $"Step {step.Id}: the partition table was written on {spec.Device} but these partitions did not appear: {string.Join(", ", missing)}.",
                "Check that nothing holds the disk (mounts, md, LVM, dm) and that udev runs, then run the same command again.");
        }
    }

    private void WriteTable(PlanStep step, PartitionTableSpec spec)
    {
        var (size, sector) = _blocks.Probe(spec.Device);
        if (size != spec.DeviceSizeBytes || sector != spec.SectorSize)
        {
            throw new MkcdrecException(ExitCode.Refused,
                $"Step {step.Id}: {spec.Device} has {size} bytes in {sector}-byte sectors, but the plan's table is for {spec.DeviceSizeBytes} bytes in {spec.SectorSize}-byte sectors; nothing was written to it.",
                "The disks changed since the plan was made: check them and the plan (recover --plan), then run the command again.");
        }

        var sw = Stopwatch.StartNew();
        _log.Info($"  write {spec.Kind} table with {spec.Partitions.Count} partition(s) on {spec.Device} (mkcdrec's own writer)");
        try
        {
            using var dev = _blocks.OpenForWrite(spec.Device);
            if (spec.Kind == PartitionTableKinds.Gpt)
            {
                PartitionTableWriter.Write(dev, spec.SectorSize, spec.DeviceSizeBytes, ToGpt(spec));
            }
            else if (spec.Kind == PartitionTableKinds.Mbr)
            {
                PartitionTableWriter.Write(dev, spec.SectorSize, spec.DeviceSizeBytes, ToMbr(spec));
            }
            else
            {
                throw new MkcdrecException(ExitCode.BadInput, $"Step {step.Id}: unknown partition table kind '{spec.Kind}'.", "Make the plan again with this mkcdrec.");
            }

            dev.Flush();
        }
        catch (ArgumentException e)
        {
            throw new MkcdrecException(ExitCode.BadInput, $"Step {step.Id}: the plan's partition table for {spec.Device} is invalid: {e.Message}; nothing was written.", "Make the plan again; if it persists, report it with the layout.", e);
        }
        catch (IOException e)
        {
            throw new MkcdrecException(ExitCode.CommandFailed, $"Step {step.Id}: writing the partition table on {spec.Device} failed: {e.Message}", "Check the disk (dmesg), then run the same command again.", e);
        }

        _log.Info($"  table written in {sw.Elapsed.TotalMilliseconds:0} ms");
    }

    public static GptTable ToGpt(PartitionTableSpec spec)
    {
        var t = GptTable.CreateEmpty(spec.DeviceSizeBytes, spec.SectorSize, spec.DiskGuid ?? Guid.NewGuid(), spec.GptEntryCount ?? GptTable.DefaultEntryCount);
        t.FirstUsableLba = spec.FirstUsableLba ?? t.FirstUsableLba;
        t.LastUsableLba = spec.LastUsableLba ?? t.LastUsableLba;
        t.Partitions.AddRange(spec.Partitions.Select(p => new GptPartition
        {
            Number = p.Number,
            TypeGuid = p.TypeGuid ?? throw new InvalidDataException($"GPT partition {p.Number} of {spec.Device} has no type GUID in the plan."),
            UniqueGuid = p.PartUuid ?? Guid.NewGuid(),
            FirstLba = p.StartSector,
            LastLba = p.StartSector + p.SizeSectors - 1,
            Attributes = p.Attributes ?? 0,
            Name = p.Name ?? "",
        }));
        return t;
    }

    public static MbrTable ToMbr(PartitionTableSpec spec)
    {
        var t = new MbrTable { DiskSignature = uint.Parse(spec.MbrDiskId ?? "0", NumberStyles.HexNumber, CultureInfo.InvariantCulture) };
        t.Partitions.AddRange(spec.Partitions.Select(p => new MbrPartition
        {
            Number = p.Number,
            Type = byte.Parse(p.MbrType ?? throw new InvalidDataException($"MBR partition {p.Number} of {spec.Device} has no type in the plan."), NumberStyles.HexNumber, CultureInfo.InvariantCulture),
            Bootable = p.Bootable,
            StartLba = p.StartSector,
            SectorCount = p.SizeSectors,
        }));
        return t;
    }

    private void Say(ExecutorOptions options, string line)
    {
        _log.Info(line);
        options.Report?.Invoke(line);
    }
}
