using Mkcdrec.Model.Layout;
using Mkcdrec.Model.Plan;

namespace Mkcdrec.Core.Storage.Luks;

/// <summary>LUKS mappings in the storage graph: the device below less the header and key material before the data.</summary>
public sealed partial class LuksTechnology
{
    public IReadOnlyList<string> MemberSignatures => ["crypto_LUKS"];

    public IReadOnlyList<string> StepKindOrder => [StepKinds.LuksFormat, StepKinds.LuksHeaderRestore, StepKinds.LuksOpen];

    public IEnumerable<StackedDevice> DescribeDevices(LayoutDocument layout) => layout.Luks.Select(x => new StackedDevice(x.Id)
    {
        Name = x.MappedPath ?? x.Id,
        Below = [x.DeviceId],
        UsedBy = x.UsedBy,
        MarkUsedBy = id => x.UsedBy = id,
        SizeFrom = (_, sizeOf) => Math.Max(0, sizeOf(x.DeviceId) - DataOffset(x)),
        NeedOnBelow = (graph, _) => graph.DeviceNeed(x.Id) + DataOffset(x),
    });

    /// <summary>Where the data starts: as captured, else cryptsetup's default for the version.</summary>
    internal static long DataOffset(LuksDevice x) => x.DataOffsetBytes ?? (x.Version == 1 ? 2L << 20 : 16L << 20);

    public void KeepOnly(LayoutDocument layout, IReadOnlySet<string> keptIds) => layout.Luks.RemoveAll(x => !keptIds.Contains(x.Id));
}
