using Mkcdrec.Core.Registry;
using Mkcdrec.Core.Storage;
using Mkcdrec.Model.Layout;

namespace Mkcdrec.Core.Recovery;

/// <summary>Why the restored initramfs would not boot the recovered system, so it must be rebuilt (null: it boots as it is).</summary>
public static class InitramfsRebuild
{
    public static string? Reason(FinalizeContext context)
    {
        if (context.RebuildInitramfsAnyway)
        {
            return "repair-boot --initramfs";
        }

        if (context.IdChanges.Any(c => c.BootCritical))
        {
            return "a UUID on the boot path changed";
        }

        var inInitramfs = Technologies.Storage.Where(t => t.InInitramfs(context.Layout)).Select(t => t.Name).ToList();
        if (inInitramfs.Count > 0 && context.RewrittenFiles.Count > 0)
        {
            return $"the configuration of {string.Join('/', inInitramfs)} devices changed";
        }

        // A host-only initramfs (dracut's default on Fedora/RHEL, initramfs-tools with MODULES=dep) holds only the
        // drivers of the disks it was built on: moved to another kind of controller, it cannot find its root.
        return ControllerChange(context.Layout, context.RenamedDevices) is { } moved
            ? $"the disks are on another kind of controller now ({moved}), whose driver a host-only initramfs lacks"
            : null;
    }

    /// <summary>The first disk whose new name says another driver family drives it ("/dev/vda → /dev/nvme0n1"); null when none.</summary>
    public static string? ControllerChange(LayoutDocument layout, IReadOnlyDictionary<string, (string NewPath, string LayoutId)> renamed) =>
        layout.Disks.Where(d => renamed.TryGetValue(d.Path, out var r) && Family(d.Path) != Family(r.NewPath))
            .Select(d => $"{d.Path} → {renamed[d.Path].NewPath}").FirstOrDefault();

    /// <summary>
    /// The driver family a disk's kernel name tells: nvme, mmcblk (MMC/eMMC), xvd (Xen), vd (virtio-blk), sd (the SCSI
    /// layer: SATA, SAS, USB, virtio-scsi), hd (old IDE); else the name without its digits.
    /// </summary>
    public static string Family(string path)
    {
        var name = Path.GetFileName(path);
        return new[] { "nvme", "mmcblk", "xvd", "vd", "sd", "hd" }.FirstOrDefault(p => name.StartsWith(p, StringComparison.Ordinal))
               ?? name.TrimEnd("0123456789".ToCharArray());
    }
}
