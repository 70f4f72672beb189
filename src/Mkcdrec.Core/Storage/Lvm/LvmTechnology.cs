using Mkcdrec.Core.Storage;

namespace Mkcdrec.Core.Storage.Lvm;

/// <summary>LVM: physical volumes, volume groups and logical volumes (thin pools too), with their original UUIDs.</summary>
public sealed partial class LvmTechnology : IStorageTechnology
{
    public string Name => "lvm";
}
