using Mkcdrec.Core.Boot.Grub;
using Mkcdrec.Core.Platform;
using Mkcdrec.Model.Layout;

namespace Mkcdrec.Core.Recovery;

/// <summary>
/// `mkcdrec repair-boot`: a system whose disks and files are fine but that no longer boots (boot sector overwritten,
/// GRUB's files or configuration deleted, a lost firmware boot entry) is mounted from its disks as they are, and gets
/// what finalize gives a recovered system: GRUB reinstalled on the disks it was on, its configuration regenerated, the
/// UEFI loader and boot entry, and the initramfs when it must be (docs/recovery.md "Repair").
/// </summary>
public sealed class BootRepair(IProcessRunner run, ISystemFiles files, IFileSystemAccess fs, ILog log, Action<string> say)
{
    public List<string> Repair(LayoutDocument layout, string targetRoot, IReadOnlyDictionary<string, string> luksKeys, bool rebuildInitramfs, bool keepMounted)
    {
        var attacher = new SystemAttacher(run, files, say);
        var attached = attacher.TryAttach(layout, targetRoot, false, luksKeys);
        var needed = BootMounts(layout).Where(m => !attached.IsDone("mount:" + m)).ToList();
        if (needed.Count > 0)
        {
            throw new MkcdrecException(ExitCode.Incomplete,
                $"The boot repair needs {string.Join(", ", needed)} of {layout.Host.Hostname} mounted, and they are not:\n  " + string.Join("\n  ", attached.Pending.Values),
                "Attach the disks and give the keys it lists (--key-file, --secrets DIR); 'mkcdrec umount' takes down what came up. No boot sector was written.");
        }

        foreach (var pending in attached.Pending.Values)
        {
            say($"warning: not up, not needed to boot: {pending}");
        }

        var disks = RepairDisks.Find(layout, run, files, targetRoot, say);
        if (layout.Boot.Firmware == FirmwareKinds.Bios && layout.Boot.Bootloader == "grub2" && GrubTechnology.BiosTargets(layout, disks).Count == 0)
        {
            throw new MkcdrecException(ExitCode.Refused, "None of the disks GRUB was installed on is attached (found by its partition table's identifier).",
                "Attach the system's disks; for a disk partitioned anew, recover it ('mkcdrec recover') instead. Nothing was written.");
        }

        var finalizer = new SystemFinalizer(run, files, fs, log, say);
        var binds = finalizer.BindSystem(targetRoot);
        List<string> changes;
        try
        {
            changes = finalizer.RepairBoot(layout, disks, targetRoot, rebuildInitramfs);
        }
        finally
        {
            finalizer.Unbind(binds);
        }

        say($"Boot repair of {layout.Host.Hostname} done: " + (changes.Count == 0 ? "nothing needed changing." : string.Join("; ", changes) + "."));
        if (!keepMounted)
        {
            attacher.Detach(layout, targetRoot);
        }

        return changes;
    }

    /// <summary>The mount points booting reads: the root, /boot, /usr (where the kernel modules may be) and the ESP.</summary>
    private static List<string> BootMounts(LayoutDocument layout)
    {
        var wanted = new[] { "/", "/boot", "/usr", layout.Boot.EspMountPoint ?? "/boot/efi" };
        return [.. layout.Mounts.Select(m => m.Target).Where(wanted.Contains).Distinct(StringComparer.Ordinal)];
    }
}
