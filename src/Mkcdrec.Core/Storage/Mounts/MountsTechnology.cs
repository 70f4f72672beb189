using Mkcdrec.Core.Storage;

namespace Mkcdrec.Core.Storage.Mounts;

/// <summary>Mount points, fstab, crypttab and mdadm.conf as captured; mounts for the restore; fstab rewritten when ids change.</summary>
public sealed partial class MountsTechnology : IStorageTechnology
{
    public string Name => "mounts";
}
