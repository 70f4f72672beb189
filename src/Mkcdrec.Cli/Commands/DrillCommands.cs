using System.CommandLine;
using Mkcdrec.Core;
using Mkcdrec.Core.Archive;
using Mkcdrec.Core.Boot.Efi;
using Mkcdrec.Core.Drill;
using Mkcdrec.Core.Platform;
using Mkcdrec.Core.Recovery;
using Mkcdrec.Core.Secrets;
using Mkcdrec.Platform.Linux;

namespace Mkcdrec.Cli.Commands;

/// <summary>`mkcdrec drill` (prove a rescue medium in a VM) and `mkcdrec drill check` (its comparison inside the VMs).</summary>
internal static class DrillCommands
{
    public static Command Build()
    {
        var uefi = new Option<bool>("--uefi") { Description = "Boot with UEFI firmware (OVMF; AAVMF for an aarch64 system, which boots only so); default: what the captured system used." };
        var bios = new Option<bool>("--bios") { Description = "Boot with BIOS firmware (SeaBIOS; x86_64 systems only)." };
        var secureBoot = SecureBootOption();
        var sizes = new Option<string[]>("--disk-size") { Description = "Size of a blank scratch disk (repeatable; bytes or K/M/G/T suffix); default: the captured disks' sizes.", HelpName = "SIZE" };
        var bus = new Option<string>("--disk-bus") { Description = "How the scratch disks are attached: virtio (default) or nvme (new hardware: other device names than the captured ones).", HelpName = "BUS", DefaultValueFactory = _ => "virtio", CompletionSources = { "virtio", "nvme" } };
        var medium = new Option<string?>("--medium") { Description = $"The ISO, or the directory holding the media (default {DrillOptions.DefaultOutput}).", HelpName = "DIR|ISO" };
        var work = new Option<string?>("--work-dir") { Description = "Where the scratch disk images and console logs go (default: a new directory under /tmp).", HelpName = "DIR" };
        var keep = new Option<bool>("--keep") { Description = "Keep the scratch disks and logs after a pass (they are always kept after a failure)." };
        var accel = new Option<string>("--accel") { Description = "tcg (software emulation, default: works everywhere) or kvm.", HelpName = "ACCEL", DefaultValueFactory = _ => "tcg", CompletionSources = { "tcg", "kvm" } };
        var memory = new Option<int>("--memory") { Description = "Memory of the virtual machine in MiB (default 2048).", HelpName = "MIB", DefaultValueFactory = _ => 2048 };
        var keys = new Option<string?>("--keys")
        {
            Description = "The drilled system's secrets, laid out like the keys medium (backup.passphrase, luks/UUID.passphrase…, docs/secrets.md): a keys ISO for the rescue machine only (deleted afterwards), and the LUKS passphrase typed at the recovered system's boot prompt.",
            HelpName = "DIR",
        };
        var timeout = new Option<int>("--timeout") { Description = "Minutes allowed for the recovery (default 40).", HelpName = "MIN", DefaultValueFactory = _ => 40 };
        var attach = new Option<string[]>("--attach")
        {
            Description = "Also attach this disk image to the rescue machine, before the blank disks (repeatable): the USB disk that holds a backup kept apart (mkbackup --backup-dir). The drill fails if the recovery writes to it.",
            HelpName = "IMG",
        };
        var keepDegraded = new Option<bool>("--keep-degraded")
        {
            Description = "Recover a RAID array that was degraded at backup degraded again, as `recover --keep-degraded` does (default: a copy of a member's disk on a spare blank disk completes it).",
        };
        var powerCuts = new Option<string[]>("--power-cut")
        {
            Description = "Kill the rescue machine SECONDS after the recovery enters PHASE (verify, layout, restore, finalize), boot the medium again and let the recovery start over (repeatable, in order): proves a power cut loses nothing.",
            HelpName = "PHASE[+SECONDS]",
        };
        var reportFile = new Option<string>("--report-file")
        {
            Description = $"Where to keep this drill's report for mkcdrec report (default {LastDrill.DefaultPath}).",
            HelpName = "FILE", DefaultValueFactory = _ => LastDrill.DefaultPath,
        };
        var cmd = new Command("drill", "Prove the rescue medium: boot it in QEMU against blank scratch disk images, recover unattended, boot the result, compare every file. Never touches a real disk.")
        {
            uefi, bios, secureBoot, sizes, bus, medium, work, keep, accel, memory, timeout, keys, attach, keepDegraded, powerCuts, reportFile,
        };
        cmd.Add(Check());
        cmd.SetAction(int (ParseResult p) =>
        {
            RefuseBadOptions(p.GetValue(uefi), p.GetValue(bios), p.GetValue(accel)!, p.GetValue(bus)!, p.GetValue(keys), p.GetValue(secureBoot));

            using var ctx = CliContext.Create(p, "drill");
            var options = new DrillOptions
            {
                Medium = p.GetValue(medium),
                Uefi = p.GetValue(uefi) ? true : p.GetValue(bios) ? false : null,
                SecureBoot = p.GetValue(secureBoot),
                DiskSizes = (p.GetValue(sizes) ?? []).Select(VolumeSizes.Parse).ToList(),
                DiskBus = p.GetValue(bus) == "nvme" ? VmDiskBus.Nvme : VmDiskBus.Virtio,
                WorkDirectory = p.GetValue(work),
                Keep = p.GetValue(keep),
                Accelerator = p.GetValue(accel)!,
                MemoryMiB = p.GetValue(memory),
                RecoveryTimeout = TimeSpan.FromMinutes(Math.Max(1, p.GetValue(timeout))),
                KeysDirectory = p.GetValue(keys),
                AttachDisks = p.GetValue(attach) ?? [],
                KeepDegraded = p.GetValue(keepDegraded),
                PowerCuts = [.. (p.GetValue(powerCuts) ?? []).Select(PowerCut.Parse)],
            };
            var report = new DrillWorkflow(ctx.Runner, new QemuHost(ctx.Log), ctx.Log, ctx.Json ? null : m => Console.Error.WriteLine("drill: " + m)).Run(options);
            SaveForReport(report, p.GetValue(reportFile)!, ctx);
            if (ctx.Json)
            {
                Console.WriteLine(report.ToJson());
            }
            else
            {
                Print(report);
            }

            return report.Passed ? 0 : (int)ExitCode.Changed;
        });
        return cmd;
    }

    /// <summary>Refuses contradicting or unknown options, and a keys directory that is not laid out right, before anything starts.</summary>
    private static Option<bool> SecureBootOption() => new("--secure-boot")
    {
        Description = "UEFI with Secure Boot enforced (OVMF's Secure Boot build with Microsoft's keys) for the medium and the recovered system; "
                      + "the medium must carry the signed chain (mkbackup --secure-boot on).",
    };

    private static void RefuseBadOptions(bool uefi, bool bios, string accel, string bus, string? keys, bool secureBoot)
    {
        if (secureBoot && bios)
        {
            throw new MkcdrecException(ExitCode.Usage, "--secure-boot is UEFI's; --bios boots SeaBIOS.", "Drop --bios (--secure-boot implies UEFI).");
        }

        if (uefi && bios)
        {
            throw new MkcdrecException(ExitCode.Usage, "--uefi and --bios exclude each other.", "Give one of them, or neither to use the captured firmware.");
        }

        if (accel is not ("tcg" or "kvm"))
        {
            throw new MkcdrecException(ExitCode.Usage, $"--accel {accel} is not known.", "Use tcg or kvm.");
        }

        if (bus is not ("virtio" or "nvme"))
        {
            throw new MkcdrecException(ExitCode.Usage, $"--disk-bus {bus} is not known.", "Use virtio or nvme.");
        }

        if (keys is not null)
        {
            _ = new SecretsDirectory(keys);
        }
    }

    /// <summary>Keeps the report for `mkcdrec report` (<see cref="LastDrill.DefaultPath"/> unless --report-file); a drill
    /// run where that cannot be written (not root) still gives its result, with a warning.</summary>
    private static void SaveForReport(DrillReport report, string path, CliContext ctx)
    {
        try
        {
            LastDrill.Save(report, path);
            ctx.Log.Info($"drill report saved to {path}");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            ctx.Log.Warn($"could not save the drill report to {path} (mkcdrec report shows the last drill from there): {e.Message}");
        }
    }

    private static void Print(DrillReport r)
    {
        Console.WriteLine($"drill: {(r.Passed ? "PASS" : "FAIL")}  medium {r.Medium}  firmware {r.Firmware}  disks {string.Join(", ", r.DiskSizes.Select(s => $"{s / (1024.0 * 1024 * 1024):0.##} GiB"))}");
        Console.WriteLine($"  medium {r.MediumBytes / 1048576.0:0.0} MiB; rescue kernel {r.KernelBytes / 1048576.0:0.0} MiB, initramfs {r.InitramfsBytes / 1048576.0:0.0} MiB");
        foreach (var cut in r.PowerCuts)
        {
            Console.WriteLine("  power cut " + cut);
        }

        foreach (var ph in r.Phases)
        {
            Console.WriteLine($"  {ph.Name,-32} {ph.Seconds,8:0.0} s");
        }

        if (r.RecoveryPhases.Count > 0)
        {
            Console.WriteLine("  recovery: " + string.Join(", ", r.RecoveryPhases.Select(p => $"{p.Name} {p.Seconds:0.0} s")));
        }

        if (r.RecoveredUpSeconds > 0)
        {
            Console.WriteLine($"  QEMU start to recovered system up: {r.RecoveredUpSeconds:0.0} s (without the drill's comparisons)");
        }

        if (r.EfiBootEntry.Length > 0)
        {
            Console.WriteLine($"  the firmware booted the recovered system from {r.EfiBootEntry}");
        }

        foreach (var s in r.RestoreCompare)
        {
            Console.WriteLine($"  restored {s.Root}: {s.Files} entries, {s.Changed.Count} changed, {s.Missing.Count} missing, {s.New.Count} new");
        }

        foreach (var s in r.BootCompare)
        {
            Console.WriteLine($"  booted   {s.Root}: {s.Files} entries, {s.Changed.Count} changed, {s.Missing.Count} missing, {s.New.Count} new (beyond what a boot writes)");
            foreach (var e in s.Changed.Concat(s.Missing).Concat(s.New).Take(50))
            {
                Console.WriteLine("    " + e);
            }
        }

        if (r.ChangedByRecovery.Count > 0)
        {
            Console.WriteLine($"  written by the recovery (not a failure): {r.ChangedByRecovery.Count} entries, e.g. {string.Join("; ", r.ChangedByRecovery.Take(5))}");
        }

        if (r.ChangedByBoot.Count > 0)
        {
            Console.WriteLine($"  written by the first boot (not a failure): {r.ChangedByBoot.Count} entries, e.g. {string.Join("; ", r.ChangedByBoot.Take(5))}");
        }

        foreach (var f in r.Failures)
        {
            Console.WriteLine("  FAILURE: " + f);
        }

        if (r.WorkDirectory.Length > 0)
        {
            Console.WriteLine($"  scratch disks and console logs: {r.WorkDirectory}");
        }
    }

    /// <summary>Inside the drill's machines: compares every archive of the backup with a system root and prints one
    /// <c>MKCDREC-DRILL &lt;event&gt; {json}</c> line per filesystem.</summary>
    private static Command Check()
    {
        var backup = new Option<string>("--backup") { Description = "Directory holding manifest.json.", HelpName = "DIR", Required = true };
        var root = new Option<string>("--root") { Description = "The restored system's root (/ when booted, /mnt/local in the rescue system).", HelpName = "DIR", DefaultValueFactory = _ => "/" };
        var evt = new Option<string>("--event") { Description = "restore-compare or boot-compare.", HelpName = "EVENT", DefaultValueFactory = _ => DrillProtocol.BootCompare };
        // Hidden: the drill runs it inside the machines it boots; it is no command for an admin (nor for the man page).
        var cmd = new Command("check", "Used by the drill inside the machines it boots: compare every file with the manifest and report on the console.")
        {
            backup, root, evt,
        };
        cmd.Hidden = true;
        cmd.SetAction(int (ParseResult p) =>
        {
            using var ctx = CliContext.Create(p, "drill-check");
            if (p.GetValue(evt) == DrillProtocol.BootCompare && EfiBootVariables.Current(ctx.Files) is { } entry)
            {
                Console.WriteLine(DrillProtocol.Line(DrillProtocol.EfiBoot, entry));
                if (EfiBootVariables.SecureBoot(ctx.Files) is { } secureBoot)
                {
                    Console.WriteLine(DrillProtocol.Line(DrillProtocol.SecureBoot, secureBoot ? "on" : "off"));
                }
            }

            var results = new DrillCheck(ctx.FileSystem, ctx.Runner).Compare(p.GetValue(backup)!, p.GetValue(root)!);
            foreach (var s in results)
            {
                Console.WriteLine(DrillProtocol.Line(p.GetValue(evt)!, s.ToJson()));
            }

            return results.Any(s => s.Differences > 0) ? (int)ExitCode.Changed : 0;
        });
        return cmd;
    }
}
