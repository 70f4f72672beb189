using Mkcdrec.Core.Platform;
using Mkcdrec.Model.Layout;

namespace Mkcdrec.Core.Storage.Filesystems;

/// <summary>
/// Capture: every filesystem blkid found on a captured device, in one pass in device order; the family of its type
/// (this technology for ext/xfs/vfat/swap, btrfs for btrfs) reads its parameters. Types no family claims are unsupported.
/// </summary>
public sealed partial class FilesystemsTechnology
{
    public void Capture(CaptureContext context)
    {
        var diskUsage = ReadDiskUsage(context);
        foreach (var group in context.Probes.Where(p => p.Value.ContainsKey("TYPE") && context.IdOf.ContainsKey(p.Key))
                     .GroupBy(p => (Type: p.Value["TYPE"], Uuid: p.Value.GetValueOrDefault("UUID") ?? "dev:" + p.Key))
                     .OrderBy(g => g.Min(x => x.Key), StringComparer.Ordinal))
        {
            var type = group.Key.Type;
            if (context.MemberSignatures.Contains(type))
            {
                continue;
            }

            var names = group.Select(g => g.Key).Order(StringComparer.Ordinal).ToList();
            var family = context.FilesystemFamilies.FirstOrDefault(f => f.Types.Contains(type));
            if (family is null)
            {
                context.Document.Unsupported.Add(new UnsupportedDevice { Device = "/dev/" + names[0], Kind = "filesystem:" + type, Reason = $"filesystem type '{type}' cannot be recreated by mkcdrec." });
                context.Note("/dev/" + names[0], $"holds a '{type}' filesystem, which mkcdrec cannot recreate.");
                continue;
            }

            CaptureFilesystem(context, family, type, names, group.First().Value, diskUsage);
        }
    }

    /// <summary>`df`'s figures by mount point (empty without df): the used bytes of mounted filesystems.</summary>
    private static Dictionary<string, (long Size, long Used)> ReadDiskUsage(CaptureContext context)
    {
        if (!context.Run.CanRun("df"))
        {
            return [];
        }

        var r = context.Run.Run(new ProcessRequest("df", ["-B1", "--output=target,size,used"]));
        return DfParser.Parse(r.StandardOutput);
    }

    private static void CaptureFilesystem(CaptureContext context, IFilesystemFamily family, string type, List<string> names,
        Dictionary<string, string> probe, Dictionary<string, (long Size, long Used)> diskUsage)
    {
        var uuid = probe.GetValueOrDefault("UUID");
        var fs = new Filesystem
        {
            Id = uuid is null ? $"fs:{type}:{context.IdOf[names[0]]}" : $"fs:{type}:{uuid}",
            Type = type,
            Uuid = uuid,
            Label = probe.GetValueOrDefault("LABEL"),
            DeviceIds = names.Select(n => context.IdOf[n]).ToList(),
            SizeBytes = names.Sum(n => context.Devices.TryGetValue(n, out var d) ? d.SizeBytes : 0),
        };
        var mountPoint = MountPointOf(context, names);
        if (mountPoint is not null && diskUsage.TryGetValue(mountPoint, out var du))
        {
            fs.UsedBytes = du.Used;
        }

        try
        {
            family.ReadParameters(context, new FoundFilesystem(fs, names, probe, mountPoint));
        }
        catch (MkcdrecException e) when (e.Code == ExitCode.CommandFailed)
        {
            context.Note("/dev/" + names[0], $"the {type} parameters could not be read ({e.Message.Split('\n')[0]}); it will be recreated with defaults.");
        }

        context.Document.Filesystems.Add(fs);
        foreach (var n in names)
        {
            context.SetUsedBy(n, fs.Id);
        }
    }

    private static string? MountPointOf(CaptureContext context, IEnumerable<string> kernelNames)
    {
        foreach (var m in context.MountInfo)
        {
            if (m.Source.StartsWith("/dev/", StringComparison.Ordinal) && context.KernelNameOf(m.Source) is { } kn && kernelNames.Contains(kn))
            {
                return m.MountPoint;
            }

            var dev = context.DeviceNumbered(m.Major, m.Minor);
            if (dev is not null && kernelNames.Contains(dev.Name))
            {
                return m.MountPoint;
            }
        }

        return null;
    }
}
