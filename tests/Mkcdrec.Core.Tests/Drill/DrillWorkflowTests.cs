using Mkcdrec.Core;
using Mkcdrec.Core.Drill;
using Mkcdrec.Core.Platform;
using Mkcdrec.Model.Layout;

namespace Mkcdrec.Core.Tests.Drill;

public sealed partial class DrillWorkflowTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("drill-test-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private const string GrubCfg = """
        set timeout=3
        menuentry "mkcdrec rescue" {
          linux /boot/vmlinuz console=tty0 console=ttyS0,115200 mkcdrec.medium=MKCDREC_HOST_20261126 quiet
          initrd /boot/initrd.img
        }
        menuentry "mkcdrec automatic recovery" {
          linux /boot/vmlinuz mkcdrec.auto=recover
        }
        """;

    /// <summary>A file's content "@copy:PATH" in <see cref="FakeXorriso"/>: extracting it copies that host file.</summary>
    private const string CopyOf = "@copy:";

    /// <summary>xorriso as the drill calls it: -pvd_info and -extract pairs, from an in-memory ISO per file name.</summary>
    private sealed class FakeXorriso(Dictionary<string, Dictionary<string, string>> isos) : IProcessRunner
    {
        public List<string> Calls { get; } = [];

        public bool CanRun(string program) => program == "xorriso";

        /// <summary>The keys media made with -as mkisofs: the directory given and the ISO written.</summary>
        public List<(string Directory, string Iso)> Made { get; } = [];

        public ProcessResult Run(ProcessRequest r)
        {
            Calls.Add(r.CommandLine);
            var a = r.Arguments;
            if (a.Count > 1 && a[0] == "-as" && a[1] == "mkisofs")
            {
                var output = a[a.ToList().IndexOf("-o") + 1];
                File.WriteAllText(output, "keys iso");
                Made.Add((a[^1], output));
                return new ProcessResult(0, "", "", TimeSpan.Zero);
            }

            var iso = a[a.ToList().IndexOf("-indev") + 1];
            var files = isos[Path.GetFileName(iso)];
            if (a.Contains("-pvd_info"))
            {
                return new ProcessResult(0, $"Volume Id    : {files["label"]}\nApp Id       : mkcdrec\n", "", TimeSpan.Zero);
            }

            for (var i = 0; i < a.Count; i++)
            {
                if (a[i] == "-extract")
                {
                    if (!files.TryGetValue(a[i + 1], out var content))
                    {
                        return new ProcessResult(5, "", $"xorriso : FAILURE : Cannot determine attributes of (ISO) source file '{a[i + 1]}'", TimeSpan.Zero);
                    }

                    if (content.StartsWith(CopyOf, StringComparison.Ordinal))
                    {
                        File.Copy(content[CopyOf.Length..], a[i + 2], overwrite: true); // a binary file: a real one's bytes
                    }
                    else
                    {
                        File.WriteAllText(a[i + 2], content);
                    }
                }
            }

            return new ProcessResult(0, "", "", TimeSpan.Zero);
        }
    }

    /// <summary>Each Start plays the next scripted console; the spec of each boot is kept.</summary>
    private sealed class ScriptedVms(params string[][] consoles) : IVirtualMachineHost
    {
        public List<VmSpec> Specs { get; } = [];

        /// <summary>How many machines were killed (drill --power-cut).</summary>
        public int Kills { get; private set; }

        /// <summary>Runs as a machine starts (what the machine does to its disks).</summary>
        public Action<VmSpec>? OnStart { get; init; }

        public bool IsAvailable(MachineArchitecture architecture, out string? problem)
        {
            problem = null;
            return true;
        }

        public IVirtualMachine Start(VmSpec spec)
        {
            Specs.Add(spec);
            OnStart?.Invoke(spec);
            return new Vm(consoles[Specs.Count - 1], () => Kills++);
        }

        private sealed class Vm(string[] lines, Action onKill) : IVirtualMachine
        {
            public IReadOnlyList<string> Lines => lines;

            public bool HasExited => true;

            public int WaitForLine(Func<string, bool> match, int from, TimeSpan timeout)
            {
                for (var i = Math.Max(0, from); i < lines.Length; i++)
                {
                    if (match(lines[i]))
                    {
                        return i;
                    }
                }

                return -1;
            }

            public bool WaitForExit(TimeSpan timeout) => true;

            public void Send(string text)
            {
            }

            public void Kill() => onKill();

            public void Dispose()
            {
            }
        }
    }

    private static string Summary(string root, long files, string[]? changed = null, string[]? @new = null) =>
        new CompareSummary { Root = root, Files = files, Changed = [.. changed ?? []], New = [.. @new ?? []] }.ToJson();

    private static string LayoutJson(string firmware = "bios", string architecture = "x86_64")
    {
        var doc = new LayoutDocument();
        doc.Host.Architecture = architecture;
        doc.Disks.Add(new Disk { Id = "disk:a", Path = "/dev/vda", SizeBytes = 3L << 30, Serial = "ref-root" });
        doc.Disks.Add(new Disk { Id = "disk:b", Path = "/dev/vdb", SizeBytes = 1L << 30, Serial = "a serial with spaces" });
        doc.Boot.Firmware = firmware;
        doc.Boot.BiosBootDiskIds.Add("disk:a");
        return LayoutSerializer.Serialize(doc);
    }

    private (string Iso, FakeXorriso Runner) Medium(string? layout = null, bool grub = true, string? efiLoader = null)
    {
        var iso = Path.Combine(_dir, "rescue.iso");
        File.WriteAllText(iso, "not really an ISO");
        var files = new Dictionary<string, string>
        {
            ["label"] = "MKCDREC_HOST_20261126",
            ["/boot/vmlinuz"] = "kernel",
            ["/boot/initrd.img"] = "initrd",
        };
        if (grub)
        {
            files["/boot/grub/grub.cfg"] = GrubCfg;
        }

        if (layout is not null)
        {
            files["/backup/layout.json"] = layout;
        }

        if (efiLoader is not null)
        {
            files["/EFI/BOOT/BOOTX64.EFI"] = efiLoader;
        }

        return (iso, new FakeXorriso(new() { ["rescue.iso"] = files }));
    }

    private static readonly string[] GoodRescue =
    [
        "[    1.2] Linux version 6.1.0",
        "mkcdrec rescue system",
        DrillProtocol.Line(DrillProtocol.RecoveryStarted),
        DrillProtocol.Line(DrillProtocol.RestoreCompare, Summary("/", 4000)),
        DrillProtocol.Line(DrillProtocol.RestoreCompare, Summary("/home", 2000)),
        DrillProtocol.Line(DrillProtocol.Recovered),
        "reboot: Restarting system",
    ];

    private static string[] Boot(params string[] compares) =>
    [
        "[    0.0] Linux version 6.1.0-28-amd64",
        "MKCDREC-DRILL booted 6.1.0-28-amd64",
        .. compares.Select(c => DrillProtocol.Line(DrillProtocol.BootCompare, c)),
        DrillProtocol.Line(DrillProtocol.CheckDone),
    ];

    private DrillOptions Options(string iso) => new() { Medium = iso, WorkDirectory = Path.Combine(_dir, "work") };

    [Fact]
    public void A_clean_recovery_and_boot_passes_and_boots_as_captured()
    {
        var (iso, run) = Medium(LayoutJson());
        var vms = new ScriptedVms(GoodRescue, Boot(Summary("/", 4000, @new: ["var/log/journal/x"]), Summary("/home", 2000)));
        var report = new DrillWorkflow(run, vms, NullLog.Instance).Run(Options(iso));

        Assert.True(report.Passed, string.Join("\n", report.Failures));
        Assert.Equal("bios", report.Firmware);
        Assert.Equal([3L << 30, 1L << 30], report.DiskSizes);
        Assert.Equal(["rescue system boot", "recovery", "first boot", "compare in the booted system"], report.Phases.Select(p => p.Name));
        Assert.Single(report.ChangedByBoot);
        Assert.False(Directory.Exists(Path.Combine(_dir, "work")), "a passing drill removes its scratch disks");
        Assert.Equal("not really an ISO".Length, report.MediumBytes);
        Assert.Equal("kernel".Length, report.KernelBytes);
        Assert.Equal("initrd".Length, report.InitramfsBytes);
        Assert.Equal("", report.EfiBootEntry);

        // The rescue boot: direct kernel boot of the medium's kernel with its own command line plus the drill's flags,
        // the ISO in a CD drive, blank disks with the captured serial where it is a valid virtio serial.
        var rescue = vms.Specs[0];
        Assert.Equal("console=tty0 console=ttyS0,115200 mkcdrec.medium=MKCDREC_HOST_20261126 quiet mkcdrec.auto=recover mkcdrec.drill=1", rescue.Append);
        Assert.Equal([iso], rescue.CdRoms);
        Assert.Equal(["ref-root", "drill1"], rescue.Disks.Select(d => d.Serial));
        Assert.All(rescue.Disks, d => Assert.False(d.Boot));

        // The first boot: no kernel, the same disks, the one with boot code first.
        var first = vms.Specs[1];
        Assert.Null(first.Kernel);
        Assert.Empty(first.CdRoms);
        Assert.Equal([true, false], first.Disks.Select(d => d.Boot));
        Assert.Equal(rescue.Disks.Select(d => d.Path), first.Disks.Select(d => d.Path));
    }

    [Fact]
    public void An_attached_backup_disk_goes_to_the_rescue_machine_first_and_must_come_back_unchanged()
    {
        var (iso, run) = Medium(LayoutJson());
        var usb = Path.Combine(_dir, "usb.img");
        File.WriteAllBytes(usb, new byte[4096]);
        var vms = new ScriptedVms(GoodRescue, Boot(Summary("/", 4000), Summary("/home", 2000)));
        var report = new DrillWorkflow(run, vms, NullLog.Instance).Run(Options(iso) with { AttachDisks = [usb] });

        Assert.True(report.Passed, string.Join("\n", report.Failures));
        Assert.Equal([usb, .. vms.Specs[1].Disks.Select(d => d.Path)], vms.Specs[0].Disks.Select(d => d.Path));
        Assert.Equal("attached0", vms.Specs[0].Disks[0].Serial);
        Assert.DoesNotContain(usb, vms.Specs[1].Disks.Select(d => d.Path));
        Assert.True(File.Exists(usb), "the drill never deletes an attached image");
        Assert.Equal([usb], report.AttachedUnchanged);

        // A recovery that writes one byte to it fails the drill, naming the disk.
        var writing = new ScriptedVms(GoodRescue, Boot(Summary("/", 4000), Summary("/home", 2000)))
        {
            OnStart = spec => { if (spec.Kernel is not null) { using var f = File.OpenWrite(usb); f.Position = 512; f.WriteByte(0x55); } },
        };
        var failed = new DrillWorkflow(run, writing, NullLog.Instance).Run(Options(iso) with { AttachDisks = [usb] });
        Assert.False(failed.Passed);
        Assert.Contains(failed.Failures, f => f.Contains("wrote to " + usb, StringComparison.Ordinal));
        Assert.Single(writing.Specs); // the recovered system is not booted after that
        Assert.Empty(failed.AttachedUnchanged);
    }

    [Fact]
    public void What_finalize_reported_writing_is_the_recoverys_change_and_anything_else_still_fails()
    {
        var (iso, run) = Medium(LayoutJson());
        var wrote = DrillProtocol.PathsToJson(["/etc/fstab", "/etc/fstab.mkcdrec-orig", "/etc/mdadm/mdadm.conf", "/boot/initrd.img-6.1.0-28-amd64"]);
        string[] rescue = [.. GoodRescue[..^2], DrillProtocol.Line(DrillProtocol.FinalizeWrote, wrote), .. GoodRescue[^2..]];
        string[] changed = ["etc/fstab (size 142→206, mtime 1→2)", "etc (mtime 1→2)", "etc/mdadm (mtime 1→2)", "boot (mtime 1→2)", "boot/initrd.img-6.1.0-28-amd64 (size 1→2, mtime 1→2)"];
        var report = new DrillWorkflow(run, new ScriptedVms(rescue, Boot(Summary("/", 4000, changed, @new: ["etc/fstab.mkcdrec-orig"]), Summary("/home", 2000))), NullLog.Instance).Run(Options(iso));
        Assert.True(report.Passed, string.Join("\n", report.Failures));
        Assert.Equal(6, report.ChangedByRecovery.Count);

        // A file finalize did not name, and a directory whose change is more than its mtime, are failures.
        string[] more = [.. changed, "etc/passwd (content, mtime 1→2)", "etc/mdadm (mode 755→700, mtime 1→2)"];
        var failed = new DrillWorkflow(run, new ScriptedVms(rescue, Boot(Summary("/", 4000, more), Summary("/home", 2000))), NullLog.Instance).Run(Options(iso));
        Assert.False(failed.Passed);
        Assert.Contains(failed.Failures, f => f.Contains("2 changed", StringComparison.Ordinal) && f.Contains("etc/passwd", StringComparison.Ordinal));

        // Without the report, the same writes fail the drill.
        var unreported = new DrillWorkflow(run, new ScriptedVms(GoodRescue, Boot(Summary("/", 4000, changed), Summary("/home", 2000))), NullLog.Instance).Run(Options(iso));
        Assert.False(unreported.Passed);
    }

    [Theory]
    [InlineData("etc/fstab", "etc/fstab (size 1→2, mtime 1→2)", true)]
    [InlineData("etc", "etc (mtime 1→2)", true)]
    [InlineData("etc", "etc (mode 755→700, mtime 1→2)", false)]
    [InlineData("", " (mtime 1→2)", true)]
    [InlineData("usr", "usr (mtime 1→2)", false)]
    [InlineData("etc/fstab.d", "etc/fstab.d (mtime 1→2)", false)]
    public void Recovery_writes(string path, string entry, bool expected) =>
        Assert.Equal(expected, DrillProtocol.IsRecoveryWrite(path, entry, new HashSet<string>(["etc/fstab", ".autorelabel"], StringComparer.Ordinal)));

    [Fact]
    public void The_recoverys_own_phases_are_reported_and_the_drills_comparison_is_not_counted_as_recovery()
    {
        var (iso, run) = Medium(LayoutJson());
        var phases = DrillPhase.ListToJson(
        [
            new DrillPhase { Name = "verify backup", Seconds = 9.5 }, new DrillPhase { Name = "restore", Seconds = 40.2 },
            new DrillPhase { Name = Mkcdrec.Core.Drill.DrillRecoveryHooks.ComparePhase, Seconds = 12.5 }, new DrillPhase { Name = "finalize", Seconds = 8 },
        ]);
        string[] rescue = [.. GoodRescue[..^2], DrillProtocol.Line(DrillProtocol.RecoveryPhases, phases), .. GoodRescue[^2..]];
        var report = new DrillWorkflow(run, new ScriptedVms(rescue, Boot(Summary("/", 4000), Summary("/home", 2000))), NullLog.Instance).Run(Options(iso));

        Assert.True(report.Passed, string.Join("\n", report.Failures));
        Assert.Equal(["verify backup", "restore", "drill compare", "finalize"], report.RecoveryPhases.Select(p => p.Name));
        Assert.Equal(["rescue system boot", "recovery", "compare after restore (drill)", "first boot", "compare in the booted system"], report.Phases.Select(p => p.Name));
        Assert.Equal(12.5, report.Phases.Single(p => p.Name == "compare after restore (drill)").Seconds);
        Assert.Contains("\"recoveredUpSeconds\"", report.ToJson(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_drill_that_fails_before_writing_anything_leaves_no_empty_work_directory()
    {
        var (_, run) = Medium(LayoutJson());
        var options = new DrillOptions { Medium = Path.Combine(_dir, "no-such.iso"), WorkDirectory = Path.Combine(_dir, "work") };
        var e = Record.Exception(() =>
        {
            var r = new DrillWorkflow(run, new ScriptedVms(GoodRescue, Boot()), NullLog.Instance).Run(options);
            Assert.False(r.Passed);
        });
        Assert.True(e is null or MkcdrecException, e?.ToString());
        Assert.False(Directory.Exists(Path.Combine(_dir, "work")));
    }

    [Fact]
    public void Unreadable_recovery_phases_fail_the_drill()
    {
        var (iso, run) = Medium(LayoutJson());
        string[] rescue = [.. GoodRescue[..^2], DrillProtocol.Line(DrillProtocol.RecoveryPhases, "{not json"), .. GoodRescue[^2..]];
        var report = new DrillWorkflow(run, new ScriptedVms(rescue, Boot(Summary("/", 4000))), NullLog.Instance).Run(Options(iso));
        Assert.False(report.Passed);
        Assert.Contains(report.Failures, f => f.Contains("Unreadable recovery phases", StringComparison.Ordinal));
    }

    [Fact]
    public void A_difference_in_the_restored_tree_fails_and_keeps_the_disks()
    {
        var (iso, run) = Medium(LayoutJson());
        string[] rescue = [.. GoodRescue];
        rescue[3] = DrillProtocol.Line(DrillProtocol.RestoreCompare, Summary("/", 4000, changed: ["etc/passwd (mode 644→600)"]));
        var report = new DrillWorkflow(run, new ScriptedVms(rescue, Boot(Summary("/", 4000), Summary("/home", 2000))), NullLog.Instance).Run(Options(iso));

        Assert.False(report.Passed);
        Assert.Contains(report.Failures, f => f.Contains("restored /: 1 changed", StringComparison.Ordinal));
        Assert.True(File.Exists(Path.Combine(_dir, "work", "disk0.img")), "a failed drill keeps its disks for inspection");
    }

    [Fact]
    public void A_difference_after_boot_outside_volatile_paths_fails()
    {
        var (iso, run) = Medium(LayoutJson());
        var boot = Boot(Summary("/", 4000, changed: ["usr/bin/ping (xattrs/ACLs)", "var/log/wtmp (size 0→384)"]), Summary("/home", 2000));
        var report = new DrillWorkflow(run, new ScriptedVms(GoodRescue, boot), NullLog.Instance).Run(Options(iso));

        Assert.False(report.Passed);
        Assert.Contains(report.Failures, f => f == "booted /: 1 changed, 0 missing, 0 new: changed usr/bin/ping (xattrs/ACLs)");
        Assert.Equal(["/: var/log/wtmp (size 0→384)"], report.ChangedByBoot);
    }

    [Fact]
    public void Volatile_paths_are_relative_to_the_system_root_not_the_filesystem()
    {
        var (iso, run) = Medium(LayoutJson());
        // In the /home archive, "log/x" is /home/log/x: not volatile.
        var boot = Boot(Summary("/", 4000), Summary("/home", 2000, @new: ["log/x"]));
        var report = new DrillWorkflow(run, new ScriptedVms(GoodRescue, boot), NullLog.Instance).Run(Options(iso));
        Assert.False(report.Passed);
        Assert.Empty(report.ChangedByBoot);
    }

    [Fact]
    public void A_failed_recovery_is_reported_with_the_console()
    {
        var (iso, run) = Medium(LayoutJson());
        string[] rescue = ["mkcdrec rescue system", DrillProtocol.Line(DrillProtocol.RecoveryStarted), "Error: needs 38.2 GiB on /dev/vda, which has 30 GiB",
            DrillProtocol.Line(DrillProtocol.RecoveryFailed, "the target is too small")];
        var vms = new ScriptedVms(rescue);
        var report = new DrillWorkflow(run, vms, NullLog.Instance).Run(Options(iso));

        Assert.False(report.Passed);
        Assert.Single(vms.Specs);
        var f = Assert.Single(report.Failures);
        Assert.Contains("the target is too small", f, StringComparison.Ordinal);
        Assert.Contains("needs 38.2 GiB", f, StringComparison.Ordinal);
    }

    [Fact]
    public void A_rescue_system_that_stops_without_a_result_fails()
    {
        var (iso, run) = Medium(LayoutJson());
        var report = new DrillWorkflow(run, new ScriptedVms(["Kernel panic - not syncing: VFS: Unable to mount root fs"]), NullLog.Instance).Run(Options(iso));
        Assert.False(report.Passed);
        Assert.Contains("stopped before reporting", Assert.Single(report.Failures), StringComparison.Ordinal);
    }

    [Fact]
    public void A_recovered_system_that_does_not_boot_fails()
    {
        var (iso, run) = Medium(LayoutJson());
        var report = new DrillWorkflow(run, new ScriptedVms(GoodRescue, ["error: no such partition.", "grub rescue>"]), NullLog.Instance).Run(Options(iso));
        Assert.False(report.Passed);
        Assert.Contains("did not boot", Assert.Single(report.Failures), StringComparison.Ordinal);
        Assert.Contains("grub rescue>", report.Failures[0], StringComparison.Ordinal);
    }

    [Fact]
    public void Uefi_comes_from_the_layout_and_uses_a_private_copy_of_the_variables()
    {
        Assert.SkipUnless(File.Exists(QemuCommandLine.OvmfVarsTemplate), "OVMF not installed");
        var (iso, run) = Medium(LayoutJson("uefi"));
        var vms = new ScriptedVms(GoodRescue, [.. Boot(Summary("/", 4000), Summary("/home", 2000)).Take(2), DrillProtocol.Line(DrillProtocol.EfiBoot, "Boot0004 debian"),
            .. Boot(Summary("/", 4000), Summary("/home", 2000)).Skip(2)]);
        var report = new DrillWorkflow(run, vms, NullLog.Instance).Run(Options(iso) with { Keep = true });
        Assert.True(report.Passed, string.Join("\n", report.Failures));
        Assert.Equal("uefi", report.Firmware);
        Assert.Equal("Boot0004 debian", report.EfiBootEntry);
        Assert.All(vms.Specs[1].Disks, d => Assert.False(d.Boot)); // no QEMU boot order: the firmware follows its variables
        Assert.All(vms.Specs, s => Assert.True(s.Uefi));
        Assert.Equal(vms.Specs[0].UefiVars, vms.Specs[1].UefiVars); // EFI boot entries written by the recovery survive
        Assert.StartsWith(Path.Combine(_dir, "work"), vms.Specs[0].UefiVars, StringComparison.Ordinal);
    }

    [Fact]
    public void An_aarch64_system_is_drilled_on_the_virt_board_by_uefi_with_the_consoles_its_kernel_finds()
    {
        Assert.SkipUnless(File.Exists(QemuCommandLine.AavmfVarsTemplate), "AAVMF not installed (qemu-efi-aarch64)");
        var (iso, run) = Medium(LayoutJson("uefi", "aarch64"), grub: false);
        var vms = new ScriptedVms(GoodRescue, Boot(Summary("/", 4000), Summary("/home", 2000)));
        var report = new DrillWorkflow(run, vms, NullLog.Instance).Run(Options(iso) with { Keep = true });
        Assert.True(report.Passed, string.Join("\n", report.Failures));
        Assert.All(vms.Specs, s => Assert.Equal(MachineArchitecture.Aarch64, s.Architecture));
        Assert.All(vms.Specs, s => Assert.True(s.Uefi));
        Assert.Equal(File.ReadAllBytes(QemuCommandLine.AavmfVarsTemplate), File.ReadAllBytes(vms.Specs[0].UefiVars!));
        // No console=ttyS0: on the virt board that is no port at all; the kernel takes the PL011 the firmware describes.
        Assert.Equal("mkcdrec.medium=MKCDREC_HOST_20261126 mkcdrec.auto=recover mkcdrec.drill=1", vms.Specs[0].Append);
    }

    [Theory]
    [InlineData("aarch64", false, false, ExitCode.Usage, "UEFI only")]
    [InlineData("aarch64", true, true, ExitCode.Usage, "no Secure Boot")]
    [InlineData("riscv64", false, true, ExitCode.BadInput, "x86_64 and aarch64 machines only")]
    public void A_machine_the_drill_cannot_emulate_is_refused_before_any_disk_is_made(string architecture, bool uefi, bool secureBoot, ExitCode code, string says)
    {
        var (iso, run) = Medium(LayoutJson("uefi", architecture), grub: false);
        var vms = new ScriptedVms();
        var e = Assert.Throws<MkcdrecException>(() => new DrillWorkflow(run, vms, NullLog.Instance).Run(Options(iso) with { Uefi = uefi, SecureBoot = secureBoot }));
        Assert.Equal(code, e.Code);
        Assert.Contains(says, e.Message, StringComparison.Ordinal);
        Assert.Empty(vms.Specs);
        Assert.False(File.Exists(Path.Combine(_dir, "work", "disk0.img")));
    }

    [Fact]
    public void Without_a_layout_the_disk_sizes_must_be_given()
    {
        var (iso, run) = Medium(layout: null);
        var e = Assert.Throws<MkcdrecException>(() => new DrillWorkflow(run, new ScriptedVms(), NullLog.Instance).Run(Options(iso)));
        Assert.Equal(ExitCode.Usage, e.Code);
        Assert.Contains("--disk-size", e.Hint, StringComparison.Ordinal);

        var vms = new ScriptedVms(GoodRescue, Boot(Summary("/", 4000), Summary("/home", 2000)));
        var report = new DrillWorkflow(run, vms, NullLog.Instance).Run(Options(iso) with { DiskSizes = [5L << 30] });
        Assert.True(report.Passed, string.Join("\n", report.Failures));
        Assert.Equal("drill0", vms.Specs[0].Disks.Single().Serial);
    }

    [Fact]
    public void Without_a_grub_config_the_label_makes_the_command_line()
    {
        var (iso, run) = Medium(LayoutJson(), grub: false);
        var vms = new ScriptedVms(GoodRescue, Boot(Summary("/", 4000), Summary("/home", 2000)));
        new DrillWorkflow(run, vms, NullLog.Instance).Run(Options(iso));
        Assert.Equal("console=tty0 console=ttyS0,115200 mkcdrec.medium=MKCDREC_HOST_20261126 mkcdrec.auto=recover mkcdrec.drill=1", vms.Specs[0].Append);
    }

    [Fact]
    public void A_missing_medium_says_what_to_do()
    {
        var e = Assert.Throws<MkcdrecException>(() => DrillMedium.Locate(Path.Combine(_dir, "nothing"), _ => new MediumInfo(1, 1, "")));
        Assert.Equal(ExitCode.BadInput, e.Code);
        var empty = Directory.CreateDirectory(Path.Combine(_dir, "empty")).FullName;
        e = Assert.Throws<MkcdrecException>(() => DrillMedium.Locate(empty, _ => new MediumInfo(1, 1, "")));
        Assert.Contains("mkbackup", e.Hint, StringComparison.Ordinal);
    }

    [Fact]
    public void A_directory_gives_the_newest_first_medium_and_the_rest_of_its_set()
    {
        string Iso(string name, int ageMinutes)
        {
            var p = Path.Combine(_dir, name);
            File.WriteAllText(p, "");
            File.SetLastWriteTimeUtc(p, DateTime.UtcNow.AddMinutes(-ageMinutes));
            return p;
        }

        Iso("old_1.iso", 100);
        Iso("old_2.iso", 99);
        Iso("new_1.iso", 10);
        Iso("new_2.iso", 9);
        Iso("new_3.iso", 8);
        var info = new Dictionary<string, MediumInfo>
        {
            ["old_1.iso"] = new(1, 2, "old"), ["old_2.iso"] = new(2, 2, "old"),
            ["new_1.iso"] = new(1, 3, "new"), ["new_2.iso"] = new(2, 3, "new"), ["new_3.iso"] = new(3, 3, "new"),
        };
        var set = DrillMedium.Locate(_dir, p => info[Path.GetFileName(p)]);
        Assert.Equal(["new_1.iso", "new_2.iso", "new_3.iso"], set.Select(Path.GetFileName));

        File.Delete(Path.Combine(_dir, "new_3.iso"));
        info.Remove("new_3.iso");
        var e = Assert.Throws<MkcdrecException>(() => DrillMedium.Locate(_dir, p => info[Path.GetFileName(p)]));
        Assert.Contains("medium 3 is not beside it", e.Message, StringComparison.Ordinal);

        e = Assert.Throws<MkcdrecException>(() => DrillMedium.Locate(Path.Combine(_dir, "old_2.iso"), p => info[Path.GetFileName(p)]));
        Assert.Contains("medium 2 of 2", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"label\":\"X\",\"index\":2,\"count\":3,\"backupId\":\"b1\"}", 2, 3, "b1")]
    [InlineData("{\"Index\":1,\"Total\":1}", 1, 1, "")]
    [InlineData("not json", 1, 1, "")]
    public void Medium_info_is_read_leniently(string json, int index, int count, string set) =>
        Assert.Equal(new MediumInfo(index, count, set), MediumInfo.Parse(json));

    [Fact]
    public void The_grub_command_line_is_not_used_when_it_has_variables() =>
        Assert.Null(DrillMedium.CommandLineFromGrubConfig("menuentry x {\n linux /boot/vmlinuz mkcdrec.medium=$label\n}"));

    [Theory]
    [InlineData("[   12.3] random: crng init done MKCDREC-DRILL recovered", "recovered", null)]
    [InlineData("MKCDREC-DRILL restore-compare {\"root\":\"/\"}\r", "restore-compare", "{\"root\":\"/\"}")]
    public void Protocol_lines_are_found_after_kernel_noise(string line, string evt, string? payload) =>
        Assert.Equal((evt, payload), DrillProtocol.Parse(line));

    [Theory]
    [InlineData("var/log/syslog", true)]
    [InlineData("var/log", true)]
    [InlineData("etc/machine-id", true)]
    [InlineData("etc/machine-id-old", false)]
    [InlineData("usr/bin/ping", false)]
    [InlineData("variable", false)]
    [InlineData("boot/grub/i386-pc/normal.mod", true)]
    [InlineData("boot/vmlinuz-6.1.0-28-amd64", false)]
    [InlineData("dev", true)]
    [InlineData("device", false)]
    public void Volatile_after_boot(string path, bool expected) => Assert.Equal(expected, DrillProtocol.IsVolatile(path));
}
