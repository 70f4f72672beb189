using Mkcdrec.Core.Storage;

namespace Mkcdrec.Core.Storage.Md;

/// <summary>Linux software RAID (md), created by mdadm with the original UUID, name and geometry.</summary>
public sealed partial class MdTechnology : IStorageTechnology
{
    public string Name => "md";
}
