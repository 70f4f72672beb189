using Mkcdrec.Model.Layout;
using Mkcdrec.Model.Plan;

namespace Mkcdrec.Core.Storage.Filesystems;

/// <summary>ext, xfs, vfat and swap in the storage graph: what a filesystem asks of its device (its used bytes with the margin).</summary>
public sealed partial class FilesystemsTechnology
{
    public IReadOnlyList<string> StepKindOrder => [StepKinds.Mkfs, StepKinds.Mkswap];

    public IEnumerable<StackedDevice> DescribeDevices(LayoutDocument layout) =>
        layout.Filesystems.Where(f => Types.Contains(f.Type)).Select(f => new StackedDevice(f.Id)
        {
            Name = f.Type + " " + f.Uuid,
            Below = f.DeviceIds,
            IsBlockDevice = false,
            // xfs cannot be made much smaller than 300 MiB.
            NeedOnBelow = (graph, _) => graph.UsedWithMargin(f, f.Type == FilesystemTypes.Xfs ? 300L << 20 : 0),
        });

    /// <summary>--disk keeps the filesystems on what it keeps, of every type (the families only describe their own).</summary>
    public void KeepOnly(LayoutDocument layout, IReadOnlySet<string> keptIds) => layout.Filesystems.RemoveAll(f => !keptIds.Contains(f.Id));
}
