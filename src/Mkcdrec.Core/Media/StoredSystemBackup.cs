using Mkcdrec.Core.Destinations;
using Mkcdrec.Core.Destinations.Routing;
using Mkcdrec.Core.Workflows;
using Mkcdrec.Model.Layout;

namespace Mkcdrec.Core.Media;

/// <summary>
/// A new whole-system backup sent to a destination that keeps named backups (mkbackup --dest, or --backup-dir with
/// --incremental): the medium carries no backup, and its boot entries name DEST/HOST/latest, so a later mkbackuponly
/// to the same destination is what a recovery takes.
/// </summary>
public sealed class StoredSystemBackup(StoreBackupWorkflow workflow, IBackupStore store, DestinationUrl destination, BackupOptions options) : IBackupSource
{
    public StoreBackupResult? Result { get; private set; }

    /// <summary>What the rescue system fetches (set once the backup is made); null for a directory of this machine
    /// (mkbackup --backup-dir --incremental), which the medium finds by its filesystem instead (<see cref="LatestInDirectory"/>).</summary>
    public string? RescueUrl { get; private set; }

    /// <summary>For a directory destination: HOST/latest, the path under it the medium names.</summary>
    public string? LatestInDirectory { get; private set; }

    public string? Make(LayoutDocument layout, string destinationDirectory)
    {
        Result = workflow.Run(layout, store, options);
        if (destination.Kind == DestinationKind.Directory)
        {
            LatestInDirectory = Result.Name.Split('/')[0] + "/" + StoredBackupPath.Latest;
        }
        else
        {
            RescueUrl = RescueUrlFor(destination, Result.Name);
        }

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
