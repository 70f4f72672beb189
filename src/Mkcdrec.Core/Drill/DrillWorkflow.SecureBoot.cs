using System.Diagnostics;
using Mkcdrec.Core.Media;
using Mkcdrec.Core.Platform;
using Mkcdrec.Formats.Pe;

namespace Mkcdrec.Core.Drill;

/// <summary>
/// drill --secure-boot: the rescue machine and the recovered one run OVMF's Secure Boot build with Microsoft's keys, so
/// every loader is checked as on a real server. The firmware would refuse QEMU's direct kernel boot (Debian's kernel is
/// signed for shim, not for the firmware's db), so the medium boots the way an admin boots it: firmware → shim → GRUB,
/// and the drill's kernel arguments are typed at GRUB's command line (c), as an admin would to add one.
/// </summary>
public sealed partial class DrillWorkflow
{
    private static readonly TimeSpan GrubPromptWait = TimeSpan.FromSeconds(4);


    /// <summary>The rescue machine, started and (Secure Boot) led through GRUB to the rescue kernel with the drill's arguments.</summary>
    private IVirtualMachine StartRescue(Context c, string log = "rescue-console.log")
    {
        var spec = RescueSpec(c, log);
        if (!c.Options.SecureBoot)
        {
            return _vms.Start(spec);
        }

        var append = spec.Append!;
        var vm = _vms.Start(spec with { Kernel = null, Initrd = null, Append = null, BootFromCdRom = true });
        try
        {
            BootThroughGrub(vm, append, c.Options.BootTimeout, c.Options.GrubKeyInterval);
            return vm;
        }
        catch
        {
            vm.Dispose();
            throw;
        }
    }

    /// <summary>The firmware files of a Secure Boot machine, and a medium whose UEFI loader carries a signature at all.</summary>
    private void CheckSecureBootMedium(Context c)
    {
        if (!File.Exists(QemuCommandLine.OvmfSecureBootCode) || !File.Exists(QemuCommandLine.OvmfSecureBootVarsTemplate))
        {
            throw new MkcdrecException(ExitCode.Environment, $"OVMF's Secure Boot build is not installed ({QemuCommandLine.OvmfSecureBootCode}, {QemuCommandLine.OvmfSecureBootVarsTemplate}).",
                "Install the ovmf package (Debian 12 or later), or drill without --secure-boot.");
        }

        var loader = Path.Combine(c.WorkDir, "medium-BOOTX64.EFI");
        var r = _run.Run(new ProcessRequest("xorriso", ["-osirrox", "on", "-indev", c.Medium!.Isos[0], "-extract", "/EFI/BOOT/" + MachineArchitecture.X86_64.RemovableLoader, loader]));
        var signed = r.ExitCode == 0 && File.Exists(loader) && PeSignature.Read(loader).Signed;
        File.Delete(loader);
        if (!signed)
        {
            throw new MkcdrecException(ExitCode.BadInput, $"The medium {c.Medium.Isos[0]} boots UEFI with mkcdrec's own unsigned GRUB, which Secure Boot refuses.",
                "Make it with the signed chain (apt-get install shim-signed grub-efi-amd64-signed; mkcdrec mkbackup --secure-boot on), or drill without --secure-boot.");
        }
    }

    /// <summary>At GRUB's menu: c, then linux with the drill's arguments, initrd, boot; a GRUB error (a refused kernel) fails the drill.</summary>
    private void BootThroughGrub(IVirtualMachine vm, string append, TimeSpan timeout, TimeSpan keys)
    {
        var sw = Stopwatch.StartNew();
        if (!WaitForConsole(vm, t => t.Contains("GNU GRUB", StringComparison.Ordinal), 0, timeout, out _))
        {
            throw new DrillFailure("With Secure Boot on, the medium's GRUB menu never came (the firmware or shim refused the loader?).\n" + Tail(vm));
        }

        var from = 0;
        var prompt = false;
        for (var tries = 0; tries < 8 && !prompt; tries++)
        {
            vm.Send("c");
            prompt = WaitForConsole(vm, t => t.Contains("grub>", StringComparison.Ordinal), from, GrubPromptWait, out from);
        }

        if (!prompt)
        {
            throw new DrillFailure("GRUB's command line did not open (c at its menu).\n" + Tail(vm));
        }

        foreach (var command in new[] { "linux /boot/vmlinuz " + BootMenu.GrubWords(append), "initrd /boot/initrd.img" })
        {
            var before = vm.Lines.Count;
            TypeAtGrub(vm, command + "\n", keys);
            if (!WaitForConsole(vm, t => t.Contains("grub>", StringComparison.Ordinal), before + 1, TimeSpan.FromMinutes(2), out _))
            {
                throw new DrillFailure($"GRUB did not come back after '{command.Split(' ')[0]}'.\n" + Tail(vm));
            }

            var said = vm.Lines.Skip(before).FirstOrDefault(l => l.Contains("error:", StringComparison.Ordinal));
            if (said is not null)
            {
                throw new DrillFailure($"GRUB refused '{command.Split(' ')[0]}' with Secure Boot on: {said.Trim()}\n" + Tail(vm));
            }
        }

        var booted = vm.Lines.Count;
        TypeAtGrub(vm, "boot\n", keys);
        CheckKernelCommandLine(vm, append, booted, timeout);
        _progress($"Secure Boot: GRUB's menu after {sw.Elapsed.TotalSeconds:0} s; the rescue kernel started from GRUB's command line with the drill's arguments");
    }

    private static void TypeAtGrub(IVirtualMachine vm, string text, TimeSpan interval)
    {
        foreach (var ch in text)
        {
            vm.Send(ch.ToString());
            Thread.Sleep(interval);
        }
    }

    /// <summary>A character lost on the way would change an argument silently: the kernel's own "Command line:" must be what was typed.</summary>
    private static void CheckKernelCommandLine(IVirtualMachine vm, string append, int from, TimeSpan timeout)
    {
        const string Marker = "Command line: ";
        var at = vm.WaitForLine(l => l.Contains(Marker, StringComparison.Ordinal) || DrillProtocol.Parse(l) is not null, from, timeout);
        if (at < 0 || !vm.Lines[at].Contains(Marker, StringComparison.Ordinal))
        {
            return; // a kernel that does not print it (quiet): the recovery's own checks remain
        }

        var line = vm.Lines[at];
        var got = line[(line.IndexOf(Marker, StringComparison.Ordinal) + Marker.Length)..].TrimEnd('\r').Trim();
        if (got != "BOOT_IMAGE=/boot/vmlinuz " + append)
        {
            throw new DrillFailure($"The kernel's command line is not what was typed at GRUB (a lost character?):\n  typed:  {append}\n  kernel: {got}");
        }
    }

    /// <summary>Polls the console lines from <paramref name="from"/> and the pending line for <paramref name="match"/>.</summary>
    private static bool WaitForConsole(IVirtualMachine vm, Func<string, bool> match, int from, TimeSpan timeout, out int next)
    {
        var sw = Stopwatch.StartNew();
        while (true)
        {
            var lines = vm.Lines;
            var at = lines.Skip(from).Select((l, i) => (l, i)).FirstOrDefault(x => match(x.l));
            if (at.l is not null)
            {
                next = from + at.i + 1;
                return true;
            }

            var (index, pending) = vm.PendingLine;
            if (index >= from && match(pending))
            {
                next = index + 1;
                return true;
            }

            if (sw.Elapsed > timeout || vm.HasExited)
            {
                next = Math.Max(from, lines.Count);
                return false;
            }

            Thread.Sleep(200);
        }
    }
}
