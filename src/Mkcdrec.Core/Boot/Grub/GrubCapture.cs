using Mkcdrec.Core.Storage;

namespace Mkcdrec.Core.Boot.Grub;

/// <summary>Capture: the kernel command line, GRUB's configuration and the disks whose boot code is GRUB's (BIOS).</summary>
public sealed partial class GrubTechnology
{
    public void Capture(CaptureContext context)
    {
        var boot = context.Document.Boot;
        boot.KernelCommandLine = context.ReadTrim("/proc/cmdline");
        foreach (var cfg in new[] { "/boot/grub/grub.cfg", "/boot/grub2/grub.cfg" })
        {
            if (context.Files.FileExists(cfg))
            {
                boot.Bootloader = "grub2";
                boot.GrubConfigPath = cfg;
                break;
            }
        }

        foreach (var d in context.Document.Disks.Where(d => d.PartitionTable.BootCode == "grub2"))
        {
            boot.BiosBootDiskIds.Add(d.Id);
        }

        // GRUB boot code alone (no grub.cfg found) names the bootloader only if nothing else does: EFI may still find systemd-boot.
        if (boot.Bootloader is null && boot.BiosBootDiskIds.Count > 0)
        {
            boot.Bootloader = "grub2";
        }
    }
}
