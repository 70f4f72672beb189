using Mkcdrec.Core.Platform;
using Mkcdrec.Model.Plan;

namespace Mkcdrec.Core.Storage.Md;

public sealed partial class MdTechnology
{
    /// <summary>Each created array's UUID as mdadm reports it (mdadm.conf in the initramfs names arrays by it).</summary>
    public IEnumerable<IdChange> ProbeIdChanges(IdProbeContext context)
    {
        foreach (var m in context.Layout.MdArrays)
        {
            var step = context.Plan.Steps.FirstOrDefault(s => s.Kind == StepKinds.MdCreate && s.Provides.Contains(m.Id));
            var array = step?.Commands.SelectMany(c => c.Argv).FirstOrDefault(a => a.StartsWith("/dev/md", StringComparison.Ordinal));
            if (array is null)
            {
                continue;
            }

            var export = context.Run.Run(new ProcessRequest("mdadm", ["--detail", "--export", array])).StandardOutput;
            var got = export.Split('\n').FirstOrDefault(x => x.StartsWith("MD_UUID=", StringComparison.Ordinal))?[8..].Trim();
            if (got is { Length: > 0 } && !IdProbeContext.SameUuid(got, m.Uuid))
            {
                yield return new IdChange("md", m.Id, m.Uuid, got, true);
            }
        }
    }
}
