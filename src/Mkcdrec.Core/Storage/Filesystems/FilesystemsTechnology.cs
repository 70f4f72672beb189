using Mkcdrec.Core.Storage;

namespace Mkcdrec.Core.Storage.Filesystems;

/// <summary>ext2/3/4, xfs, vfat and swap: made with their UUIDs, labels and parameters.</summary>
public sealed partial class FilesystemsTechnology : IStorageTechnology
{
    public string Name => "filesystems";
}
