using Mkcdrec.Core.Storage;
using Mkcdrec.Model.Layout;

namespace Mkcdrec.Core.Storage.Mounts;

public sealed partial class MountsTechnology
{
    /// <summary>Mounts as captured, and the fstab and crypttab entries; mount options and fstab lines come back with the restored files.</summary>
    public void AddLayoutFacts(LayoutFacts facts, LayoutDocument layout)
    {
        foreach (var m in layout.Mounts)
        {
            facts.Add($"mount {m.Target}", m.FilesystemId + (m.Subvolume is { } sv && sv != "/" ? $" [{sv}]" : ""));
            facts.Add($"mount {m.Target} options", m.Options, matters: false);
        }

        foreach (var e in layout.Config.FstabEntries)
        {
            facts.Add($"fstab {e.Target}", $"{e.Spec} {e.Type} {e.Options}", matters: false);
        }

        foreach (var c in layout.Config.CrypttabEntries)
        {
            facts.Add($"crypttab {c.Name}", $"{c.Device} {c.KeyFile} {c.Options}");
        }
    }
}
