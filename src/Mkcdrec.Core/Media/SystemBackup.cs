using Mkcdrec.Core.Workflows;
using Mkcdrec.Model.Layout;

namespace Mkcdrec.Core.Media;

/// <summary>A new whole-system backup made by <see cref="BackupWorkflow"/> (the same one mkbackuponly runs).</summary>
/// <param name="openChain">mkbackup --incremental with the backup on the ISO: opens the chain the previous ISO carries,
/// after the layout is captured (so its loop mount is no part of the layout); disposed with this.</param>
public sealed class SystemBackup(BackupWorkflow workflow, BackupOptions options, Func<CarriedChain>? openChain = null) : IBackupSource, IDisposable
{
    public BackupResult? Result { get; private set; }

    /// <summary>The chain the new ISO carries, once <see cref="Make"/> opened it; null without --incremental.</summary>
    public CarriedChain? Chain { get; private set; }

    public string? Make(LayoutDocument layout, string destination)
    {
        Chain = openChain?.Invoke();
        Result = workflow.Run(layout, destination, options, parent: Chain?.ParentFor(layout.Host.Hostname, options.MaxIncrements, options.Passphrase));
        return Result.Directory;
    }

    public void Dispose() => Chain?.Dispose();

    /// <summary>
    /// The volume size for a backup that goes onto media of <paramref name="capacity"/> bytes: a quarter of the room
    /// on a medium (so the first medium, which also carries the rescue system, still takes some), at least 1 MiB and
    /// under the ISO9660 file size limit.
    /// </summary>
    public static long VolumeSizeFor(long capacity)
    {
        var room = capacity - MediumPlanner.IsoOverhead - (1L << 20);
        var v = room / 4 / (1L << 20) * (1L << 20);
        return Math.Clamp(v, 1L << 20, (4L << 30) - (1L << 20));
    }
}
