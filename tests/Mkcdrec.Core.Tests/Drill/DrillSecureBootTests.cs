using Mkcdrec.Core.Boot.SecureBoot;
using Mkcdrec.Core.Drill;
using Mkcdrec.Core.Platform;

namespace Mkcdrec.Core.Tests.Drill;

/// <summary>
/// drill --secure-boot: the Secure Boot firmware for both machines, the medium booted from its CD through GRUB with the
/// drill's arguments typed at GRUB's command line, a refused kernel or a recovered system without Secure Boot failing
/// the drill, and a medium without the signed chain refused before anything starts.
/// </summary>
public sealed partial class DrillWorkflowTests
{
    /// <summary>A rescue machine at GRUB: its menu, c → "grub> ", each typed line echoed then a new prompt; boot → the rescue console.</summary>
    private sealed class GrubVm(string[] rescue, string? linuxError = null) : IVirtualMachine
    {
        private readonly List<string> _lines = ["BdsDxe: starting Boot0001 \"UEFI QEMU DVD-ROM QM00001 \"", "Welcome to GRUB!"];
        private string _pending = "\u001b[2J GNU GRUB  version 2.06-13+deb12u2   *mkcdrec rescue";

        private string _typing = "";

        /// <summary>What was typed: "c", then each line with its newline.</summary>
        public List<string> Typed { get; } = [];

        public IReadOnlyList<string> Lines => _lines;

        public (int Index, string Text) PendingLine => (_lines.Count, _pending);

        public bool HasExited => false;

        public int WaitForLine(Func<string, bool> match, int from, TimeSpan timeout)
        {
            for (var i = Math.Max(0, from); i < _lines.Count; i++)
            {
                if (match(_lines[i]))
                {
                    return i;
                }
            }

            return -1;
        }

        public bool WaitForExit(TimeSpan timeout) => true;

        public void Send(string key)
        {
            if (_pending != "grub> ")
            {
                Type(key);
                return;
            }

            _typing += key;
            if (key == "\n")
            {
                Type(_typing);
                _typing = "";
            }
        }

        private void Type(string text)
        {
            Typed.Add(text);
            if (text == "c")
            {
                _lines.Add(_pending);
                _pending = "grub> ";
                return;
            }

            _lines.Add(_pending + text.TrimEnd('\n'));
            if (text.StartsWith("linux", StringComparison.Ordinal) && linuxError is not null)
            {
                _lines.Add(linuxError);
            }

            if (text == "boot\n")
            {
                _lines.AddRange(rescue.Select(l => l.Replace("{TYPED}", Typed[1][("linux /boot/vmlinuz ".Length)..].TrimEnd('\n'), StringComparison.Ordinal)));
                _pending = "";
                return;
            }

            _pending = "grub> ";
        }

        public void Kill()
        {
        }

        public void Dispose()
        {
        }
    }

    private sealed class FirstMachine(IVirtualMachine first, params string[] next) : IVirtualMachineHost
    {
        public List<VmSpec> Specs { get; } = [];

        public bool IsAvailable(MachineArchitecture architecture, out string? problem)
        {
            problem = null;
            return true;
        }

        public IVirtualMachine Start(VmSpec spec)
        {
            Specs.Add(spec);
            return Specs.Count == 1 ? first : new ScriptedVms(next).Start(spec);
        }
    }

    private static void RequireSecureBootPieces() =>
        Assert.SkipUnless(File.Exists(QemuCommandLine.OvmfSecureBootCode) && File.Exists(QemuCommandLine.OvmfSecureBootVarsTemplate) && File.Exists(SignedBootChain.ShimPath),
            "OVMF's Secure Boot build or shim-signed is missing (CI installs ovmf and shim-signed)");

    private string[] SecureBootFirstBoot(string state) =>
    [
        .. Boot(Summary("/", 4000), Summary("/home", 2000)).Take(2),
        DrillProtocol.Line(DrillProtocol.EfiBoot, "Boot0004 debian"),
        DrillProtocol.Line(DrillProtocol.SecureBoot, state),
        .. Boot(Summary("/", 4000), Summary("/home", 2000)).Skip(2),
    ];

    [Fact]
    public void With_secure_boot_the_medium_boots_from_its_cd_through_grub_with_the_drills_arguments_typed()
    {
        RequireSecureBootPieces();
        var (iso, run) = Medium(LayoutJson("uefi"), efiLoader: CopyOf + SignedBootChain.ShimPath);
        var rescue = new GrubVm(["[    0.000000] Command line: BOOT_IMAGE=/boot/vmlinuz {TYPED}", .. GoodRescue]);
        var vms = new FirstMachine(rescue, SecureBootFirstBoot("on"));
        var report = new DrillWorkflow(run, vms, NullLog.Instance).Run(Options(iso) with { SecureBoot = true, Keep = true, GrubKeyInterval = TimeSpan.Zero });

        Assert.True(report.Passed, string.Join("\n", report.Failures));
        Assert.Equal("uefi, Secure Boot on", report.Firmware);
        Assert.Equal("on", report.SecureBoot);
        Assert.All(vms.Specs, s => Assert.True(s.Uefi && s.SecureBoot));
        Assert.Equal(File.ReadAllBytes(QemuCommandLine.OvmfSecureBootVarsTemplate), File.ReadAllBytes(vms.Specs[0].UefiVars!)); // Microsoft's keys enrolled

        // No direct kernel boot (the firmware would refuse it): the CD, and the drill's line typed at GRUB.
        Assert.Null(vms.Specs[0].Kernel);
        Assert.True(vms.Specs[0].BootFromCdRom);
        Assert.Equal(["c", "linux /boot/vmlinuz console=tty0 console=ttyS0,115200 mkcdrec.medium=MKCDREC_HOST_20261126 quiet mkcdrec.auto=recover mkcdrec.drill=1\n",
            "initrd /boot/initrd.img\n", "boot\n"], rescue.Typed);
    }

    [Fact]
    public void With_secure_boot_a_kernel_grub_refuses_or_a_recovered_system_without_it_fails_the_drill()
    {
        RequireSecureBootPieces();
        var (iso, run) = Medium(LayoutJson("uefi"), efiLoader: CopyOf + SignedBootChain.ShimPath);
        var refused = new DrillWorkflow(run, new FirstMachine(new GrubVm(GoodRescue, "error: bad shim signature."), SecureBootFirstBoot("on")), NullLog.Instance)
            .Run(Options(iso) with { SecureBoot = true, GrubKeyInterval = TimeSpan.Zero });
        Assert.False(refused.Passed);
        Assert.Contains("GRUB refused 'linux' with Secure Boot on: error: bad shim signature.", refused.Failures[0], StringComparison.Ordinal);

        var off = new DrillWorkflow(run, new FirstMachine(new GrubVm(GoodRescue), SecureBootFirstBoot("off")), NullLog.Instance)
            .Run(Options(iso) with { SecureBoot = true, WorkDirectory = Path.Combine(_dir, "work2"), GrubKeyInterval = TimeSpan.Zero });
        Assert.False(off.Passed);
        Assert.Contains("says Secure Boot was 'off'", off.Failures[0], StringComparison.Ordinal);

        // A key lost on the way: the kernel's command line is not what was typed.
        var garbled = new DrillWorkflow(run, new FirstMachine(new GrubVm(["[    0.000000] Command line: BOOT_IMAGE=/boot/vmlinuz console=tty0 mkcdrec.drll=1", .. GoodRescue]),
                SecureBootFirstBoot("on")), NullLog.Instance)
            .Run(Options(iso) with { SecureBoot = true, WorkDirectory = Path.Combine(_dir, "work3"), GrubKeyInterval = TimeSpan.Zero });
        Assert.False(garbled.Passed);
        Assert.Contains("not what was typed at GRUB", garbled.Failures[0], StringComparison.Ordinal);
    }

    [Fact]
    public void With_secure_boot_a_medium_with_mkcdrecs_own_unsigned_grub_is_refused_before_any_machine_starts()
    {
        RequireSecureBootPieces();
        var (iso, run) = Medium(LayoutJson("uefi"), efiLoader: "an unsigned GRUB image");
        var vms = new FirstMachine(new GrubVm(GoodRescue));
        var e = Assert.Throws<MkcdrecException>(() => new DrillWorkflow(run, vms, NullLog.Instance).Run(Options(iso) with { SecureBoot = true }));
        Assert.Contains("unsigned GRUB, which Secure Boot refuses", e.Message, StringComparison.Ordinal);
        Assert.Contains("--secure-boot on", e.Hint, StringComparison.Ordinal);
        Assert.Empty(vms.Specs);
    }
}
