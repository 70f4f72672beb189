using Mkcdrec.Core.Platform;
using Mkcdrec.Model.Layout;
using static Mkcdrec.Core.Storage.Btrfs.BtrfsCommandOutput;

namespace Mkcdrec.Core.Storage.Btrfs;

/// <summary>
/// Capture: a btrfs filesystem's parameters, devices, profiles and subvolumes. The filesystems technology finds btrfs
/// filesystems with the others (in device order) and hands them here, so btrfs has no pass of its own.
/// </summary>
public sealed partial class BtrfsTechnology : IFilesystemFamily
{
    public IReadOnlyCollection<string> Types { get; } = [FilesystemTypes.Btrfs];

    public void ReadParameters(CaptureContext context, FoundFilesystem found)
    {
        var names = found.KernelNames;
        var b = new BtrfsParameters();
        var superText = context.Run.RunChecked(new ProcessRequest("btrfs", ["inspect-internal", "dump-super", found.DevicePath])).StandardOutput;
        (b.NodeSize, b.SectorSize) = ParseDumpSuper(superText);
        foreach (var n in names)
        {
            var super = n == names[0] ? superText : context.Run.Run(new ProcessRequest("btrfs", ["inspect-internal", "dump-super", "/dev/" + n])).StandardOutput;
            b.Devices.Add(new BtrfsDevice { DeviceId = context.IdOf[n], DevId = ParseDevId(super), SubUuid = context.Probes[n].GetValueOrDefault("UUID_SUB") });
        }

        b.Devices.Sort((x, y) => x.DevId.CompareTo(y.DevId));
        // Profiles and subvolumes are read through a mount of the filesystem (any subvolume shows them all with -a).
        var topMount = context.MountInfo.FirstOrDefault(m => m.FsType == "btrfs" && context.KernelNameOf(m.Source) is { } k && names.Contains(k));
        if (topMount is not null)
        {
            ReadMounted(context, b, topMount.MountPoint);
        }
        else
        {
            ReadUnmounted(context, b, found);
        }

        found.Filesystem.Btrfs = b;
    }

    private static void ReadMounted(CaptureContext context, BtrfsParameters b, string mnt)
    {
        string Ask(params string[] args) => context.Run.RunChecked(new ProcessRequest("btrfs", args)).StandardOutput;
        (b.DataProfile, b.MetadataProfile, b.SystemProfile) = ParseDf(Ask("filesystem", "df", "-b", mnt));
        var ro = ParseSubvolumeList(Ask("subvolume", "list", "-a", "-r", "-p", mnt)).Select(s => s.Id).ToHashSet();
        b.Subvolumes = ParseSubvolumeList(Ask("subvolume", "list", "-a", "-p", mnt), ro);
        b.DefaultSubvolumeId = ParseDefault(Ask("subvolume", "get-default", mnt));
    }
}
