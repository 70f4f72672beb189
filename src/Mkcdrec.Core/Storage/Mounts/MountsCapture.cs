using Mkcdrec.Model.Layout;

namespace Mkcdrec.Core.Storage.Mounts;

/// <summary>Capture: what is mounted where (mountinfo), and fstab, crypttab and mdadm.conf tied to the captured devices.</summary>
public sealed partial class MountsTechnology
{
    public void Capture(CaptureContext context)
    {
        var fsByKernel = FilesystemsByKernelName(context);
        CaptureMounts(context, fsByKernel);
        var cfg = context.Document.Config;
        cfg.Fstab = context.Files.ReadText("/etc/fstab");
        cfg.Crypttab = context.Files.ReadText("/etc/crypttab");
        cfg.MdadmConf = context.Files.ReadText("/etc/mdadm/mdadm.conf") ?? context.Files.ReadText("/etc/mdadm.conf");
        cfg.FstabEntries = FstabParser.Parse(cfg.Fstab ?? "");
        cfg.CrypttabEntries = CrypttabParser.Parse(cfg.Crypttab ?? "");
        LinkFstab(context, fsByKernel);
        LinkCrypttab(context);
    }

    private static Dictionary<string, Filesystem> FilesystemsByKernelName(CaptureContext context)
    {
        var fsByKernel = new Dictionary<string, Filesystem>(StringComparer.Ordinal);
        foreach (var fs in context.Document.Filesystems)
        {
            foreach (var id in fs.DeviceIds)
            {
                var kn = context.KernelNameWithId(id);
                if (kn is not null)
                {
                    fsByKernel[kn] = fs;
                }
            }
        }

        return fsByKernel;
    }

    private static void CaptureMounts(CaptureContext context, Dictionary<string, Filesystem> fsByKernel)
    {
        foreach (var m in context.MountInfo)
        {
            string? kn = m.Source.StartsWith("/dev/", StringComparison.Ordinal) ? context.KernelNameOf(m.Source) : null;
            kn ??= context.DeviceNumbered(m.Major, m.Minor)?.Name;
            if (kn is null || !fsByKernel.TryGetValue(kn, out var fs))
            {
                continue;
            }

            var isBtrfs = fs.Type == FilesystemTypes.Btrfs;
            if (!isBtrfs && m.Root != "/")
            {
                context.Note(m.MountPoint, $"is a bind mount of {m.Root} on {m.Source}; bind mounts are recreated from fstab only.");
                continue;
            }

            context.Document.Mounts.Add(new Mount
            {
                Target = m.MountPoint,
                FilesystemId = fs.Id,
                Source = m.Source,
                Type = m.FsType,
                Options = m.Options + (m.SuperOptions.Length > 0 ? "," + m.SuperOptions : ""),
                Subvolume = isBtrfs ? m.Root : null,
            });
        }
    }

    /// <summary>Ties fstab lines to the captured filesystems (and marks their mounts as in fstab); notes lines that match none.</summary>
    private static void LinkFstab(CaptureContext context, Dictionary<string, Filesystem> fsByKernel)
    {
        foreach (var e in context.Document.Config.FstabEntries)
        {
            var kn = DeviceSpecResolver.Resolve(e.Spec, context.Probes, context.KernelNameOf);
            if (kn is not null && fsByKernel.TryGetValue(kn, out var fs))
            {
                e.FilesystemId = fs.Id;
                foreach (var m in context.Document.Mounts.Where(m => m.Target == e.Target && m.FilesystemId == fs.Id))
                {
                    m.InFstab = true;
                }
            }
            else if (e.Type is not ("proc" or "sysfs" or "tmpfs" or "devpts" or "none" or "nfs" or "nfs4" or "cifs" or "bind") && !e.Options.Contains("bind", StringComparison.Ordinal) && !e.Options.Contains("noauto", StringComparison.Ordinal))
            {
                context.Note("/etc/fstab", $"'{e.Spec}' for {e.Target} does not match any filesystem mkcdrec captured.");
            }
        }
    }

    /// <summary>Ties crypttab lines to the captured LUKS containers; a closed container takes its mapping name from there.</summary>
    private static void LinkCrypttab(CaptureContext context)
    {
        foreach (var c in context.Document.Config.CrypttabEntries)
        {
            var kn = DeviceSpecResolver.Resolve(c.Device, context.Probes, context.KernelNameOf);
            var luks = context.Document.Luks.FirstOrDefault(l => kn is not null && l.DeviceId == context.IdOf.GetValueOrDefault(kn));
            if (luks is not null)
            {
                luks.Crypttab = c;
                luks.MappedName ??= c.Name;
                luks.MappedPath ??= "/dev/mapper/" + c.Name;
            }
        }
    }
}
