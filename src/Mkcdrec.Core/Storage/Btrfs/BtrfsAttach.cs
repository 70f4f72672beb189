using Mkcdrec.Core.Platform;
using Mkcdrec.Model.Layout;

namespace Mkcdrec.Core.Storage.Btrfs;

public sealed partial class BtrfsTechnology
{
    /// <summary>A btrfs of several devices mounts only once the kernel knows them all: scanned once their devices are up.</summary>
    public void Attach(AttachContext context)
    {
        if (!context.Layout.Filesystems.Any(f => f.Type == FilesystemTypes.Btrfs && f.DeviceIds.Count > 1))
        {
            return;
        }

        var r = context.Run.Run(new ProcessRequest("btrfs", ["device", "scan"]));
        if (r.ExitCode != 0)
        {
            context.Say("warning: btrfs device scan: " + AttachContext.Why(r)); // the mount that needs it says what is missing
        }
    }
}
