using Mkcdrec.Core.Destinations;
using Mkcdrec.Core.Destinations.Routing;
using Mkcdrec.Core.Workflows;
using Mkcdrec.Model.Layout;

namespace Mkcdrec.Core.Media;

/// <summary>
/// A new whole-system backup sent to a destination off the machine (mkbackup --dest): the medium carries no backup, and
/// its boot entries name DEST/HOST/latest, so a later mkbackuponly to the same destination is what a recovery takes.
/// </summary>
public sealed class StoredSystemBackup(StoreBackupWorkflow workflow, IBackupStore store, DestinationUrl destination, BackupOptions options) : IBackupSource
{
    public StoreBackupResult? Result { get; private set; }

    /// <summary>What the rescue system fetches (set once the backup is made).</summary>
    public string? RescueUrl { get; private set; }

    public string? Make(LayoutDocument layout, string destinationDirectory)
    {
        Result = workflow.Run(layout, store, options);
        RescueUrl = RescueUrlFor(destination, Result.Name);
        return null;
    }

    /// <summary>DEST/HOST/latest, without the options that name files on this host (?identity=, ?config=): the rescue
    /// system gets its ssh keys and known_hosts from the keys medium instead (docs/secrets.md).</summary>
    public static string RescueUrlFor(DestinationUrl destination, string backupName)
    {
        var host = backupName.Split('/')[0];
        var portable = destination.WithoutOptions("identity", "config");
        return portable.WithPath(portable.Path.TrimEnd('/') + "/" + host + "/" + StoredBackupPath.Latest).Text;
    }
}
