using Mkcdrec.Core.Drill;
using Mkcdrec.Core.Platform;

namespace Mkcdrec.Core.Tests.Drill;

public class QemuCommandLineTests
{
    private static string Joined(VmSpec s) => string.Join(' ', QemuCommandLine.Build(s));

    [Fact]
    public void Bios_kernel_boot_with_cdrom_and_disks()
    {
        var a = Joined(new VmSpec
        {
            Kernel = "/w/vmlinuz", Initrd = "/w/initrd.img", Append = "console=ttyS0 mkcdrec.auto=recover",
            CdRoms = ["/w/a,b.iso"], Disks = [new VmDisk("/w/disk0.img") { Serial = "s0" }], UserNetwork = true,
        });
        Assert.Contains("-accel tcg -cpu max", a, StringComparison.Ordinal);
        Assert.Contains("-machine pc", a, StringComparison.Ordinal);
        Assert.Contains("-no-reboot", a, StringComparison.Ordinal);
        Assert.Contains("-serial stdio", a, StringComparison.Ordinal);
        Assert.Contains("-kernel /w/vmlinuz -initrd /w/initrd.img", a, StringComparison.Ordinal);
        Assert.Contains("file=/w/a,,b.iso,format=raw,if=none,id=cd0,media=cdrom", a, StringComparison.Ordinal);
        Assert.Contains("virtio-blk-pci,drive=disk0,serial=s0", a, StringComparison.Ordinal);
        Assert.Contains("-nic user,model=virtio-net-pci,restrict=on", a, StringComparison.Ordinal);
        Assert.DoesNotContain("pflash", a, StringComparison.Ordinal);
        Assert.DoesNotContain("bootindex", a, StringComparison.Ordinal);

        // -append is one argument, whatever it holds.
        var args = QemuCommandLine.Build(new VmSpec { Kernel = "k", Append = "a b c" });
        Assert.Equal("a b c", args[args.ToList().IndexOf("-append") + 1]);
    }

    [Fact]
    public void Only_a_rescue_system_whose_backup_is_on_a_server_reaches_beyond_qemu()
    {
        Assert.Contains("-nic user,model=virtio-net-pci ", Joined(new VmSpec { UserNetwork = true, ReachesHost = true }) + " ", StringComparison.Ordinal);
        Assert.DoesNotContain("restrict", Joined(new VmSpec { UserNetwork = true, ReachesHost = true }), StringComparison.Ordinal);
        Assert.Contains("-nic none", Joined(new VmSpec { ReachesHost = true }), StringComparison.Ordinal);

        Assert.Equal("s3://fleet/servers/web1/latest?endpoint=http%3A%2F%2F10.0.2.2%3A4568&style=path", DrillMedium.BackupOnServer(
            "mkcdrec.medium=MKCDREC_WEB1 \"mkcdrec.backup=s3://fleet/servers/web1/latest?endpoint=http%3A%2F%2F10.0.2.2%3A4568&style=path\" console=ttyS0"));
        Assert.Equal("sftp://vault/srv/b/web1/latest", DrillMedium.BackupOnServer("mkcdrec.backup=sftp://vault/srv/b/web1/latest mkcdrec.auto=recover"));
        Assert.Null(DrillMedium.BackupOnServer("mkcdrec.medium=X mkcdrec.backup=UUID=0b1c-22:/backups/web1 console=ttyS0"));
        Assert.Null(DrillMedium.BackupOnServer("mkcdrec.medium=X console=ttyS0"));
    }

    [Fact]
    public void Nvme_disks_get_a_controller_each_with_a_serial()
    {
        var a = Joined(new VmSpec
        {
            Disks = [new VmDisk("/w/d0.img") { Bus = VmDiskBus.Nvme, Serial = "src0", Boot = true }, new VmDisk("/w/d1.img") { Bus = VmDiskBus.Nvme }],
        });
        Assert.Contains("-device nvme,drive=disk0,serial=src0,bootindex=0", a, StringComparison.Ordinal);
        Assert.Contains("-device nvme,drive=disk1,serial=nvme1", a, StringComparison.Ordinal);
        Assert.DoesNotContain("virtio-blk", a, StringComparison.Ordinal);
    }

    [Fact]
    public void Uefi_disk_boot_uses_ovmf_with_private_variables()
    {
        var a = Joined(new VmSpec { Uefi = true, UefiVars = "/w/VARS.fd", Disks = [new VmDisk("/w/d0.img") { Boot = true }, new VmDisk("/w/d1.img")] });
        Assert.Contains("-machine q35", a, StringComparison.Ordinal);
        Assert.Contains($"if=pflash,format=raw,unit=0,readonly=on,file={QemuCommandLine.OvmfCode}", a, StringComparison.Ordinal);
        Assert.Contains("if=pflash,format=raw,unit=1,file=/w/VARS.fd", a, StringComparison.Ordinal);
        Assert.Contains("virtio-blk-pci,drive=disk0,bootindex=0", a, StringComparison.Ordinal);
        Assert.Contains("-nic none", a, StringComparison.Ordinal);
        Assert.DoesNotContain("-kernel", a, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => QemuCommandLine.Build(new VmSpec { Uefi = true }));
    }

    [Fact]
    public void Secure_boot_uses_the_secure_boot_ovmf_with_smm_and_a_secure_flash()
    {
        var a = Joined(new VmSpec { Uefi = true, SecureBoot = true, UefiVars = "/w/VARS.fd", CdRoms = ["/w/r.iso"], BootFromCdRom = true });
        Assert.Contains("-machine q35,smm=on", a, StringComparison.Ordinal);
        Assert.Contains("-global driver=cfi.pflash01,property=secure,value=on", a, StringComparison.Ordinal);
        Assert.Contains($"if=pflash,format=raw,unit=0,readonly=on,file={QemuCommandLine.OvmfSecureBootCode}", a, StringComparison.Ordinal);
        Assert.Contains("if=pflash,format=raw,unit=1,file=/w/VARS.fd", a, StringComparison.Ordinal);
        Assert.DoesNotContain("file=" + QemuCommandLine.OvmfCode + " ", a + " ", StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => QemuCommandLine.Build(new VmSpec { SecureBoot = true }));
    }

    [Fact]
    public void Cdrom_boot_comes_first()
    {
        var a = Joined(new VmSpec { CdRoms = ["/w/r.iso"], BootFromCdRom = true, Disks = [new VmDisk("/w/d0.img") { Boot = true, Snapshot = true }] });
        Assert.Contains("ide-cd,drive=cd0,bootindex=0", a, StringComparison.Ordinal);
        Assert.Contains("virtio-blk-pci,drive=disk0,bootindex=1", a, StringComparison.Ordinal);
        Assert.Contains("snapshot=on", a, StringComparison.Ordinal);
    }

    [Fact]
    public void An_aarch64_machine_is_the_virt_board_with_aavmf_and_its_cdroms_on_scsi()
    {
        var arm = new VmSpec
        {
            Architecture = MachineArchitecture.Aarch64, Uefi = true, UefiVars = "/w/AAVMF_VARS.fd", CdRoms = ["/w/r.iso"], BootFromCdRom = true,
            Disks = [new VmDisk("/w/d0.img")],
        };
        var a = Joined(arm);
        Assert.Equal("qemu-system-aarch64", QemuCommandLine.ProgramFor(arm.Architecture));
        Assert.Contains("-machine virt", a, StringComparison.Ordinal);
        Assert.Contains("-cpu max,pauth-impdef=on", a, StringComparison.Ordinal);
        Assert.Contains($"if=pflash,format=raw,unit=0,readonly=on,file={QemuCommandLine.AavmfCode}", a, StringComparison.Ordinal);
        Assert.Contains("if=pflash,format=raw,unit=1,file=/w/AAVMF_VARS.fd", a, StringComparison.Ordinal);
        Assert.Contains("-device virtio-scsi-pci,id=scsi -drive file=/w/r.iso", a, StringComparison.Ordinal);
        Assert.Contains("-device scsi-cd,bus=scsi.0,drive=cd0,bootindex=0", a, StringComparison.Ordinal);
        Assert.Contains("virtio-blk-pci,drive=disk0", a, StringComparison.Ordinal);
        Assert.DoesNotContain("q35", a, StringComparison.Ordinal);
        Assert.DoesNotContain("ide-cd", a, StringComparison.Ordinal);
        Assert.Contains("-cpu host", Joined(arm with { Accelerator = "kvm" }), StringComparison.Ordinal);

        // No BIOS, no Secure Boot media yet, and the variables must be a private copy.
        Assert.Throws<ArgumentException>(() => QemuCommandLine.Build(arm with { Uefi = false }));
        Assert.Throws<ArgumentException>(() => QemuCommandLine.Build(arm with { SecureBoot = true }));
        Assert.Throws<ArgumentException>(() => QemuCommandLine.Build(arm with { UefiVars = null }));
        Assert.Equal((QemuCommandLine.AavmfCode, QemuCommandLine.AavmfVarsTemplate), QemuCommandLine.UefiFirmware(MachineArchitecture.Aarch64));
        Assert.Equal((QemuCommandLine.OvmfSecureBootCode, QemuCommandLine.OvmfSecureBootVarsTemplate), QemuCommandLine.UefiFirmware(MachineArchitecture.X86_64, secureBoot: true));
    }
}
