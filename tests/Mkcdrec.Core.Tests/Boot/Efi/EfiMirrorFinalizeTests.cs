using Mkcdrec.Core.Boot.Efi;
using Mkcdrec.Core.Platform;
using Mkcdrec.Core.Storage;
using Mkcdrec.Core.Tests.Rescue;
using Mkcdrec.Model.Layout;
using Mkcdrec.Model.Plan;

namespace Mkcdrec.Core.Tests.Boot.Efi;

/// <summary>
/// GRUB for UEFI on an ESP that is an md mirror (metadata 1.0; ReaR #3459 installs no loader there): grub-install goes
/// into the mirror without touching NVRAM, then each half gets its own firmware entry, so either disk boots alone.
/// </summary>
public sealed class EfiMirrorFinalizeTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("mkcdrec-efi-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private (FinalizeContext Context, Recording Run) Context(bool mirror, string architecture = "x86_64", string loader = "grubx64.efi", Action<string>? say = null)
    {
        Directory.CreateDirectory(_root + "/sys/firmware/efi/efivars");
        File.WriteAllText(_root + "/sys/firmware/efi/efivars/BootOrder-8be4df61-93ca-11d2-aa0d-00e098032b8c", "");
        Directory.CreateDirectory(_root + "/boot/efi/EFI/debian");
        File.WriteAllText(_root + "/boot/efi/EFI/debian/" + loader, "loader");
        var files = new FakeFiles().Text("/proc/self/mounts", $"/dev/{(mirror ? "md126" : "vda1")} {_root}/boot/efi vfat rw 0 0\n");
        foreach (var disk in new[] { "vda", "vdb" })
        {
            var dev = $"/sys/devices/pci0000:00/0000:00:0{(disk == "vda" ? 2 : 3)}.0/virtio/block/{disk}/{disk}1";
            files.Link($"/sys/class/block/{disk}1", "../.." + dev[4..]).Text(dev + "/partition", "1\n");
            if (mirror)
            {
                files.Link($"/sys/class/block/md126/slaves/{disk}1", "../../" + disk + "1");
            }
        }

        var run = new Recording();
        var layout = new LayoutDocument { Host = new HostInfo { Architecture = architecture }, Boot = new BootInfo { Firmware = FirmwareKinds.Uefi, EspMountPoint = "/boot/efi", Bootloader = "grub2", EfiBootEntries = [new EfiBootEntry { Number = "0003", Label = "debian", Loader = @"\EFI\debian\shimx64.efi" }] } };
        return (new FinalizeContext
        {
            Layout = layout, Plan = new RecoveryPlan(), Root = _root, Run = run, Files = files, FileSystem = new Mkcdrec.Platform.Linux.FileSystemAccess(),
            Log = NullLog.Instance, Say = say ?? (_ => { }), GrubInstallProgram = "grub-install",
        }, run);
    }

    [Fact]
    public void Each_half_of_a_mirrored_esp_gets_its_own_boot_entry_and_grub_install_leaves_nvram_alone()
    {
        var (context, run) = Context(mirror: true);
        new EfiTechnology().InstallBootloader(context);

        var install = run.Commands.Where(c => c.StartsWith("chroot ", StringComparison.Ordinal)).ToList();
        Assert.Equal($"chroot {_root} grub-install --target=x86_64-efi --efi-directory=/boot/efi --bootloader-id=debian --no-nvram", install[0]);
        var entries = run.Commands.Where(c => c.StartsWith("efibootmgr", StringComparison.Ordinal)).ToList();
        Assert.Equal(
        [
            @"efibootmgr --create --disk /dev/vdb --part 1 --label debian (vdb) --loader \EFI\debian\grubx64.efi",
            @"efibootmgr --create --disk /dev/vda --part 1 --label debian --loader \EFI\debian\grubx64.efi",
        ], entries);
        Assert.Contains(context.Changes, c => c.Contains("'debian (vdb)' (/dev/vdb partition 1)", StringComparison.Ordinal));
    }

    [Fact]
    public void A_plain_esp_lets_grub_install_register_its_entry()
    {
        var (context, run) = Context(mirror: false);
        new EfiTechnology().InstallBootloader(context);
        Assert.Equal($"chroot {_root} grub-install --target=x86_64-efi --efi-directory=/boot/efi --bootloader-id=debian", run.Commands[0]);

        // grub-install registered nothing (no Boot#### here): efibootmgr makes the one entry, for the ESP's partition.
        Assert.Equal([@"efibootmgr --create --disk /dev/vda --part 1 --label debian --loader \EFI\debian\grubx64.efi"],
            run.Commands.Where(c => c.StartsWith("efibootmgr", StringComparison.Ordinal)));
    }

    [Fact]
    public void An_aarch64_layout_gets_grub_for_arm64_efi_and_its_entry_points_at_grubaa64()
    {
        var (context, run) = Context(mirror: false, "aarch64", "grubaa64.efi");
        new EfiTechnology().InstallBootloader(context);
        Assert.Equal($"chroot {_root} grub-install --target=arm64-efi --efi-directory=/boot/efi --bootloader-id=debian", run.Commands[0]);
        Assert.Equal($"chroot {_root} grub-install --target=arm64-efi --efi-directory=/boot/efi --removable --no-nvram", run.Commands[1]);
        Assert.Equal([@"efibootmgr --create --disk /dev/vda --part 1 --label debian --loader \EFI\debian\grubaa64.efi"],
            run.Commands.Where(c => c.StartsWith("efibootmgr", StringComparison.Ordinal)));
        Assert.Contains(@"grub-install --target=arm64-efi --bootloader-id=debian (+ removable path \EFI\BOOT\BOOTAA64.EFI)", context.Changes);
    }

    [Fact]
    public void A_layout_of_a_machine_mkcdrec_makes_no_boot_loader_for_is_said_and_left_alone()
    {
        var said = new List<string>();
        var (context, run) = Context(mirror: false, "ppc64le", say: said.Add);
        new EfiTechnology().InstallBootloader(context);
        Assert.Empty(run.Commands);
        Assert.Contains(said, s => s.Contains("installed only on x86_64 and aarch64; this layout's machine is ppc64le", StringComparison.Ordinal));
    }

    private sealed class Recording : IProcessRunner
    {
        public List<string> Commands { get; } = [];

        public ProcessResult Run(ProcessRequest request)
        {
            Commands.Add(string.Join(' ', [request.FileName, .. request.Arguments]));
            return new ProcessResult(0, "", "", TimeSpan.Zero);
        }

        public bool CanRun(string program) => true;
    }
}
