using System.Globalization;
using Mkcdrec.Core.Platform;

namespace Mkcdrec.Core.Drill;

/// <summary>
/// The one QEMU command line of the drill, from a <see cref="VmSpec"/> (pure; the platform runs it). The serial console
/// goes to standard output; the machine never reboots (-no-reboot: a reboot ends the process, which is how the drill
/// sees the rescue system finish), has no display and no network unless asked (user mode, loopback NAT only).
/// An aarch64 machine is QEMU's virt board with AAVMF (UEFI only; no IDE, so optical drives hang off virtio-scsi).
/// </summary>
public static class QemuCommandLine
{
    public const string OvmfCode = "/usr/share/OVMF/OVMF_CODE_4M.fd";
    public const string OvmfVarsTemplate = "/usr/share/OVMF/OVMF_VARS_4M.fd";

    /// <summary>EDK2 for QEMU's arm virt board as Debian ships it (qemu-efi-aarch64).</summary>
    public const string AavmfCode = "/usr/share/AAVMF/AAVMF_CODE.fd";

    public const string AavmfVarsTemplate = "/usr/share/AAVMF/AAVMF_VARS.fd";

    /// <summary>The emulator of a machine: qemu-system-x86_64, qemu-system-aarch64.</summary>
    public static string ProgramFor(MachineArchitecture architecture) => "qemu-system-" + architecture.Uname;

    /// <summary>The UEFI firmware and the variable store to copy for a machine of <paramref name="architecture"/>.</summary>
    public static (string Code, string VarsTemplate) UefiFirmware(MachineArchitecture architecture, bool secureBoot = false) =>
        architecture == MachineArchitecture.Aarch64 ? (AavmfCode, AavmfVarsTemplate)
        : secureBoot ? (OvmfSecureBootCode, OvmfSecureBootVarsTemplate) : (OvmfCode, OvmfVarsTemplate);

    /// <summary>The name of a machine's private copy of its UEFI variables in a work directory.</summary>
    public static string UefiVarsFileName(MachineArchitecture architecture) =>
        architecture == MachineArchitecture.Aarch64 ? "AAVMF_VARS.fd" : "OVMF_VARS.fd";

    /// <summary>Debian's packages of the emulator and of its UEFI firmware.</summary>
    public static string PackagesFor(MachineArchitecture architecture) =>
        architecture == MachineArchitecture.Aarch64 ? "qemu-system-arm and qemu-efi-aarch64" : "qemu-system-x86 (and ovmf for UEFI)";

    /// <summary>OVMF built with Secure Boot (needs SMM), and variables with Microsoft's keys enrolled: Secure Boot enforced.</summary>
    public const string OvmfSecureBootCode = "/usr/share/OVMF/OVMF_CODE_4M.secboot.fd";

    public const string OvmfSecureBootVarsTemplate = "/usr/share/OVMF/OVMF_VARS_4M.ms.fd";

    public static IReadOnlyList<string> Build(VmSpec spec, string? ovmfCode = null)
    {
        var arm = spec.Architecture == MachineArchitecture.Aarch64;
        var a = new List<string>
        {
            "-nodefaults", "-no-user-config", "-display", "none", "-monitor", "none", "-no-reboot",
            "-accel", spec.Accelerator,
            // TCG: "max" gives the x86-64-v2+ features the NativeAOT binary needs; KVM: the host's CPU. On aarch64 the
            // implementation-defined pointer authentication is emulated several times faster than the architected one.
            "-cpu", spec.Accelerator == "kvm" ? "host" : arm ? "max,pauth-impdef=on" : "max",
            "-smp", spec.Cpus.ToString(CultureInfo.InvariantCulture),
            "-m", spec.MemoryMiB.ToString(CultureInfo.InvariantCulture),
            "-serial", "stdio",
            "-device", "virtio-rng-pci",
        };

        a.AddRange(Firmware(spec, ovmfCode));

        if (spec.Kernel is not null)
        {
            a.AddRange(["-kernel", spec.Kernel]);
            if (spec.Initrd is not null)
            {
                a.AddRange(["-initrd", spec.Initrd]);
            }

            if (spec.Append is not null)
            {
                a.AddRange(["-append", spec.Append]);
            }
        }

        // Optical drives: AHCI on q35, IDE on pc, SCSI on virt; bootindex 0 when booting from the first one.
        if (arm && spec.CdRoms.Count > 0)
        {
            a.AddRange(["-device", "virtio-scsi-pci,id=scsi"]);
        }

        for (var i = 0; i < spec.CdRoms.Count; i++)
        {
            a.AddRange(["-drive", $"file={Escape(spec.CdRoms[i])},format=raw,if=none,id=cd{i},media=cdrom,readonly=on"]);
            var boot = spec.BootFromCdRom && i == 0 && spec.Kernel is null ? ",bootindex=0" : "";
            var drive = arm ? "scsi-cd,bus=scsi.0" : spec.Uefi ? "ide-cd,bus=ide." + i.ToString(CultureInfo.InvariantCulture) : "ide-cd";
            a.AddRange(["-device", drive + $",drive=cd{i}{boot}"]);
        }

        for (var i = 0; i < spec.Disks.Count; i++)
        {
            var d = spec.Disks[i];
            var snap = d.Snapshot ? ",snapshot=on" : "";
            a.AddRange(["-drive", $"file={Escape(d.Path)},format={d.Format},if=none,id=disk{i},cache=unsafe,discard=unmap{snap}"]);
            // An NVMe controller needs a serial; each disk gets a controller of its own, as on a server with several drives.
            var dev = d.Bus == VmDiskBus.Nvme ? $"nvme,drive=disk{i},serial={(d.Serial is { Length: > 0 } ns ? ns : "nvme" + i.ToString(CultureInfo.InvariantCulture))}"
                : $"virtio-blk-pci,drive=disk{i}" + (d.Serial is { Length: > 0 } s ? ",serial=" + s : "");

            if (d.Boot)
            {
                dev += ",bootindex=" + (spec.BootFromCdRom ? "1" : "0");
            }

            a.AddRange(["-device", dev]);
        }

        // restrict=on: the guest gets its DHCP lease from QEMU and nothing else. A drill boots a copy of a production server
        // (same hostname, same credentials, same cron jobs): it must not reach the network the host is on.
        a.AddRange(spec.UserNetwork ? ["-nic", "user,model=virtio-net-pci" + (spec.ReachesHost ? "" : ",restrict=on")] : ["-nic", "none"]);
        return a;
    }

    /// <summary>The machine and its firmware: SeaBIOS on pc; OVMF on q35 with a private variable store; the Secure Boot build
    /// with SMM; AAVMF on virt.</summary>
    private static List<string> Firmware(VmSpec spec, string? ovmfCode)
    {
        if (spec.Architecture == MachineArchitecture.Aarch64)
        {
            if (!spec.Uefi || spec.SecureBoot || spec.UefiVars is null)
            {
                throw new ArgumentException("An aarch64 machine boots by UEFI only, without Secure Boot so far, and needs a writable copy of the AAVMF variables.", nameof(spec));
            }

            return ["-machine", "virt", "-drive", $"if=pflash,format=raw,unit=0,readonly=on,file={Escape(ovmfCode ?? AavmfCode)}",
                "-drive", $"if=pflash,format=raw,unit=1,file={Escape(spec.UefiVars)}"];
        }

        if (spec.SecureBoot && !spec.Uefi)
        {
            throw new ArgumentException("Secure Boot is a UEFI feature: a BIOS machine cannot have it.", nameof(spec));
        }

        if (!spec.Uefi)
        {
            return ["-machine", "pc"];
        }

        if (spec.UefiVars is null)
        {
            throw new ArgumentException("A UEFI machine needs a writable copy of the OVMF variable store (UefiVars).", nameof(spec));
        }

        // Secure Boot: the variable store is writable only from SMM, so the OS cannot change the keys behind the firmware.
        List<string> a = spec.SecureBoot
            ? ["-machine", "q35,smm=on", "-global", "driver=cfi.pflash01,property=secure,value=on", "-global", "ICH9-LPC.disable_s3=1",
                "-drive", $"if=pflash,format=raw,unit=0,readonly=on,file={Escape(ovmfCode ?? OvmfSecureBootCode)}"]
            : ["-machine", "q35", "-drive", $"if=pflash,format=raw,unit=0,readonly=on,file={Escape(ovmfCode ?? OvmfCode)}"];
        a.AddRange(["-drive", $"if=pflash,format=raw,unit=1,file={Escape(spec.UefiVars)}"]);
        return a;
    }

    /// <summary>QEMU option values separate with commas; a comma in a file name is written twice.</summary>
    private static string Escape(string path) => path.Replace(",", ",,", StringComparison.Ordinal);
}
