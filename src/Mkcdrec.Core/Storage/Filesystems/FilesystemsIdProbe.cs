using Mkcdrec.Core.Platform;
using Mkcdrec.Model.Layout;
using Mkcdrec.Model.Plan;

namespace Mkcdrec.Core.Storage.Filesystems;

public sealed partial class FilesystemsTechnology
{
    /// <summary>Each made filesystem's and swap area's UUID as blkid reads it from the device (not from a cache).</summary>
    public IEnumerable<IdChange> ProbeIdChanges(IdProbeContext context)
    {
        var rootFs = context.Layout.Mounts.FirstOrDefault(m => m.Target == "/")?.FilesystemId;
        var bootFs = context.Layout.Mounts.FirstOrDefault(m => m.Target == "/boot")?.FilesystemId;
        foreach (var f in context.Layout.Filesystems.Where(f => f.Uuid is not null))
        {
            var device = context.MadeBy(StepKinds.Mkfs, f.Id) ?? context.MadeBy(StepKinds.Mkswap, f.Id);
            if (device is null)
            {
                continue;
            }

            var got = context.Run.Run(new ProcessRequest("blkid", ["-p", "-o", "value", "-s", "UUID", device])).StandardOutput.Trim();
            if (got.Length > 0 && !IdProbeContext.SameUuid(got, f.Uuid!))
            {
                var swap = f.Type == FilesystemTypes.Swap;
                yield return new IdChange(swap ? "swap" : "filesystem", f.Id, f.Uuid!, got, f.Id == rootFs || f.Id == bootFs || swap);
            }
        }
    }
}
