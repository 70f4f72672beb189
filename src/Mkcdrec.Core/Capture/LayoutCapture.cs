using Mkcdrec.Core.Platform;
using Mkcdrec.Core.Registry;
using Mkcdrec.Core.Storage;
using Mkcdrec.Model.Layout;

namespace Mkcdrec.Core.Capture;

/// <summary>
/// Captures the storage and system layout of the running machine. Reads /sys, /proc, /dev and /etc through
/// <see cref="ISystemFiles"/> and asks the field's tools through <see cref="IProcessRunner"/>. This class does the
/// central parts (sysfs scan, disk selection, host, blkid probing, the --disk restriction); each technology of
/// <see cref="Technologies.Storage"/> captures its own devices, in registry order.
/// </summary>
public sealed class LayoutCapture
{
    private readonly IProcessRunner _run;
    private readonly ISystemFiles _fs;
    private readonly ILog _log;

    public LayoutCapture(IProcessRunner run, ISystemFiles files, ILog log)
    {
        _run = run;
        _fs = files;
        _log = log;
    }

    public LayoutDocument Capture(CaptureOptions options)
    {
        var document = new LayoutDocument
        {
            MkcdrecVersion = options.MkcdrecVersion,
            CapturedAt = options.Now ?? DateTimeOffset.UtcNow,
        };
        var context = new CaptureContext(_run, _fs, _log, document, explicitDisks: options.Disks.Count > 0);
        ScanSysfs(context);
        context.SelectedDisks = SelectDisks(context, options.Disks);
        context.FilesystemFamilies = Technologies.Storage.OfType<IFilesystemFamily>().ToList();
        context.Technologies = Technologies.Storage;
        context.MemberSignatures = Technologies.Storage.SelectMany(t => t.MemberSignatures).ToHashSet(StringComparer.Ordinal);
        CaptureHost(context);
        var technologies = Technologies.Storage;
        for (var i = 0; i < technologies.Count; i++)
        {
            technologies[i].Capture(context);
            if (i == 0)
            {
                // The first technology (partitions) finds the disks; blkid probes them before the stacked technologies read the probes.
                ProbeAll(context);
            }
        }

        if (options.Disks.Count > 0)
        {
            DiskRestriction.Apply(context);
        }

        return document;
    }

    private static void ScanSysfs(CaptureContext context)
    {
        var files = context.Files;
        foreach (var name in files.ListDirectory("/sys/class/block"))
        {
            var sys = "/sys/class/block/" + name;
            var link = files.ReadLink(sys) ?? "";
            var parts = link.Split('/', StringSplitOptions.RemoveEmptyEntries);
            var isPart = files.FileExists(sys + "/partition");
            string? parent = isPart && parts.Length >= 2 ? parts[^2] : null;
            context.Devices[name] = new BlockDevice
            {
                Name = name,
                Parent = parent,
                PartitionNumber = isPart ? context.ReadInt(sys + "/partition") : null,
                DeviceNumber = (files.ReadText(sys + "/dev") ?? "").Trim(),
                SizeBytes = context.ReadLong(sys + "/size") * 512,
                Slaves = files.ListDirectory(sys + "/slaves").ToList(),
            };
        }
    }

    private static bool IsVirtual(string name) =>
        name.StartsWith("loop", StringComparison.Ordinal) || name.StartsWith("ram", StringComparison.Ordinal) ||
        name.StartsWith("zram", StringComparison.Ordinal) || name.StartsWith("md", StringComparison.Ordinal) ||
        name.StartsWith("dm-", StringComparison.Ordinal) || name.StartsWith("sr", StringComparison.Ordinal) ||
        name.StartsWith("fd", StringComparison.Ordinal) || name.StartsWith("nbd", StringComparison.Ordinal) ||
        name.StartsWith("mtdblock", StringComparison.Ordinal);

    private static List<string> SelectDisks(CaptureContext context, IReadOnlyList<string> requested)
    {
        var devices = context.Devices;
        if (requested.Count == 0)
        {
            return devices.Values
                .Where(d => d.Parent is null && !IsVirtual(d.Name) && d.SizeBytes > 0 && context.Files.DirectoryExists($"/sys/block/{d.Name}/device"))
                .Select(d => d.Name).Order(StringComparer.Ordinal).ToList();
        }

        var list = new List<string>();
        foreach (var r in requested)
        {
            var name = context.KernelNameOf(r) ?? throw new MkcdrecException(ExitCode.BadInput,
                $"'{r}' is not a block device of this machine.", "Name a disk as /dev/NAME or /dev/disk/by-id/…; 'lsblk -d' lists them.");
            if (devices[name].Parent is not null)
            {
                throw new MkcdrecException(ExitCode.BadInput, $"'{r}' is a partition ({name}), not a whole disk.",
                    $"Name the disk it belongs to: /dev/{devices[name].Parent}.");
            }

            if (name.StartsWith("md", StringComparison.Ordinal) || name.StartsWith("dm-", StringComparison.Ordinal))
            {
                throw new MkcdrecException(ExitCode.BadInput, $"'{r}' is a virtual device ({name}); --disk takes the physical disks.",
                    "Name the disks it is built on; everything stacked on them is captured with them.");
            }

            if (!list.Contains(name))
            {
                list.Add(name);
            }
        }

        return list;
    }

    private static void CaptureHost(CaptureContext context)
    {
        var os = KeyValueLines.Parse(context.Files.ReadText("/etc/os-release") ?? context.Files.ReadText("/usr/lib/os-release") ?? "");
        context.Document.Host = new HostInfo
        {
            Hostname = context.ReadTrim("/proc/sys/kernel/hostname") ?? context.ReadTrim("/etc/hostname") ?? "",
            KernelRelease = context.ReadTrim("/proc/sys/kernel/osrelease") ?? "",
            // The kernel's own word (Linux 6.1+), so a replayed capture says the recorded machine's, not the replayer's.
            Architecture = context.ReadTrim("/proc/sys/kernel/arch") ?? HostArchitecture.UnameMachine,
            OsId = os.GetValueOrDefault("ID"),
            OsVersionId = os.GetValueOrDefault("VERSION_ID"),
            OsPrettyName = os.GetValueOrDefault("PRETTY_NAME"),
            SelinuxEnabled = context.Files.FileExists("/sys/fs/selinux/enforce"),
        };
    }

    /// <summary>The captured disks and their partitions (not extended ones), then the md and dm devices.</summary>
    private static IEnumerable<string> ProbeTargets(CaptureContext context)
    {
        foreach (var d in context.Document.Disks)
        {
            yield return d.KernelName;
            foreach (var p in d.Partitions)
            {
                if (p.Kind != PartitionKinds.Extended)
                {
                    yield return p.KernelName;
                }
            }
        }

        foreach (var n in context.Devices.Keys.Where(n => n.StartsWith("md", StringComparison.Ordinal) || n.StartsWith("dm-", StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            if (context.Devices[n].Parent is null && context.Devices[n].SizeBytes > 0)
            {
                yield return n;
            }
        }
    }

    private static void ProbeAll(CaptureContext context)
    {
        foreach (var name in ProbeTargets(context))
        {
            context.Probe(name);
        }
    }
}
