using Mkcdrec.Core.Platform;
using Mkcdrec.Model.Layout;
using Mkcdrec.Model.Plan;

namespace Mkcdrec.Core.Storage.Bcache;

public sealed partial class BcacheTechnology
{
    /// <summary>
    /// Each recreated backing device's new UUID: make-bcache cannot be told one (its -U is compiled out in every
    /// bcache-tools), so /dev/bcache/by-uuid/ names change. Read back with bcache-super-show. fstab and crypttab, the only
    /// files that name a bcache device, are rewritten from these changes by the mounts and LUKS technologies, so bcache has
    /// no RewriteConfiguration. The cache set UUID is kept (--cset-uuid) and the kernel names come back in order (see
    /// <see cref="PrepareDevices"/>). Not called yet on this branch: the per-technology ProbeIdChanges hook lives on the
    /// `core` branch; once it is merged this becomes ProbeIdChanges(IdProbeContext c) => ProbeIdChanges(c.Layout, c.Plan, c.Run).
    /// </summary>
    public IEnumerable<IdChange> ProbeIdChanges(LayoutDocument layout, RecoveryPlan plan, IProcessRunner run)
    {
        foreach (var b in layout.Bcache.Where(b => b.BackingUuid.Length > 0))
        {
            var step = plan.Steps.FirstOrDefault(s => s.Kind == StepKinds.BcacheCreate && s.Provides.Contains(b.Id));
            if (step is null || step.Devices.Count == 0)
            {
                continue;
            }

            var r = run.Run(new ProcessRequest("bcache-super-show", [step.Devices[0]]));
            var got = r.ExitCode == 0 ? BcacheSuperShowParser.Parse(r.StandardOutput)?.Uuid : null;
            if (got is { Length: > 0 } && !string.Equals(got, b.BackingUuid, StringComparison.OrdinalIgnoreCase))
            {
                yield return new IdChange("bcache", b.Id, b.BackingUuid, got, false);
            }
        }
    }
}
