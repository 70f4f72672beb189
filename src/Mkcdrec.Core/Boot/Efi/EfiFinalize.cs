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
        SayMissingMokKeys(context);
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

        if (MachineArchitecture.For(layout.Host.Architecture) is not { } arch)
        {
            context.Say($"warning: GRUB for UEFI is installed only on x86_64 and aarch64; this layout's machine is {layout.Host.Architecture}. Install its boot loader by hand.");
            return;
        }

        var id = EfiBootloaderId(layout);
        var efivars = context.RootPath("/sys/firmware/efi/efivars");
        var nvram = Directory.Exists(efivars) && Directory.EnumerateFileSystemEntries(efivars).Any();
        context.Say($"Installing GRUB for UEFI into {esp} as \\EFI\\{id}\\" + (nvram ? " with a firmware boot entry" : " (no EFI variables here: no firmware boot entry; the removable path boots)") + ".");
        var espDir = context.Root.TrimEnd('/') + "/" + esp.Trim('/');
        var halves = EspPartitions(context.Files, espDir);
        var argv = new List<string> { install, "--target=" + arch.GrubEfiTarget, "--efi-directory=" + esp, "--bootloader-id=" + id };
        if (!nvram || halves.Count > 1)
        {
            argv.Add("--no-nvram"); // a mirrored ESP: grub-install would register one half at most; each gets its own entry below
        }

        context.Chroot([.. argv]);
        context.Chroot(install, "--target=" + arch.GrubEfiTarget, "--efi-directory=" + esp, "--removable", "--no-nvram");
        context.Changes.Add($"grub-install --target={arch.GrubEfiTarget} --bootloader-id={id} (+ removable path \\EFI\\BOOT\\{arch.RemovableLoader})");
        if (nvram)
        {
            context.Changes.AddRange(halves.Count > 1 ? EntryForEachHalf(context, arch, espDir, id, halves) : EnsureEfiBootEntry(context, arch, espDir, id, halves.FirstOrDefault()));
        }
    }

    /// <summary>Keys the source had enrolled as MOKs that this machine's firmware lacks: what stops loading, and how to enrol them.</summary>
    private static void SayMissingMokKeys(FinalizeContext context)
    {
        if (context.Layout.Boot.MokKeys.All(k => !k.Enrolled))
        {
            return;
        }

        var missing = MokKeys.MissingHere(context.Layout.Boot, context.Files, context.Root);
        if (missing is null)
        {
            context.Say("note: the source had local keys enrolled as MOKs (" + string.Join(", ", context.Layout.Boot.MokKeys.Where(k => k.Enrolled).Select(k => k.Subject))
                + "); this rescue system did not boot through shim, so whether this machine's firmware holds them is unknown. If modules signed with them (DKMS) "
                + "do not load with Secure Boot on: mokutil --import FILE, reboot, and enrol it in the MOK manager.");
            return;
        }

        foreach (var k in missing)
        {
            context.Say($"warning: the key {k.Subject} ({k.Path}) was enrolled as a MOK on the source, and this machine's firmware does not hold it: modules "
                + $"signed with it (DKMS) will not load with Secure Boot on. After the first boot: mokutil --import {k.Path}, reboot, and enrol it in the MOK manager "
                + "(MOKs are firmware state, not disk state: a new machine never has them).");
        }
    }

    /// <summary>
    /// A mirrored ESP (md RAID1, metadata 1.0): one firmware boot entry per half, so the machine boots from either disk
    /// alone. Made last to first, as efibootmgr puts each new entry first: the first disk's entry ends first.
    /// </summary>
    private static List<string> EntryForEachHalf(FinalizeContext context, MachineArchitecture arch, string espDir, string id, IReadOnlyList<(string Disk, string Number)> halves)
    {
        var loader = Loader(arch, espDir, id);
        if (loader is null || !context.Run.CanRun("efibootmgr"))
        {
            context.Say($"warning: the ESP is a mirror, but " + (loader is null ? $"no loader is in \\EFI\\{id}" : "the rescue system has no efibootmgr")
                + $"; no firmware boot entry is made for its halves. The removable path \\EFI\\BOOT\\{arch.RemovableLoader} still boots from each disk.");
            return [];
        }

        var existing = EfiBootVariables.Entries(context.Files).Select(e => e.Description).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var made = new List<string>();
        for (var i = halves.Count - 1; i >= 0; i--)
        {
            var (disk, number) = halves[i];
            var label = i == 0 ? id : $"{id} ({Path.GetFileName(disk)})";
            if (!existing.Contains(label))
            {
                context.Run.RunChecked(new ProcessRequest("efibootmgr", ["--create", "--disk", disk, "--part", number, "--label", label, "--loader", $"\\EFI\\{id}\\{loader}"]));
            }

            made.Add($"EFI boot entry '{label}' ({disk} partition {number})");
        }

        context.Say($"The ESP is a mirror of {halves.Count} partitions: a firmware boot entry for each ({string.Join(", ", halves.Select(h => $"{h.Disk} partition {h.Number}"))}).");
        return made;
    }

    private static string? Loader(MachineArchitecture arch, string espDir, string id) =>
        new[] { arch.ShimLoader, arch.GrubLoader }.FirstOrDefault(l => File.Exists($"{espDir}/EFI/{id}/{l}"));

    /// <summary>
    /// Checks in the firmware's variables (efivarfs, no efibootmgr needed) that grub-install registered its entry; when it
    /// did not (some distributions' grub-install leave it to efibootmgr), creates it with the rescue system's efibootmgr
    /// for the ESP's disk and partition. Without either, the removable path still boots.
    /// </summary>
    private static List<string> EnsureEfiBootEntry(FinalizeContext context, MachineArchitecture arch, string espDir, string id, (string Disk, string Number)? part)
    {
        var entries = EfiBootVariables.Entries(context.Files);
        context.Log.Info("EFI boot entries after grub-install: " + string.Join("; ", entries.Select(e => $"{e.Name} {e.Description}")));
        var mine = entries.Where(e => e.Description.Equals(id, StringComparison.OrdinalIgnoreCase)).Select(e => e.Name).FirstOrDefault();
        if (mine is not null)
        {
            context.Say($"EFI boot entry {mine} '{id}' is registered in the firmware.");
            return [$"EFI boot entry {mine} '{id}'"];
        }

        var loader = Loader(arch, espDir, id);
        if (loader is not null && context.Run.CanRun("efibootmgr") && part is { } p)
        {
            context.Run.RunChecked(new ProcessRequest("efibootmgr", ["--create", "--disk", p.Disk, "--part", p.Number, "--label", id, "--loader", $"\\EFI\\{id}\\{loader}"]));
            context.Say($"EFI boot entry '{id}' created with efibootmgr ({p.Disk} partition {p.Number}, \\EFI\\{id}\\{loader}): grub-install registered none.");
            return [$"EFI boot entry '{id}' created by efibootmgr"];
        }

        context.Say($"warning: the firmware has no boot entry '{id}' after grub-install" + (context.Run.CanRun("efibootmgr") ? "" : " and the rescue system has no efibootmgr to make one")
            + $"; the removable path \\EFI\\BOOT\\{arch.RemovableLoader} still boots.");
        return [];
    }

    /// <summary>
    /// The disk and partition number of the filesystem mounted at <paramref name="mountPoint"/> (/proc/self/mounts,
    /// /sys/class/block); of each partition below it when it is a mirror (its slaves), by name.
    /// </summary>
    private static List<(string Disk, string Number)> EspPartitions(ISystemFiles files, string mountPoint)
    {
        var dev = (files.ReadText("/proc/self/mounts") ?? "").Split('\n')
            .Select(l => l.Split(' '))
            .Where(f => f.Length > 2 && f[1] == mountPoint && f[0].StartsWith("/dev/", StringComparison.Ordinal))
            .Select(f => f[0])
            .LastOrDefault();
        if (dev is null)
        {
            return [];
        }

        var name = Path.GetFileName(files.ReadLink(dev) ?? dev); // /dev/md/esp → md126
        var result = new List<(string Disk, string Number)>();
        Collect(files, name, result, 0);
        return result;
    }

    private static void Collect(ISystemFiles files, string name, List<(string Disk, string Number)> into, int depth)
    {
        var slaves = files.ListDirectory($"/sys/class/block/{name}/slaves");
        if (slaves.Count > 0 && depth < 8)
        {
            foreach (var slave in slaves.Order(StringComparer.Ordinal))
            {
                Collect(files, slave, into, depth + 1);
            }

            return;
        }

        var number = files.ReadText($"/sys/class/block/{name}/partition")?.Trim();
        var link = files.ReadLink($"/sys/class/block/{name}");
        var parent = link is null ? null : Path.GetFileName(Path.GetDirectoryName(link.TrimEnd('/')));
        if (number is { Length: > 0 } && parent is { Length: > 0 })
        {
            into.Add(("/dev/" + parent, number));
        }
    }
}
