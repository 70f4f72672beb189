using Mkcdrec.Model.Layout;
using Mkcdrec.Model.Plan;

namespace Mkcdrec.Core.Storage;

/// <summary>A filesystem to make, with the source devices it is on and their paths on the target.</summary>
public sealed record FilesystemTarget(Filesystem Filesystem, IReadOnlyList<string> SourceIds, IReadOnlyList<string> Devices, bool Resized)
{
    /// <summary>The label to give it, or null when it had none.</summary>
    public string? Label => Filesystem.Label is { Length: > 0 } label ? label : null;
}

public sealed partial class PlanContext
{
    /// <summary>The source devices a filesystem is on: a btrfs filesystem's in device-id order, else as captured.</summary>
    public static List<string> FilesystemDevices(Filesystem f)
    {
        var ids = f.Btrfs is { Devices.Count: > 0 } b ? b.Devices.OrderBy(x => x.DevId).Select(x => x.DeviceId).ToList() : f.DeviceIds;
        return ids.Count > 0 ? ids : f.DeviceIds;
    }

    /// <summary>The family that makes filesystems of <paramref name="type"/>, or null when none does.</summary>
    public IFilesystemFamily? FilesystemFamily(string type) =>
        Technologies.OfType<IFilesystemFamily>().FirstOrDefault(f => f.Types.Contains(type, StringComparer.Ordinal));

    /// <summary>Adds the mkfs step every filesystem maker ends with: the devices go last on the command line.</summary>
    public PlanStep AddMkfsStep(FilesystemTarget target, List<string> argv)
    {
        var f = target.Filesystem;
        argv.AddRange(target.Devices);
        var description = $"Make {f.Type} on {string.Join(", ", target.Devices)} with UUID {f.Uuid}"
            + (target.Label is null ? "" : $", label {target.Label}") + (target.Resized ? " (resized)" : "");
        return AddStep(StepKinds.Mkfs, f.Id, description, true, target.Devices, target.SourceIds, [f.Id], argv);
    }
}
