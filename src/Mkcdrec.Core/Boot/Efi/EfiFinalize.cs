using Mkcdrec.Core.Platform;
using Mkcdrec.Core.Storage;
using Mkcdrec.Model.Layout;

namespace Mkcdrec.Core.Boot.Efi;

public sealed partial class EfiTechnology
{
    /// <summary>
    /// GRUB for UEFI into the ESP with the captured bootloader id, plus the removable fallback path; when the firmware
    /// variables are reachable, makes sure the NVRAM boot entry exists. Runs only when GRUB found its grub-install.
    /// </summary>
    public void InstallBootloader(FinalizeContext context)
    {
        var layout = context.Layout;
        if (context.GrubInstallProgram is not { } install || !(layout.Boot.Firmware == FirmwareKinds.Uefi || layout.Boot.EfiBootEntries.Count > 0))
        {
            return;
        }

        var esp = layout.Boot.EspMountPoint;
        if (esp is null)
        {
            context.Say("warning: the layout is UEFI but records no mounted ESP; GRUB for UEFI is not installed.");
            return;
        }

        var id = EfiBootloaderId(layout);
        var efivars = context.RootPath("/sys/firmware/efi/efivars");
        var nvram = Directory.Exists(efivars) && Directory.EnumerateFileSystemEntries(efivars).Any();
        context.Say($"Installing GRUB for UEFI into {esp} as \\EFI\\{id}\\" + (nvram ? " with a firmware boot entry" : " (no EFI variables here: no firmware boot entry; the removable path boots)") + ".");
        var argv = new List<string> { install, "--target=x86_64-efi", "--efi-directory=" + esp, "--bootloader-id=" + id };
        if (!nvram)
        {
            argv.Add("--no-nvram");
        }

        context.Chroot([.. argv]);
        context.Chroot(install, "--target=x86_64-efi", "--efi-directory=" + esp, "--removable", "--no-nvram");
        context.Changes.Add($"grub-install --target=x86_64-efi --bootloader-id={id} (+ removable path \\EFI\\BOOT\\BOOTX64.EFI)");
        if (nvram)
        {
            context.Changes.AddRange(EnsureEfiBootEntry(context, esp, id));
        }
    }

    /// <summary>
    /// Checks in the firmware's variables (efivarfs, no efibootmgr needed) that grub-install registered its entry; when it
    /// did not (some distributions' grub-install leave it to efibootmgr), creates it with the rescue system's efibootmgr
    /// for the ESP's disk and partition. Without either, the removable path still boots.
    /// </summary>
    private static List<string> EnsureEfiBootEntry(FinalizeContext context, string esp, string id)
    {
        var entries = EfiBootVariables.Entries(context.Files);
        context.Log.Info("EFI boot entries after grub-install: " + string.Join("; ", entries.Select(e => $"{e.Name} {e.Description}")));
        var mine = entries.Where(e => e.Description.Equals(id, StringComparison.OrdinalIgnoreCase)).Select(e => e.Name).FirstOrDefault();
        if (mine is not null)
        {
            context.Say($"EFI boot entry {mine} '{id}' is registered in the firmware.");
            return [$"EFI boot entry {mine} '{id}'"];
        }

        var espDir = context.Root.TrimEnd('/') + "/" + esp.Trim('/');
        var loader = new[] { "shimx64.efi", "grubx64.efi" }.FirstOrDefault(l => File.Exists($"{espDir}/EFI/{id}/{l}"));
        if (loader is not null && context.Run.CanRun("efibootmgr") && EspPartition(context.Files, espDir) is { } part)
        {
            context.Run.RunChecked(new ProcessRequest("efibootmgr", ["--create", "--disk", part.Disk, "--part", part.Number, "--label", id, "--loader", $"\\EFI\\{id}\\{loader}"]));
            context.Say($"EFI boot entry '{id}' created with efibootmgr ({part.Disk} partition {part.Number}, \\EFI\\{id}\\{loader}): grub-install registered none.");
            return [$"EFI boot entry '{id}' created by efibootmgr"];
        }

        context.Say($"warning: the firmware has no boot entry '{id}' after grub-install" + (context.Run.CanRun("efibootmgr") ? "" : " and the rescue system has no efibootmgr to make one")
            + "; the removable path \\EFI\\BOOT\\BOOTX64.EFI still boots.");
        return [];
    }

    /// <summary>The disk and partition number of the filesystem mounted at <paramref name="mountPoint"/> (/proc/self/mounts, /sys/class/block).</summary>
    private static (string Disk, string Number)? EspPartition(ISystemFiles files, string mountPoint)
    {
        var dev = (files.ReadText("/proc/self/mounts") ?? "").Split('\n')
            .Select(l => l.Split(' '))
            .Where(f => f.Length > 2 && f[1] == mountPoint && f[0].StartsWith("/dev/", StringComparison.Ordinal))
            .Select(f => f[0])
            .LastOrDefault();
        if (dev is null)
        {
            return null;
        }

        var name = Path.GetFileName(dev);
        var number = files.ReadText($"/sys/class/block/{name}/partition")?.Trim();
        var link = files.ReadLink($"/sys/class/block/{name}");
        var parent = link is null ? null : Path.GetFileName(Path.GetDirectoryName(link.TrimEnd('/')));
        return number is { Length: > 0 } && parent is { Length: > 0 } ? ("/dev/" + parent, number) : null;
    }
}
