using Mkcdrec.Core.Platform;
using Mkcdrec.Model.Plan;

namespace Mkcdrec.Core.Storage.Luks;

public sealed partial class LuksTechnology
{
    /// <summary>Each formatted container's UUID (crypttab and the initramfs name containers by it: always boot-critical).</summary>
    public IEnumerable<IdChange> ProbeIdChanges(IdProbeContext context)
    {
        foreach (var l in context.Layout.Luks)
        {
            if ((context.MadeBy(StepKinds.LuksFormat, l.Id) ?? context.MadeBy(StepKinds.LuksHeaderRestore, l.Id)) is not { } device)
            {
                continue;
            }

            var got = context.Run.Run(new ProcessRequest("cryptsetup", ["luksUUID", device])).StandardOutput.Trim();
            if (got.Length > 0 && !IdProbeContext.SameUuid(got, l.Uuid))
            {
                yield return new IdChange("luks", l.Id, l.Uuid, got, true);
            }
        }
    }
}
