using Mkcdrec.Model.Layout;

namespace Mkcdrec.Core.Storage;

/// <summary>
/// A technology that recreates some filesystem types (ext/xfs/vfat/swap, btrfs). The filesystems technology walks every
/// filesystem in one pass, in device order (capture) and in layout order (planning), and hands each to the family of its
/// type: a type no family claims is recorded as unsupported, and planned with a warning that it is not recreated.
/// </summary>
public interface IFilesystemFamily
{
    /// <summary>The blkid TYPE values this family recreates.</summary>
    IReadOnlyCollection<string> Types { get; }

    /// <summary>Fills in the type's parameters; a tool that fails throws <see cref="MkcdrecException"/> (CommandFailed).</summary>
    void ReadParameters(CaptureContext context, FoundFilesystem found);

    /// <summary>Adds the steps that make one filesystem of its types (all its devices are present on the target).</summary>
    void AddMkfsSteps(PlanContext context, FilesystemTarget target);

    /// <summary>Draws what `layout show` lists under a filesystem of its types (btrfs: the subvolumes), below its line.</summary>
    void DrawTreeDetails(LayoutTreeWriter tree, Filesystem filesystem, string indent)
    {
    }
}

/// <summary>A filesystem the filesystems pass found, with what its family needs to read the parameters.</summary>
/// <param name="Filesystem">The layout record (id, type, UUID, label, devices, size and used bytes are set).</param>
/// <param name="KernelNames">The devices that hold it (several for a multi-device btrfs), in kernel-name order.</param>
/// <param name="Probe">blkid's probe of the first device.</param>
/// <param name="MountPoint">Where it is mounted, if it is.</param>
public sealed record FoundFilesystem(Filesystem Filesystem, IReadOnlyList<string> KernelNames, IReadOnlyDictionary<string, string> Probe, string? MountPoint)
{
    /// <summary>The path of the first device.</summary>
    public string DevicePath => "/dev/" + KernelNames[0];
}
