using System.Globalization;
using Mkcdrec.Model.Layout;

namespace Mkcdrec.Core.Storage.Btrfs;

public sealed partial class BtrfsTechnology
{
    /// <summary>mkfs.btrfs over all its devices with the original UUID, label, profiles and sizes, then its subvolumes.</summary>
    public void AddMkfsSteps(PlanContext context, FilesystemTarget target)
    {
        var f = target.Filesystem;
        var argv = new List<string> { "mkfs.btrfs", "-f" };
        if (f.Uuid is not null)
        {
            argv.AddRange(["-U", f.Uuid]);
        }

        if (target.Label is not null)
        {
            argv.AddRange(["-L", target.Label]);
        }

        if (f.Btrfs is { } btrfs)
        {
            AddProfiles(argv, btrfs);
        }

        context.AddMkfsStep(target, argv);
        AddSubvolumes(context, f, target.Devices);
    }

    private static void AddProfiles(List<string> argv, BtrfsParameters btrfs)
    {
        if (btrfs.DataProfile is { Length: > 0 })
        {
            argv.AddRange(["-d", btrfs.DataProfile]);
        }

        if (btrfs.MetadataProfile is { Length: > 0 })
        {
            argv.AddRange(["-m", btrfs.MetadataProfile]);
        }

        if (btrfs.NodeSize is > 0)
        {
            argv.AddRange(["-n", btrfs.NodeSize.Value.ToString(CultureInfo.InvariantCulture)]);
        }

        if (btrfs.SectorSize is > 0)
        {
            argv.AddRange(["-s", btrfs.SectorSize.Value.ToString(CultureInfo.InvariantCulture)]);
        }
    }
}
