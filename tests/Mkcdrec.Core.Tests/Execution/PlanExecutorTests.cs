using Mkcdrec.Core.Execution;
using Mkcdrec.Core.Planning;
using Mkcdrec.Core.Platform;
using Mkcdrec.Core.Registry;
using Mkcdrec.Core.Secrets;
using Mkcdrec.Core.Storage;
using Mkcdrec.Core.Tests.Planning;
using Mkcdrec.Formats.Partitioning;
using Mkcdrec.Model.Plan;

namespace Mkcdrec.Core.Tests.Execution;

public sealed class PlanExecutorTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mkcdrec-exec-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string JournalPath => Path.Combine(_dir, "journal.json");

    /// <summary>Records every command; fails the ones <see cref="FailWhen"/> picks.</summary>
    private sealed class FakeRunner : IProcessRunner
    {
        public List<ProcessRequest> Calls { get; } = [];

        public Func<ProcessRequest, bool> FailWhen { get; set; } = _ => false;

        /// <summary>How many more times `blockdev --rereadpt` answers EBUSY (udev still holds the disk).</summary>
        public int BusyRereads { get; set; }

        public List<string> KeyFileContents { get; } = [];

        public List<UnixFileMode> KeyFileModes { get; } = [];

        public ProcessResult Run(ProcessRequest request)
        {
            Calls.Add(request);
            var i = request.Arguments.ToList().IndexOf("--key-file");
            if (i >= 0 && File.Exists(request.Arguments[i + 1]))
            {
                KeyFileContents.Add(File.ReadAllText(request.Arguments[i + 1]));
                if (!OperatingSystem.IsWindows())
                {
                    KeyFileModes.Add(File.GetUnixFileMode(request.Arguments[i + 1]));
                }
            }

            if (request.FileName == "blockdev" && BusyRereads > 0)
            {
                BusyRereads--;
                return new ProcessResult(1, "", "blockdev: ioctl error on BLKRRPART: Device or resource busy", TimeSpan.FromMilliseconds(1));
            }

            return FailWhen(request)
                ? new ProcessResult(1, "", "mkfs.ext4: Device size reported to be zero.", TimeSpan.FromMilliseconds(3))
                : new ProcessResult(0, "ok", "", TimeSpan.FromMilliseconds(1));
        }

        public HashSet<string> Missing { get; } = [];

        public bool CanRun(string program) => !Missing.Contains(program);
    }

    /// <summary>Disks are sparse files in the test directory; every partition node "appears" at once.</summary>
    private sealed class FakeBlocks(string dir, Dictionary<string, long> sizes) : IBlockDevices
    {
        public List<string> Written { get; } = [];

        public string FileOf(string device) => Path.Combine(dir, device.Replace('/', '_'));

        public (long SizeBytes, int LogicalSectorSize) Probe(string device) => (sizes[device], 512);

        public Stream OpenForWrite(string device)
        {
            Written.Add(device);
            var fs = new FileStream(FileOf(device), FileMode.OpenOrCreate, FileAccess.ReadWrite);
            fs.SetLength(sizes[device]);
            return fs;
        }

        public bool RereadPartitions(string device) => true;

        public bool WaitForDevices(IReadOnlyList<string> paths, TimeSpan timeout) => true;

        /// <summary>The kernel's extent of a partition, when the test gives one (null: as the table says).</summary>
        public Func<string, (long, long)?> Kernel { get; set; } = _ => null;

        public (long StartBytes, long SizeBytes)? KernelExtent(string partition) => Kernel(partition);
    }

    private static (RecoveryPlan Plan, FakeRunner Runner, FakeBlocks Blocks, ListLog Log, PlanExecutor Executor) Setup(string fixture, string dir)
    {
        var (_, plan) = PlannerStepsTests.Make(fixture);
        var sizes = plan.TargetDisks.ToDictionary(d => d.Path, d => d.SizeBytes);
        var runner = new FakeRunner();
        var blocks = new FakeBlocks(dir, sizes);
        var log = new ListLog();
        return (plan, runner, blocks, log, new PlanExecutor(runner, blocks, log));
    }

    private ExecutorOptions Options(bool yes = true, IReadOnlyDictionary<string, string>? keyFiles = null, Func<string, bool>? confirm = null) =>
        new() { JournalPath = JournalPath, Yes = yes, KeyFiles = keyFiles ?? new Dictionary<string, string>(), Confirm = confirm };

    private static List<string> Expected(RecoveryPlan plan) =>
        [.. plan.Steps.Where(s => s.Phase == StepPhases.Layout).SelectMany(s => s.Commands).Select(c => c.Argv[0])];

    [Fact]
    public void Steps_run_in_order_and_the_table_is_written_by_our_writer()
    {
        var (plan, runner, blocks, log, ex) = Setup("gpt", _dir);
        var r = ex.Execute(plan, Options());
        Assert.Equal(Expected(plan), runner.Calls.Select(c => c.FileName));
        Assert.Equal(plan.Steps.Count(s => s.Phase == StepPhases.Layout), r.Ran);
        Assert.Equal(plan.Steps.Count(s => s.Phase != StepPhases.Layout), r.SkippedOtherPhase);

        var spec = plan.Steps.Single(s => s.PartitionTable is not null).PartitionTable!;
        Assert.Equal([spec.Device], blocks.Written);
        using var f = File.OpenRead(blocks.FileOf(spec.Device));
        var back = PartitionTableReader.Read(f, 512, spec.DeviceSizeBytes).Gpt!;
        Assert.Equal(spec.DiskGuid, back.DiskGuid);
        Assert.Equal(spec.Partitions.Select(p => (p.Number, p.StartSector, p.SizeSectors, p.PartUuid)),
            back.Partitions.OrderBy(p => p.Number).Select(p => (p.Number, p.FirstLba, p.SectorCount, (Guid?)p.UniqueGuid)));

        // Each command line and its timing are in the log.
        Assert.Contains(log.Lines, l => l.Contains("run: wipefs --all --force", StringComparison.Ordinal));
        Assert.Contains(log.Lines, l => l.StartsWith("  exit 0 after", StringComparison.Ordinal));
        var journal = RecoverJournal.Load(JournalPath)!;
        Assert.Equal(RecoverJournal.HashOf(plan), journal.PlanHash);
        Assert.Equal(plan.Steps.Where(s => s.Phase == StepPhases.Layout).Select(s => s.Id), journal.CompletedSteps);
    }

    [Fact]
    public void A_udev_that_does_not_answer_settle_is_asked_again_then_the_recovery_goes_on_with_a_warning()
    {
        var (plan, runner, _, log, ex) = Setup("gpt", _dir);
        runner.FailWhen = r => r.FileName == "udevadm";
        var settles = plan.Steps.Where(s => s.Phase == StepPhases.Layout).SelectMany(s => s.Commands).Count(c => c.Argv is ["udevadm", "settle", ..]);
        Assert.True(settles > 0, "the fixture's plan has no udevadm settle");

        var r = ex.Execute(plan, Options());

        Assert.Equal(plan.Steps.Count(s => s.Phase == StepPhases.Layout), r.Ran);
        Assert.Equal(2 * settles, runner.Calls.Count(c => c.FileName == "udevadm"));
        Assert.Equal(settles, log.Lines.Count(l => l.Contains("warning: udev did not settle", StringComparison.Ordinal)));

        // Any other failing command still stops the step.
        File.Delete(JournalPath);
        runner.FailWhen = c => c.FileName == "wipefs";
        Assert.Equal(ExitCode.CommandFailed, Assert.Throws<MkcdrecException>(() => ex.Execute(plan, Options())).Code);
    }

    [Fact]
    public void A_reread_busy_while_udev_holds_the_disk_is_retried_then_done_with_partx()
    {
        var (plan, runner, _, log, ex) = Setup("gpt", _dir);
        runner.BusyRereads = 2;
        ex.Execute(plan, Options());
        Assert.Equal(3, runner.Calls.Count(c => c.FileName == "blockdev"));
        Assert.DoesNotContain(runner.Calls, c => c.FileName == "partx");

        // Busy for good: partx -u updates the partitions and the step goes on.
        File.Delete(JournalPath);
        (plan, runner, _, log, ex) = Setup("gpt", _dir);
        runner.BusyRereads = 100;
        ex.Execute(plan, Options());
        Assert.Contains(runner.Calls, c => c.FileName == "partx" && c.Arguments[0] == "-u");
        Assert.Contains(log.Lines, l => l.Contains("still busy; partx -u", StringComparison.Ordinal));

        // Any other failure of the command still stops the run.
        File.Delete(JournalPath);
        (plan, runner, _, _, ex) = Setup("gpt", _dir);
        runner.FailWhen = r => r.FileName == "blockdev";
        Assert.Equal(ExitCode.CommandFailed, Assert.Throws<MkcdrecException>(() => ex.Execute(plan, Options())).Code);
        Assert.Single(runner.Calls, c => c.FileName == "blockdev");
    }

    [Fact]
    public void A_partition_the_kernel_still_has_with_its_old_extent_is_updated_with_partx_or_refused_before_any_write()
    {
        var (plan, runner, blocks, log, ex) = Setup("gpt", _dir);
        var part = plan.Steps.First(s => s.PartitionTable is not null).PartitionTable!.Partitions.Last();
        blocks.Kernel = p => p == part.Path && !runner.Calls.Any(c => c.FileName == "partx") ? (4096, 512) : null;
        ex.Execute(plan, Options()); // stale at first, right after partx -u
        Assert.Single(runner.Calls, c => c.FileName == "partx" && c.Arguments.SequenceEqual(["-u", plan.Steps.First(s => s.PartitionTable is not null).PartitionTable!.Device]));
        Assert.Contains(log.Lines, l => l.Contains($"{part.Path} is bytes 4096+512 for the kernel", StringComparison.Ordinal));

        // Still stale after partx (a partition in use): refused before any command writes through its node.
        File.Delete(JournalPath);
        (plan, runner, blocks, _, ex) = Setup("gpt", _dir);
        blocks.Kernel = p => p == part.Path ? (4096, 512) : null;
        var e = Assert.Throws<MkcdrecException>(() => ex.Execute(plan, Options()));
        Assert.Equal(ExitCode.Environment, e.Code);
        Assert.Contains("the kernel still uses old partitions", e.Message, StringComparison.Ordinal);
        Assert.Contains(part.Path, e.Message, StringComparison.Ordinal);
        Assert.Contains("lsblk", e.Hint, StringComparison.Ordinal);
        Assert.DoesNotContain(runner.Calls, c => c.Arguments.Contains(part.Path) && c.FileName != "partx");
    }

    [Fact]
    public void Stops_at_the_first_failure_naming_the_step_and_command_and_a_rerun_resumes()
    {
        var (plan, runner, _, _, ex) = Setup("gpt", _dir);
        var failing = plan.Steps.First(s => s.Kind == StepKinds.Mkfs);
        runner.FailWhen = r => r.FileName == failing.Commands[0].Argv[0];
        var e = Assert.Throws<MkcdrecException>(() => ex.Execute(plan, Options()));
        Assert.Equal(ExitCode.CommandFailed, e.Code);
        Assert.Contains(failing.Id, e.Message, StringComparison.Ordinal);
        Assert.Contains(failing.Commands[0].ToString(), e.Message, StringComparison.Ordinal);
        Assert.Contains("Device size reported to be zero", e.Message, StringComparison.Ordinal);
        Assert.Contains("resumes", e.Hint, StringComparison.Ordinal);
        var before = plan.Steps.TakeWhile(s => s != failing).Select(s => s.Id).ToList();
        Assert.Equal(before, RecoverJournal.Load(JournalPath)!.CompletedSteps);
        var callsBefore = runner.Calls.Count;
        Assert.Equal(before.Sum(id => plan.Steps.Single(s => s.Id == id).Commands.Count) + 1, callsBefore);

        // Rerun: the completed steps are skipped; it starts again with the failed one.
        runner.FailWhen = _ => false;
        var log = new List<string>();
        var r = ex.Execute(plan, new ExecutorOptions { JournalPath = JournalPath, Yes = true, Report = log.Add });
        Assert.Equal(before.Count, r.SkippedCompleted);
        Assert.Equal(failing.Commands[0].Argv, [runner.Calls[callsBefore].FileName, .. runner.Calls[callsBefore].Arguments]);
        Assert.Contains(log, l => l.StartsWith("Resuming", StringComparison.Ordinal));
        Assert.Contains(log, l => l.Contains("already done (journal), skipped", StringComparison.Ordinal));
        Assert.DoesNotContain(runner.Calls.Skip(callsBefore), c => c.FileName == "wipefs" && c.Arguments[^1] == plan.Steps[0].Devices[0]);
    }

    [Fact]
    public void A_resume_on_other_disks_than_the_journal_records_refuses_and_changes_nothing()
    {
        var (plan, runner, blocks, _, ex) = Setup("gpt", _dir);
        var failing = plan.Steps.First(s => s.Kind == StepKinds.Mkfs);
        runner.FailWhen = r => r.FileName == failing.Commands[0].Argv[0];
        Assert.Throws<MkcdrecException>(() => ex.Execute(plan, Options()));
        var journal = RecoverJournal.Load(JournalPath)!;
        var target = plan.Mappings.First(m => m.TargetPath is not null).TargetPath!;
        var recorded = Assert.Single(journal.Disks!, d => d.Path == target);
        Assert.Equal(plan.TargetDisks.Single(d => d.Path == target).SizeBytes, recorded.SizeBytes);

        // Another disk at the same path: other serial, or other size.
        runner.FailWhen = _ => false;
        foreach (var change in new Action<TargetDisk>[] { d => d.Serial = "OTHER-DISK", d => d.SizeBytes *= 2 })
        {
            var now = PlannerStepsTests.Make("gpt").Plan.TargetDisks;
            change(now.Single(d => d.Path == target));
            var calls = runner.Calls.Count;
            var written = blocks.Written.Count;
            var e = Assert.Throws<MkcdrecException>(() => ex.Execute(plan, new ExecutorOptions { JournalPath = JournalPath, Yes = true, CurrentDisks = now }));
            Assert.Equal(ExitCode.Refused, e.Code);
            Assert.Contains(target, e.Message, StringComparison.Ordinal);
            Assert.Contains("nothing was changed", e.Message, StringComparison.Ordinal);
            Assert.Contains("rm " + JournalPath, e.Hint, StringComparison.Ordinal);
            Assert.Equal(calls, runner.Calls.Count);
            Assert.Equal(written, blocks.Written.Count);
            Assert.Equal(journal.CompletedSteps, RecoverJournal.Load(JournalPath)!.CompletedSteps);
        }

        // The same disks: it resumes.
        var r = ex.Execute(plan, new ExecutorOptions { JournalPath = JournalPath, Yes = true, CurrentDisks = PlannerStepsTests.Make("gpt").Plan.TargetDisks });
        Assert.Equal(journal.CompletedSteps.Count, r.SkippedCompleted);
    }

    [Fact]
    public void A_different_plan_discards_the_journal()
    {
        var (plan, runner, _, _, ex) = Setup("gpt", _dir);
        new RecoverJournal { PlanHash = "0123", CompletedSteps = [.. plan.Steps.Select(s => s.Id)] }.Save(JournalPath);
        var log = new List<string>();
        var r = ex.Execute(plan, new ExecutorOptions { JournalPath = JournalPath, Yes = true, Report = log.Add });
        Assert.Equal(0, r.SkippedCompleted);
        Assert.Equal(Expected(plan), runner.Calls.Select(c => c.FileName));
        Assert.Contains(log, l => l.Contains("belongs to another plan", StringComparison.Ordinal) && l.Contains("discarded", StringComparison.Ordinal));
        Assert.Equal(RecoverJournal.HashOf(plan), RecoverJournal.Load(JournalPath)!.PlanHash);
    }

    [Fact]
    public void Without_yes_and_without_a_terminal_it_refuses_and_touches_nothing()
    {
        var (plan, runner, blocks, _, ex) = Setup("gpt", _dir);
        var e = Assert.Throws<MkcdrecException>(() => ex.Execute(plan, Options(yes: false)));
        Assert.Equal(ExitCode.Refused, e.Code);
        Assert.Contains(plan.TargetDisks[0].Path, e.Message, StringComparison.Ordinal);
        Assert.Contains("--yes", e.Hint, StringComparison.Ordinal);
        Assert.Empty(runner.Calls);
        Assert.Empty(blocks.Written);
        Assert.False(File.Exists(JournalPath));
    }

    [Fact]
    public void A_required_tool_missing_from_path_is_refused_before_anything_is_touched()
    {
        var (plan, runner, blocks, _, ex) = Setup("gpt", _dir);
        var needed = Expected(plan).Where(p => p.StartsWith("mkfs.", StringComparison.Ordinal)).Distinct().First();
        runner.Missing.Add(needed);
        var asked = false;
        var e = Assert.Throws<MkcdrecException>(() => ex.Execute(plan, Options(yes: false, confirm: _ => asked = true)));
        Assert.Equal(ExitCode.Environment, e.Code);
        Assert.Contains(needed, e.Message, StringComparison.Ordinal);
        Assert.Contains("nothing was changed", e.Message, StringComparison.Ordinal);
        Assert.Contains("apt-get install", e.Hint, StringComparison.Ordinal);
        Assert.False(asked, "the user is not asked to confirm a plan that cannot run");
        Assert.Empty(runner.Calls);
        Assert.Empty(blocks.Written);
        Assert.False(File.Exists(JournalPath));
    }

    // The packages the hint named while the executor had its own table (before each technology declared its programs);
    // umount was not in it (the hint named "umount"), btrfs declares it now with its package. Programs of technologies
    // added since (bcache) are named by the package their technology declares.
    private static readonly Dictionary<string, string> PackagesBefore = new(StringComparer.Ordinal)
    {
        ["wipefs"] = "util-linux", ["blockdev"] = "util-linux", ["partx"] = "util-linux", ["mount"] = "mount", ["udevadm"] = "udev",
        ["mdadm"] = "mdadm", ["cryptsetup"] = "cryptsetup-bin", ["pvcreate"] = "lvm2", ["vgcreate"] = "lvm2", ["lvcreate"] = "lvm2", ["lvm"] = "lvm2",
        ["vgchange"] = "lvm2", ["vgcfgbackup"] = "lvm2", ["vgcfgrestore"] = "lvm2", ["sed"] = "sed", ["grep"] = "grep", ["mkdir"] = "coreutils",
        ["mkfs.ext2"] = "e2fsprogs", ["mkfs.ext3"] = "e2fsprogs", ["mkfs.ext4"] = "e2fsprogs", ["mkfs.xfs"] = "xfsprogs",
        ["mkfs.btrfs"] = "btrfs-progs", ["btrfs"] = "btrfs-progs", ["mkfs.vfat"] = "dosfstools", ["mkswap"] = "util-linux",
        ["umount"] = "mount",
    };

    [Theory]
    [MemberData(nameof(PlannerStepsTests.Layouts), MemberType = typeof(PlannerStepsTests))]
    public void Every_program_a_plan_runs_is_declared_by_a_technology_with_its_package(string fixture)
    {
        var (plan, runner, _, _, ex) = Setup(fixture, _dir);
        var programs = plan.Steps.SelectMany(s => s.Commands).Select(c => c.Argv[0]).ToHashSet(StringComparer.Ordinal);
        var declared = Technologies.Storage.SelectMany(t => t.StepPrograms).SelectMany(p => p.Links.Append(p.Name)).ToHashSet(StringComparer.Ordinal);
        Assert.All(programs, p => Assert.Contains(p, declared));

        runner.Missing.UnionWith(programs);
        var e = Assert.Throws<MkcdrecException>(() => ex.Execute(plan, Options()));
        var named = e.Message[(e.Message.IndexOf("needs ", StringComparison.Ordinal) + 6)..e.Message.IndexOf(", which", StringComparison.Ordinal)].Split(", ");
        Assert.NotEmpty(named);
        var packages = string.Join(' ', named.Select(p => PackagesBefore.GetValueOrDefault(p)
            ?? Technologies.Storage.SelectMany(t => t.StepPrograms).First(x => x.Name == p || x.Links.Contains(p)).Package).Distinct(StringComparer.Ordinal));
        Assert.Contains($"apt-get install {packages})", e.Hint, StringComparison.Ordinal);
    }

    [Fact]
    public void A_human_who_does_not_confirm_stops_it_and_one_who_does_lets_it_run()
    {
        var (plan, runner, _, _, ex) = Setup("gpt", _dir);
        string? shown = null;
        Assert.Equal(ExitCode.Refused, Assert.Throws<MkcdrecException>(() => ex.Execute(plan, Options(yes: false, confirm: s => { shown = s; return false; }))).Code);
        Assert.Contains(plan.TargetDisks[0].Path, shown, StringComparison.Ordinal);
        Assert.Empty(runner.Calls);
        ex.Execute(plan, Options(yes: false, confirm: _ => true));
        Assert.NotEmpty(runner.Calls);
    }

    [Fact]
    public void A_disk_of_another_size_than_planned_is_refused_before_its_table_is_written()
    {
        var (plan, runner, _, log, _) = Setup("gpt", _dir);
        var blocks = new FakeBlocks(_dir, plan.TargetDisks.ToDictionary(d => d.Path, d => d.SizeBytes + (1 << 20)));
        var e = Assert.Throws<MkcdrecException>(() => new PlanExecutor(runner, blocks, log).Execute(plan, Options()));
        Assert.Equal(ExitCode.Refused, e.Code);
        Assert.Empty(blocks.Written);
        Assert.Contains("nothing was written", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_passphrase_goes_into_a_private_file_and_never_into_a_logged_command_line()
    {
        const string secret = "correct horse battery staple";
        var (plan, runner, _, log, ex) = Setup("raid", _dir);
        Assert.Contains(plan.Steps, s => s.Kind == StepKinds.LuksFormat);
        var asked = new List<string>();
        string[] keyPaths;
        using (var secrets = new RecoverySecrets(new SecretSources(), new SecretPrompter((what, _) => { asked.Add(what); return secret; }, null))
                   .Resolve(false, LuksKeyNeed.Of(plan, PlanExecutor.KeyFileTokens(plan.Steps))))
        {
            ex.Execute(plan, Options(keyFiles: secrets.KeyFiles));
            keyPaths = [.. secrets.TemporaryFiles];
        }

        Assert.NotEmpty(asked);
        Assert.DoesNotContain(asked, a => a.Contains(secret, StringComparison.Ordinal));
        Assert.NotEmpty(runner.KeyFileContents);
        Assert.All(runner.KeyFileContents, c => Assert.Equal(secret, c));
        Assert.All(runner.KeyFileModes, m => Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, m));
        Assert.DoesNotContain(runner.Calls, c => c.CommandLine.Contains(secret, StringComparison.Ordinal) || c.CommandLine.Contains("{keyfile:", StringComparison.Ordinal));
        Assert.DoesNotContain(log.Lines, l => l.Contains(secret, StringComparison.Ordinal));
        Assert.Contains(log.Lines, l => l.Contains("cryptsetup", StringComparison.Ordinal) && l.Contains("--key-file", StringComparison.Ordinal));
        var used = runner.Calls.Select(c => c.Arguments.ToList()).Where(a => a.Contains("--key-file")).Select(a => a[a.IndexOf("--key-file") + 1]).Distinct().ToList();
        Assert.All(used, p => Assert.Contains(p, keyPaths));
        Assert.All(keyPaths, p => Assert.False(File.Exists(p), $"{p} is deleted afterwards"));
    }

    [Fact]
    public void A_key_token_without_its_file_refuses_before_any_command_or_table_write()
    {
        var (plan, runner, blocks, _, ex) = Setup("raid", _dir);
        var e = Assert.Throws<MkcdrecException>(() => ex.Execute(plan, Options()));
        Assert.Equal(ExitCode.Refused, e.Code);
        Assert.Contains("nothing was changed", e.Message, StringComparison.Ordinal);
        Assert.Empty(runner.Calls);
        Assert.Empty(blocks.Written);
        Assert.False(File.Exists(JournalPath));
    }

    [Fact]
    public void Each_container_gets_the_key_of_its_own_uuid_from_the_secrets_directory()
    {
        var plan = Planner.Plan(PlanFixtures.TwoLuksPartitions(), [PlanFixtures.Target("vda", 10 * PlanFixtures.GiB, "SL")], new PlanOptions());
        var runner = new FakeRunner();
        var log = new ListLog();
        var ex = new PlanExecutor(runner, new FakeBlocks(_dir, plan.TargetDisks.ToDictionary(d => d.Path, d => d.SizeBytes)), log);
        var keys = Directory.CreateDirectory(Path.Combine(_dir, "keys", "luks")).FullName;
        File.WriteAllText(Path.Combine(keys, PlanFixtures.LuksRootUuid.ToUpperInvariant() + ".passphrase"), "root secret\nignored second line");
        File.WriteAllText(Path.Combine(keys, PlanFixtures.LuksHomeUuid + ".key"), "home key\n");
        using (var secrets = new RecoverySecrets(new SecretSources { Directory = Path.GetDirectoryName(keys) }, null)
                   .Resolve(false, LuksKeyNeed.Of(plan, PlanExecutor.PendingKeyFileTokens(plan, JournalPath))))
        {
            ex.Execute(plan, Options(keyFiles: secrets.KeyFiles));
        }

        var withKeys = runner.Calls.Where(c => c.Arguments.Contains("--key-file")).ToList();
        Assert.Equal(4, withKeys.Count); // luksFormat and open of each
        for (var i = 0; i < withKeys.Count; i++)
        {
            var args = withKeys[i].Arguments.ToList();
            var uuid = args.Contains("--uuid") ? args[args.IndexOf("--uuid") + 1] : null; // luksFormat names it; open names the partition
            var isRoot = args.Contains("/dev/vda1");
            Assert.Equal(isRoot ? "root secret" : "home key\n", runner.KeyFileContents[i]);
            Assert.True(uuid is null || uuid == (isRoot ? PlanFixtures.LuksRootUuid : PlanFixtures.LuksHomeUuid), withKeys[i].CommandLine);
        }

        Assert.DoesNotContain(log.Lines, l => l.Contains("root secret", StringComparison.Ordinal) || l.Contains("home key", StringComparison.Ordinal));
        Assert.Contains(withKeys, c => c.Arguments.Contains(Path.Combine(keys, PlanFixtures.LuksHomeUuid + ".key"))); // a .key is used where it is
    }

    [Fact]
    public void A_missing_key_stops_the_run_before_any_command_naming_each_container_and_where_to_put_it()
    {
        var plan = Planner.Plan(PlanFixtures.TwoLuksPartitions(), [PlanFixtures.Target("vda", 10 * PlanFixtures.GiB, "SL")], new PlanOptions());
        var runner = new FakeRunner();
        var blocks = new FakeBlocks(_dir, plan.TargetDisks.ToDictionary(d => d.Path, d => d.SizeBytes));
        var keys = Directory.CreateDirectory(Path.Combine(_dir, "keys", "luks")).FullName;
        File.WriteAllText(Path.Combine(keys, PlanFixtures.LuksRootUuid + ".passphrase"), "root secret\n");
        Directory.CreateDirectory(Path.Combine(_dir, "run"));
        var e = Assert.Throws<MkcdrecException>(() =>
        {
            using var secrets = new RecoverySecrets(new SecretSources { Directory = Path.GetDirectoryName(keys), TemporaryDirectory = Path.Combine(_dir, "run") }, null)
                .Resolve(true, LuksKeyNeed.Of(plan, PlanExecutor.PendingKeyFileTokens(plan, JournalPath)));
            new PlanExecutor(runner, blocks, new ListLog()).Execute(plan, Options(keyFiles: secrets.KeyFiles));
        });
        Assert.Equal(ExitCode.Refused, e.Code);
        Assert.Contains("no disk was touched", e.Message, StringComparison.Ordinal);
        Assert.Contains($"LUKS {PlanFixtures.LuksHomeUuid} (was on /dev/sda2): no key. Put it on the keys medium as luks/{PlanFixtures.LuksHomeUuid}.passphrase or .key", e.Message, StringComparison.Ordinal);
        Assert.Contains("backup.passphrase", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(PlanFixtures.LuksRootUuid, e.Message, StringComparison.Ordinal);
        Assert.Empty(runner.Calls);
        Assert.Empty(blocks.Written);
        Assert.Empty(Directory.GetFiles(Path.Combine(_dir, "run"))); // the root key's temporary file went with the error
    }

    [Fact]
    public void Pending_key_tokens_leave_out_the_steps_the_journal_completed()
    {
        var (plan, _, _, _, ex) = Setup("raid", _dir);
        var all = PlanExecutor.PendingKeyFileTokens(plan, JournalPath);
        Assert.Equal(PlanExecutor.KeyFileTokens(plan.Steps), all);
        var journal = new RecoverJournal { PlanHash = RecoverJournal.HashOf(plan), Plan = plan };
        journal.CompletedSteps.AddRange(plan.Steps.Where(s => s.Kind is StepKinds.LuksFormat or StepKinds.LuksOpen).Select(s => s.Id));
        journal.Save(JournalPath);
        Assert.Empty(PlanExecutor.PendingKeyFileTokens(plan, JournalPath));
    }

    [Fact]
    public void A_header_restore_gets_the_extracted_file_and_without_it_nothing_runs()
    {
        var (layout, _) = PlannerStepsTests.Make("raid");
        var plan = Planner.Plan(layout, [PlanFixtures.Target("vda", 20 * PlanFixtures.GiB, "SA"), PlanFixtures.Target("vdb", 20 * PlanFixtures.GiB, "SB")],
            new PlanOptions { LuksHeaders = new HashSet<string> { layout.Luks[0].Uuid } });
        var runner = new FakeRunner();
        var blocks = new FakeBlocks(_dir, plan.TargetDisks.ToDictionary(d => d.Path, d => d.SizeBytes));
        var ex = new PlanExecutor(runner, blocks, new ListLog());
        var token = PlanPlaceholders.HeaderFile(layout.Luks[0].Id);
        Assert.Equal([token], PlanExecutor.PendingHeaderFileTokens(plan, JournalPath));
        var keys = PlanExecutor.KeyFileTokens(plan.Steps).ToDictionary(t => t, _ => Path.Combine(_dir, "key"));

        var e = Assert.Throws<MkcdrecException>(() => ex.Execute(plan, Options(keyFiles: keys)));
        Assert.Equal(ExitCode.Refused, e.Code);
        Assert.Contains("LUKS header of luks:" + layout.Luks[0].Uuid, e.Message, StringComparison.Ordinal);
        Assert.Empty(runner.Calls);
        Assert.Empty(blocks.Written);

        keys[token] = Path.Combine(_dir, "hdr");
        ex.Execute(plan, Options(keyFiles: keys));
        var restore = Assert.Single(runner.Calls, c => c.Arguments.Contains("luksHeaderRestore"));
        Assert.Equal(Path.Combine(_dir, "hdr"), restore.Arguments[^1]);
        Assert.DoesNotContain(runner.Calls, c => c.Arguments.Contains("luksFormat"));
    }

    [Fact]
    public void No_mount_skips_the_mount_steps()
    {
        var (plan, runner, _, _, ex) = Setup("gpt", _dir);
        ex.Execute(plan, new ExecutorOptions { JournalPath = JournalPath, Yes = true, NoMount = true });
        Assert.Contains(plan.Steps, s => s.Kind == StepKinds.Mount);
        Assert.DoesNotContain(runner.Calls, c => c.FileName == "mount" && c.Arguments[^1].StartsWith(plan.TargetRoot, StringComparison.Ordinal));
        Assert.Contains(runner.Calls, c => c.FileName.StartsWith("mkfs", StringComparison.Ordinal));
    }
}
