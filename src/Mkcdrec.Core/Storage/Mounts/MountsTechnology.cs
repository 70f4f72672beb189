using Mkcdrec.Core.Storage;
using Mkcdrec.Model.Plan;

namespace Mkcdrec.Core.Storage.Mounts;

/// <summary>Mount points, fstab, crypttab and mdadm.conf as captured; mounts for the restore; fstab rewritten when ids change.</summary>
public sealed partial class MountsTechnology : IStorageTechnology
{
    public string Name => "mounts";

    public IReadOnlyList<string> StepKindOrder => [StepKinds.Mount];

    /// <summary>--disk: the mounts of the filesystems it keeps.</summary>
    public void KeepOnly(Model.Layout.LayoutDocument layout, IReadOnlySet<string> keptIds) => layout.Mounts.RemoveAll(m => !keptIds.Contains(m.FilesystemId));
}
