using Mkcdrec.Model.Layout;
using Mkcdrec.Model.Plan;

namespace Mkcdrec.Core.Storage.Btrfs;

public sealed partial class BtrfsTechnology
{
    private static string TemporaryMountPoint(Filesystem f) => "/run/mkcdrec/btrfs/" + (f.Uuid ?? f.Id.Replace(':', '-'));

    /// <summary>The top level (subvolid 5), where every subvolume path starts: a plain mount gives the default subvolume once one is set.</summary>
    private static string[] TopLevelMount(string device, string mountPoint) => ["mount", "-t", "btrfs", "-o", "subvolid=5", device, mountPoint];

    /// <summary>
    /// Creates the subvolumes parents first and sets the default one; read-only flags are set only after the restore
    /// (a read-only subvolume could not be restored into).
    /// </summary>
    private static void AddSubvolumes(PlanContext context, Filesystem f, IReadOnlyList<string> devices)
    {
        var btrfs = f.Btrfs;
        if (btrfs is null || (btrfs.Subvolumes.Count == 0 && btrfs.DefaultSubvolumeId is 5 or 0))
        {
            return;
        }

        var mountPoint = TemporaryMountPoint(f);
        var commands = new List<IEnumerable<string>>();
        if (devices.Count > 1)
        {
            commands.Add(["btrfs", "device", "scan"]);
        }

        commands.Add(["mkdir", "-p", mountPoint]);
        commands.Add(TopLevelMount(devices[0], mountPoint));
        var ordered = btrfs.Subvolumes.OrderBy(s => s.Path.Trim('/').Count(c => c == '/')).ThenBy(s => s.Id).ToList();
        var made = new HashSet<string>(StringComparer.Ordinal);
        foreach (var subvolume in ordered)
        {
            var path = subvolume.Path.Trim('/');
            var parent = path.Contains('/') ? path[..path.LastIndexOf('/')] : "";
            if (parent.Length > 0 && !made.Contains(parent))
            {
                commands.Add(["mkdir", "-p", mountPoint + "/" + parent]);
            }

            commands.Add(["btrfs", "subvolume", "create", mountPoint + "/" + path]);
            made.Add(path);
        }

        var defaultSubvolume = btrfs.Subvolumes.FirstOrDefault(s => s.Id == btrfs.DefaultSubvolumeId);
        if (defaultSubvolume is not null)
        {
            commands.Add(["btrfs", "subvolume", "set-default", mountPoint + "/" + defaultSubvolume.Path.Trim('/')]);
        }

        commands.Add(["umount", mountPoint]);
        context.AddStep(StepKinds.BtrfsSubvolumes, f.Id,
            $"Create the btrfs subvolumes of {f.Label ?? f.Uuid} ({string.Join(", ", ordered.Select(s => s.Path))})" + (defaultSubvolume is null ? "" : $"; default subvolume {defaultSubvolume.Path}"),
            false, devices, [f.Id], ordered.Select(s => PlanTokens.Subvolume(f, s.Path)), [.. commands]);
        AddReadOnlyFlags(context, f, devices, ordered.Where(s => s.ReadOnly).ToList());
    }

    private static void AddReadOnlyFlags(PlanContext context, Filesystem f, IReadOnlyList<string> devices, List<BtrfsSubvolume> readOnly)
    {
        if (readOnly.Count == 0)
        {
            return;
        }

        var mountPoint = TemporaryMountPoint(f);
        var commands = new List<IEnumerable<string>> { new[] { "mkdir", "-p", mountPoint }, TopLevelMount(devices[0], mountPoint) };
        commands.AddRange(readOnly.Select(s => (IEnumerable<string>)new[] { "btrfs", "property", "set", "-ts", mountPoint + "/" + s.Path.Trim('/'), "ro", "true" }));
        commands.Add(["umount", mountPoint]);
        var step = context.AddStep(StepKinds.BtrfsReadOnly, f.Id, $"After the restore: make {string.Join(", ", readOnly.Select(s => s.Path))} read-only again", false, devices,
            readOnly.Select(s => PlanTokens.Subvolume(f, s.Path)), [], [.. commands]);
        step.Phase = StepPhases.AfterRestore;
    }
}
