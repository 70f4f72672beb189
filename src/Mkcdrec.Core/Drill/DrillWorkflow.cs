using System.Diagnostics;
using Mkcdrec.Core.Platform;
using Mkcdrec.Core.Workflows;
using Mkcdrec.Model.Layout;

namespace Mkcdrec.Core.Drill;

public sealed record DrillOptions
{
    public const string DefaultOutput = "/var/lib/mkcdrec/output";

    /// <summary>An ISO, or a directory holding the rescue media (default <see cref="DefaultOutput"/>).</summary>
    public string? Medium { get; init; }

    /// <summary>UEFI (OVMF) or BIOS (SeaBIOS); null: what the captured system used.</summary>
    public bool? Uefi { get; init; }

    /// <summary>UEFI with Secure Boot enforced (OVMF's Secure Boot build, Microsoft's keys) for the medium and the recovered system.</summary>
    public bool SecureBoot { get; init; }

    /// <summary>
    /// --secure-boot: the pause after each key typed at GRUB. GRUB polls the serial port: a whole line sent at once loses
    /// most of its characters (seen under TCG: "linux /boot/vmlinuz" arrived as "lx/otmn"); one key every 30 ms arrives whole.
    /// </summary>
    public TimeSpan GrubKeyInterval { get; init; } = TimeSpan.FromMilliseconds(30);

    /// <summary>Sizes of the blank scratch disks; empty: the sizes of the captured disks.</summary>
    public IReadOnlyList<long> DiskSizes { get; init; } = [];

    /// <summary>How the scratch disks are attached: virtio, or NVMe to drill a move to new hardware (other device names).</summary>
    public VmDiskBus DiskBus { get; init; } = VmDiskBus.Virtio;

    /// <summary>Where the scratch disks and the console logs go (created; removed after a pass unless <see cref="Keep"/>).</summary>
    public string? WorkDirectory { get; init; }

    public bool Keep { get; init; }

    /// <summary>--keys: the drilled system's secrets laid out like the keys medium (<see cref="DrillKeys"/>); null: none.</summary>
    public string? KeysDirectory { get; init; }

    /// <summary>--attach: disk images the rescue machine also gets, before its blank disks (a USB disk holding the backup); never written.</summary>
    public IReadOnlyList<string> AttachDisks { get; init; } = [];

    /// <summary>--keep-degraded: the unattended recovery recreates a RAID array degraded at backup degraded (mkcdrec.keep-degraded).</summary>
    public bool KeepDegraded { get; init; }

    public string Accelerator { get; init; } = "tcg";

    public int MemoryMiB { get; init; } = 2048;

    public int Cpus { get; init; } = 2;

    public TimeSpan RecoveryTimeout { get; init; } = TimeSpan.FromMinutes(40);

    public TimeSpan BootTimeout { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>Power cuts during the recovery, in order: each kills the rescue machine once, then the medium boots again.</summary>
    public IReadOnlyList<PowerCut> PowerCuts { get; init; } = [];
}

/// <summary>
/// `mkcdrec drill`: boots the rescue medium in a virtual machine against blank scratch disk images, lets it recover
/// unattended, boots the recovered disks, and reads both comparisons (restored tree before the boot, booted system
/// after) from the serial console. It only ever writes files in its work directory: never a real disk.
/// </summary>
public sealed partial class DrillWorkflow
{
    private readonly IProcessRunner _run;
    private readonly IVirtualMachineHost _vms;
    private readonly ILog _log;
    private readonly Action<string> _progress;

    public DrillWorkflow(IProcessRunner run, IVirtualMachineHost vms, ILog log, Action<string>? progress = null)
    {
        _run = run;
        _vms = vms;
        _log = log;
        _progress = progress ?? (_ => { });
    }

    public sealed class Context
    {
        public required DrillOptions Options { get; init; }

        public DrillReport Report { get; } = new();

        public string WorkDir { get; set; } = "";

        public DrillMedium? Medium { get; set; }

        public List<VmDisk> Disks { get; } = [];

        /// <summary>The machine the medium's system ran on (its layout), which the drill emulates.</summary>
        public MachineArchitecture Architecture { get; set; } = MachineArchitecture.X86_64;

        public bool Uefi { get; set; }

        public string? UefiVars { get; set; }

        public bool Recovered { get; set; }

        /// <summary>The keys ISO while the rescue machine runs (<see cref="DrillKeys"/>); null otherwise.</summary>
        public string? KeysMedium { get; set; }

        /// <summary>--attach: the images and their hashes from before the recovery.</summary>
        public DrillAttachedDisks? Attached { get; set; }
    }

    public static Workflow<Context> Steps(DrillWorkflow w) => new Workflow<Context>("drill")
        .Step("check tools", _ => w.CheckTools())
        .Step("read the rescue medium", w.ReadMedium)
        .Step("create blank scratch disks", w.CreateDisks)
        .Step("recover in the rescue system", c => w.WithKeysMedium(c, w.Recover))
        .Step("check the attached disks", w.CheckAttached)
        .Step("boot the recovered system", w.FirstBoot)
        .Step("judge", c => DrillJudgement.Judge(c.Report));

    public DrillReport Run(DrillOptions options)
    {
        var ctx = new Context { Options = options };
        try
        {
            Steps(this).Run(ctx, _log);
        }
        catch (DrillFailure f)
        {
            ctx.Report.Failures.Add(f.Message);
            ctx.Report.Passed = false;
        }
        finally
        {
            ctx.Report.FinishedAt = DateTimeOffset.UtcNow;
            if (ctx.WorkDir.Length > 0 && !ctx.Report.Passed && Directory.Exists(ctx.WorkDir) && !Directory.EnumerateFileSystemEntries(ctx.WorkDir).Any())
            {
                // Failed before anything was written (e.g. no medium): there is nothing to keep for a look.
                Directory.Delete(ctx.WorkDir);
                ctx.Report.WorkDirectory = "";
            }
            else if (ctx.WorkDir.Length > 0 && ctx.Report.Passed && !options.Keep)
            {
                try
                {
                    Directory.Delete(ctx.WorkDir, recursive: true);
                    ctx.Report.WorkDirectory = "";
                }
                catch (IOException e)
                {
                    _log.Warn($"could not remove {ctx.WorkDir}: {e.Message}");
                }
            }
        }

        return ctx.Report;
    }

    private sealed class DrillFailure(string message) : Exception(message);

    private void CheckTools()
    {
        if (!_run.CanRun("xorriso"))
        {
            throw MkcdrecException.MissingTool("xorriso", "xorriso");
        }
    }

    private void ReadMedium(Context c)
    {
        c.WorkDir = c.Options.WorkDirectory ?? Path.Combine(Path.GetTempPath(), $"mkcdrec-drill-{DateTime.UtcNow:yyyyMMdd-HHmmss}-{Environment.ProcessId}");
        Directory.CreateDirectory(c.WorkDir);
        c.Report.WorkDirectory = c.WorkDir;
        var isos = DrillMedium.Locate(c.Options.Medium, iso => DrillMedium.Info(_run, iso, c.WorkDir));
        c.Medium = DrillMedium.Read(_run, isos, c.WorkDir);
        c.Report.Medium = string.Join(", ", isos);
        c.Architecture = DrillMachine(c.Options, c.Medium.Layout);
        if (!_vms.IsAvailable(c.Architecture, out var problem))
        {
            throw new MkcdrecException(ExitCode.Environment, problem ?? "QEMU is not available.", "Install " + QemuCommandLine.PackagesFor(c.Architecture) + ".");
        }

        c.Uefi = c.Options.SecureBoot || !c.Architecture.HasBios || (c.Options.Uefi ?? c.Medium.Layout?.Boot.Firmware == FirmwareKinds.Uefi);
        c.Report.Firmware = c.Options.SecureBoot ? "uefi, Secure Boot on" : c.Uefi ? "uefi" : "bios";
        if (c.Options.SecureBoot)
        {
            CheckSecureBootMedium(c);
        }

        c.Report.MediumBytes = isos.Sum(i => new FileInfo(i).Length);
        c.Report.KernelBytes = new FileInfo(c.Medium.Kernel).Length;
        c.Report.InitramfsBytes = new FileInfo(c.Medium.Initrd).Length;
        _progress($"medium {c.Medium.Label}: {isos.Count} ISO(s), {Mib(c.Report.MediumBytes)}; kernel {Mib(c.Report.KernelBytes)}, initramfs {Mib(c.Report.InitramfsBytes)}; firmware {c.Report.Firmware}");
    }

    /// <summary>The machine the drill emulates: the one the layout was captured on (x86_64 for a layout from before the
    /// field). aarch64 boots by UEFI only and has no Secure Boot media yet, so --bios and --secure-boot are refused there.</summary>
    private static MachineArchitecture DrillMachine(DrillOptions options, LayoutDocument? layout)
    {
        var name = layout?.Host.Architecture;
        var arch = MachineArchitecture.For(name)
            ?? throw new MkcdrecException(ExitCode.BadInput, $"The medium's system ran on a {name} machine; the drill emulates x86_64 and aarch64 machines only.",
                "Test this medium by booting it on a machine of its kind.");
        if (!arch.HasBios && (options.Uefi == false || options.SecureBoot))
        {
            throw new MkcdrecException(ExitCode.Usage, $"The medium's system is an {arch.Uname} machine: it boots by UEFI only, and its media have no Secure Boot chain yet.",
                "Drill it without --bios and --secure-boot.");
        }

        return arch;
    }

    /// <summary>One sparse image per captured disk (or per --disk-size); the captured serial is reused when the size is the
    /// same, so the planner maps by identity as it would on the same machine.</summary>
    private void CreateDisks(Context c)
    {
        var layoutDisks = c.Medium!.Layout?.Disks.Where(d => d.SizeBytes > 0).ToList() ?? [];
        var sizes = c.Options.DiskSizes.Count > 0 ? c.Options.DiskSizes.ToList() : layoutDisks.Select(d => d.SizeBytes).ToList();
        if (sizes.Count == 0)
        {
            throw new MkcdrecException(ExitCode.Usage, "The medium carries no layout to size the scratch disks from.",
                "Give the sizes with --disk-size SIZE (repeatable), or drill a medium made by 'mkcdrec mkbackup'.");
        }

        for (var i = 0; i < sizes.Count; i++)
        {
            var path = Path.Combine(c.WorkDir, $"disk{i}.img");
            using (var fs = new FileStream(path, FileMode.Create, FileAccess.Write))
            {
                fs.SetLength(sizes[i]);
            }

            string? serial = null;
            if (i < layoutDisks.Count && layoutDisks[i].SizeBytes == sizes[i] && layoutDisks[i].Serial is { Length: > 0 and <= 20 } s
                && s.All(ch => char.IsAsciiLetterOrDigit(ch) || ch is '-' or '_' or '.'))
            {
                serial = s;
            }

            c.Disks.Add(new VmDisk(path) { Serial = serial ?? $"drill{i}", Bus = c.Options.DiskBus });
            c.Report.DiskSizes.Add(sizes[i]);
        }

        if (c.Options.AttachDisks.Count > 0)
        {
            c.Attached = new DrillAttachedDisks(c.Options.AttachDisks);
            _progress($"attached before the blank disks, never to be written: {string.Join(", ", c.Attached.Images)}");
        }

        if (c.Uefi)
        {
            // Secure Boot: the variables with Microsoft's keys enrolled, which turns enforcement on.
            var (code, vars) = QemuCommandLine.UefiFirmware(c.Architecture, c.Options.SecureBoot);
            if (!File.Exists(code) || !File.Exists(vars))
            {
                throw new MkcdrecException(ExitCode.Environment, $"UEFI firmware not found ({code}).",
                    "Install " + QemuCommandLine.PackagesFor(c.Architecture) + (c.Architecture.HasBios ? ", or drill with BIOS." : "."));
            }

            c.UefiVars = Path.Combine(c.WorkDir, QemuCommandLine.UefiVarsFileName(c.Architecture));
            File.Copy(vars, c.UefiVars, overwrite: true);
        }

        _progress($"{sizes.Count} blank {(c.Options.DiskBus == VmDiskBus.Nvme ? "NVMe" : "virtio")} disk(s): {string.Join(", ", sizes.Select(s => $"{s / (1024.0 * 1024 * 1024):0.##} GiB"))}");
    }

    private VmSpec BaseSpec(Context c, string log) => new()
    {
        Architecture = c.Architecture,
        Uefi = c.Uefi,
        UefiVars = c.UefiVars,
        SecureBoot = c.Options.SecureBoot,
        Accelerator = c.Options.Accelerator,
        MemoryMiB = c.Options.MemoryMiB,
        Cpus = c.Options.Cpus,
        SerialLog = Path.Combine(c.WorkDir, log),
    };

    private VmSpec RescueSpec(Context c, string log = "rescue-console.log")
    {
        var m = c.Medium!;
        return BaseSpec(c, log) with
        {
            Kernel = m.Kernel,
            Initrd = m.Initrd,
            Append = DrillKeys.CommandLine(DrillMedium.DrillCommandLine(m.CommandLine, m.Label, c.Architecture), c.KeysMedium)
                + (c.Options.KeepDegraded ? " " + DrillMedium.KeepDegradedFlag : ""),
            CdRoms = c.KeysMedium is null ? m.Isos : [.. m.Isos, c.KeysMedium],
            Disks = [.. (c.Attached?.Images ?? []).Select((image, i) => new VmDisk(image) { Serial = $"attached{i}" }), .. c.Disks],
            UserNetwork = true,

            // A medium whose backup is on a server (mkbackup --dest) must reach it; the recovered system's boot stays isolated.
            ReachesHost = DrillMedium.BackupOnServer(m.CommandLine) is not null,
        };
    }

    private void RecoverToTheEnd(Context c)
    {
        var sw = Stopwatch.StartNew();
        using var vm = StartRescue(c);
        var deadline = DateTime.UtcNow + c.Options.RecoveryTimeout;
        var started = false;
        var seen = 0;
        while (true)
        {
            var remaining = deadline - DateTime.UtcNow;
            if (remaining <= TimeSpan.Zero)
            {
                throw new DrillFailure($"The rescue system did not finish the recovery within {c.Options.RecoveryTimeout.TotalMinutes:0} min.\n" + Tail(vm));
            }

            var at = vm.WaitForLine(l => DrillProtocol.Parse(l) is not null, seen, remaining);
            if (at < 0)
            {
                vm.WaitForExit(TimeSpan.FromSeconds(5));
                throw new DrillFailure(vm.HasExited
                    ? "The rescue system stopped before reporting a finished recovery.\n" + Tail(vm)
                    : $"The rescue system did not finish the recovery within {c.Options.RecoveryTimeout.TotalMinutes:0} min.\n" + Tail(vm));
            }

            seen = at + 1;
            var (evt, payload) = DrillProtocol.Parse(vm.Lines[at])!.Value;
            switch (evt)
            {
                case DrillProtocol.RecoveryStarted when !started:
                    started = true;
                    c.Report.Phases.Add(new DrillPhase { Name = "rescue system boot", Seconds = Math.Round(sw.Elapsed.TotalSeconds, 1) });
                    _progress($"rescue system up after {sw.Elapsed.TotalSeconds:0} s; recovering");
                    break;
                case DrillProtocol.RecoveryFailed:
                    throw new DrillFailure("The recovery failed: " + payload + "\n" + Tail(vm));
                case DrillProtocol.Recovered:
                    c.Recovered = true;
                    var bootPhase = c.Report.Phases.Sum(p => p.Seconds);
                    var compare = c.Report.RecoveryPhases.Where(p => p.Name == DrillRecoveryHooks.ComparePhase).Sum(p => p.Seconds);
                    c.Report.Phases.Add(new DrillPhase { Name = "recovery", Seconds = Math.Round(Math.Max(0, sw.Elapsed.TotalSeconds - bootPhase - compare), 1) });
                    if (compare > 0)
                    {
                        c.Report.Phases.Add(new DrillPhase { Name = "compare after restore (drill)", Seconds = compare });
                    }

                    _progress($"recovered after {sw.Elapsed.TotalSeconds:0} s");
                    if (!vm.WaitForExit(TimeSpan.FromMinutes(3)))
                    {
                        throw new DrillFailure("The rescue system did not reboot after the recovery.\n" + Tail(vm));
                    }

                    return;
                default:
                    if (DrillJudgement.Read(evt, payload, c.Report) is { } unreadable)
                    {
                        throw new DrillFailure(unreadable);
                    }

                    break;
            }
        }
    }

    /// <summary>--attach: the recovery wrote nothing on a disk outside its plan (the images hash as before).</summary>
    private void CheckAttached(Context c)
    {
        if (c.Attached?.Changed() is { Count: > 0 } changed)
        {
            throw new DrillFailure($"The recovery wrote to {string.Join(", ", changed)}, attached beside the blank disks: nothing outside the plan may be written.");
        }

        if (c.Attached is not null)
        {
            c.Report.AttachedUnchanged = [.. c.Attached.Images];
            _progress("the attached disks are unchanged");
        }
    }

    private void FirstBoot(Context c)
    {
        // BIOS: the disk with boot code first. UEFI: no boot order from QEMU, so the firmware follows its own variables
        // (the entry the recovery created first, then the removable path), as a real machine would.
        var disks = c.Disks.Select((d, i) => d with { Boot = !c.Uefi && i == BootDisk(c) }).ToList();
        var spec = BaseSpec(c, "first-boot-console.log") with { Disks = disks, UserNetwork = true };
        var sw = Stopwatch.StartNew();
        using var vm = _vms.Start(spec);
        var console = new ConsolePromptWatcher(vm, [new DrillKeys(c.Options.KeysDirectory).LuksPrompt(c.Medium!.Layout, _progress)]);
        var booted = console.WaitForLine(l => DrillProtocol.Parse(l)?.Event == DrillProtocol.Booted, 0, c.Options.BootTimeout);
        if (booted < 0)
        {
            throw new DrillFailure((console.Refusal ?? "The recovered system did not boot (its first-boot check never ran).") + "\n" + Tail(vm));
        }

        c.Report.Phases.Add(new DrillPhase { Name = "first boot", Seconds = Math.Round(sw.Elapsed.TotalSeconds, 1) });
        c.Report.RecoveredUpSeconds = Math.Round(c.Report.Phases.Where(p => p.Name is "rescue system boot" or "recovery" or "first boot").Sum(p => p.Seconds), 1);
        _progress($"recovered system booted after {sw.Elapsed.TotalSeconds:0} s; comparing");
        var done = vm.WaitForLine(l => DrillProtocol.Parse(l)?.Event == DrillProtocol.CheckDone, booted, c.Options.BootTimeout);
        if (done < 0)
        {
            throw new DrillFailure("The first-boot check did not finish.\n" + Tail(vm));
        }

        if (DrillJudgement.ReadAll(vm.Lines.Skip(booted), c.Report) is { } unreadable)
        {
            throw new DrillFailure(unreadable);
        }

        c.Report.Phases.Add(new DrillPhase { Name = "compare in the booted system", Seconds = Math.Round(sw.Elapsed.TotalSeconds - c.Report.Phases[^1].Seconds, 1) });
        vm.WaitForExit(TimeSpan.FromMinutes(2));
        if (c.Options.SecureBoot && c.Report.SecureBoot != "on")
        {
            throw new DrillFailure($"The recovered system booted, but says Secure Boot was '{c.Report.SecureBoot}', not on (boot entry '{c.Report.EfiBootEntry}').");
        }
    }

    /// <summary>Runs the recovery with the keys ISO in a CD drive of the rescue machine (with --keys), and deletes it afterwards whatever happens.</summary>
    private void WithKeysMedium(Context c, Action<Context> recover)
    {
        try
        {
            c.KeysMedium = new DrillKeys(c.Options.KeysDirectory).BuildMedium(_run, c.WorkDir);
            if (c.KeysMedium is not null)
            {
                _progress($"keys medium {DrillKeys.Label} from {c.Options.KeysDirectory}: for the rescue machine only, deleted after the recovery");
            }

            recover(c);
        }
        finally
        {
            DrillKeys.Delete(c.KeysMedium);
            c.KeysMedium = null;
        }
    }

    /// <summary>The disk the firmware boots: BIOS, the first captured disk with boot code; UEFI boots by its entries.</summary>
    private static int BootDisk(Context c)
    {
        var layout = c.Medium!.Layout;
        if (layout is null)
        {
            return 0;
        }

        var withCode = layout.Disks.Where(d => d.SizeBytes > 0).ToList().FindIndex(d => layout.Boot.BiosBootDiskIds.Contains(d.Id));
        return withCode >= 0 && withCode < c.Disks.Count ? withCode : 0;
    }

    private static string Mib(long bytes) => $"{bytes / 1048576.0:0.0} MiB";

    private static string Tail(IVirtualMachine vm) => "Last console lines:\n  " + string.Join("\n  ", vm.Lines.TakeLast(30));
}
