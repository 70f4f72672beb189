using Mkcdrec.Core.Storage;

namespace Mkcdrec.Core.Storage.Btrfs;

/// <summary>btrfs: multi-device filesystems and their subvolumes.</summary>
public sealed partial class BtrfsTechnology : IStorageTechnology
{
    public string Name => "btrfs";
}
