using Mkcdrec.Model.Layout;

namespace Mkcdrec.Core.Storage;

/// <summary>
/// A technology that recreates some filesystem types (ext/xfs/vfat/swap, btrfs). The filesystems technology finds
/// every filesystem blkid saw in one pass, in device order, and hands each to the family of its type for the parameters;
/// a type no family claims is recorded as unsupported.
/// </summary>
public interface IFilesystemFamily
{
    /// <summary>The blkid TYPE values this family recreates.</summary>
    IReadOnlyCollection<string> Types { get; }

    /// <summary>Fills in the type's parameters; a tool that fails throws <see cref="MkcdrecException"/> (CommandFailed).</summary>
    void ReadParameters(CaptureContext context, FoundFilesystem found);
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
