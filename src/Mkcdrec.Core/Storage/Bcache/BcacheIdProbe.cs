using Mkcdrec.Core.Platform;
using Mkcdrec.Model.Plan;

namespace Mkcdrec.Core.Storage.Bcache;

public sealed partial class BcacheTechnology
{
    /// <summary>
    /// Each recreated backing device's new UUID: make-bcache cannot be told one (its -U is compiled out in every
    /// bcache-tools), so /dev/bcache/by-uuid/ names change. Read back with bcache-super-show. fstab and crypttab, the only
    /// files that name a bcache device, are rewritten from these changes by the mounts and LUKS technologies, so bcache has
    /// no RewriteConfiguration. Not boot-critical: the initramfs registers bcache devices by scanning, not by UUID. The
    /// cache set UUID is kept (--cset-uuid) and the kernel names come back in order (<see cref="PrepareDevices"/>).
    /// </summary>
    public IEnumerable<IdChange> ProbeIdChanges(IdProbeContext context)
    {
        foreach (var b in context.Layout.Bcache.Where(b => b.BackingUuid.Length > 0))
        {
            if (context.MadeBy(CreateStep, b.Id) is not { } backing)
            {
                continue;
            }

            var r = context.Run.Run(new ProcessRequest("bcache-super-show", [backing]));
            var got = r.ExitCode == 0 ? BcacheSuperShowParser.Parse(r.StandardOutput)?.Uuid : null;
            if (got is { Length: > 0 } && !IdProbeContext.SameUuid(got, b.BackingUuid))
            {
                yield return new IdChange("bcache", b.Id, b.BackingUuid, got, false);
            }
        }
    }
}
