using Mkcdrec.Core.Boot.Efi;
using Mkcdrec.Core.Boot.Grub;
using Mkcdrec.Core.Network;
using Mkcdrec.Core.Storage;
using Mkcdrec.Core.Storage.Bcache;
using Mkcdrec.Core.Storage.Btrfs;
using Mkcdrec.Core.Storage.Filesystems;
using Mkcdrec.Core.Storage.Luks;
using Mkcdrec.Core.Storage.Lvm;
using Mkcdrec.Core.Storage.Md;
using Mkcdrec.Core.Storage.Mounts;
using Mkcdrec.Core.Storage.Partitions;

namespace Mkcdrec.Core.Registry;

/// <summary>
/// The one list of storage and boot technologies (DESIGN.md convention 4: explicit, no reflection, NativeAOT-safe).
/// The order is the order of every phase: capture, planning, finalize. A device's technology comes after the
/// technologies of the devices it is built on.
/// </summary>
public static class Technologies
{
    public static readonly IReadOnlyList<IStorageTechnology> Storage =
    [
        new PartitionsTechnology(),
        new MdTechnology(),
        new BcacheTechnology(),
        new LuksTechnology(),
        new LvmTechnology(),
        new FilesystemsTechnology(),
        new BtrfsTechnology(),
        new MountsTechnology(),
        new GrubTechnology(),
        new EfiTechnology(),
        new NetworkTechnology(),
    ];
}
