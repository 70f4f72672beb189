using Mkcdrec.Core.Platform;
using Mkcdrec.Core.Storage;
using Mkcdrec.Formats.Partitioning;
using Mkcdrec.Model.Layout;

namespace Mkcdrec.Core.Boot.Efi;

/// <summary>Capture: the firmware kind, the EFI system partition, systemd-boot and the firmware's boot entries.</summary>
public sealed partial class EfiTechnology
{
    public void Capture(CaptureContext context)
    {
        var boot = context.Document.Boot;
        boot.Firmware = context.Files.DirectoryExists("/sys/firmware/efi") ? FirmwareKinds.Uefi : FirmwareKinds.Bios;
        CaptureEsp(context, boot);
        boot.SecureBoot = boot.Firmware == FirmwareKinds.Uefi ? EfiBootVariables.SecureBoot(context.Files) : null;
        boot.MokKeys = boot.Firmware == FirmwareKinds.Uefi ? MokKeys.Capture(context.Files, m => context.Note("mok", m)) : [];
        if (boot.Firmware == FirmwareKinds.Uefi && context.Run.CanRun("efibootmgr"))
        {
            var r = context.Run.Run(new ProcessRequest("efibootmgr", ["-v"]));
            if (r.ExitCode == 0)
            {
                (boot.EfiBootEntries, boot.EfiBootOrder) = EfiBootMgrParser.Parse(r.StandardOutput);
            }
            else
            {
                context.Note("efibootmgr", $"could not read the EFI boot entries: {r.StandardError.Trim()}");
            }
        }

        // Runs after GRUB's capture, the last that recognises a bootloader.
        if (boot.Bootloader is null && context.Document.Disks.Count > 0 && !context.ExplicitDisks)
        {
            context.Note("boot", "no bootloader recognised (looked for GRUB config, GRUB boot code, systemd-boot); the recovered system may need one installed by hand.");
        }
    }

    private static void CaptureEsp(CaptureContext context, BootInfo boot)
    {
        var esp = context.Document.Filesystems.FirstOrDefault(f => f.Type == FilesystemTypes.Vfat && f.DeviceIds.Any(id => IsEspPartition(context, id)));
        if (esp is null)
        {
            return;
        }

        boot.EspFilesystemId = esp.Id;
        boot.EspMountPoint = context.Document.Mounts.FirstOrDefault(m => m.FilesystemId == esp.Id)?.Target;
        var loaderConf = boot.EspMountPoint is null ? null : boot.EspMountPoint + "/loader/loader.conf";
        // A grub.cfg wins over systemd-boot's loader.conf; GRUB boot code in the MBR alone does not.
        if (boot.GrubConfigPath is null && loaderConf is not null && context.Files.FileExists(loaderConf))
        {
            boot.Bootloader = "systemd-boot";
        }
    }

    private static bool IsEspPartition(CaptureContext context, string deviceId, int depth = 0)
    {
        if (context.Document.Disks.SelectMany(d => d.Partitions).FirstOrDefault(p => p.Id == deviceId) is { } partition)
        {
            return partition.TypeGuid == GptPartitionTypes.EfiSystem || partition.MbrType == "ef";
        }

        // A mirror of ESP partitions (md RAID1 with its superblock at the end, metadata 1.0): the firmware reads each half
        // as a plain ESP, so the mirror is the ESP.
        var device = depth < 8 ? context.Technologies.SelectMany(t => t.DescribeDevices(context.Document)).FirstOrDefault(s => s.Id == deviceId) : null;
        return device is { MayLack: > 0, Below.Count: > 1 } && device.Below.All(b => IsEspPartition(context, b, depth + 1));
    }
}
