using Mkcdrec.Core.Destinations.S3;
using Mkcdrec.Core.Platform;
using Mkcdrec.Core.Destinations.Sftp;

namespace Mkcdrec.Core.Destinations.Routing;

/// <summary>Opens the <see cref="IBackupStore"/> of a destination URL off the machine.</summary>
public static class BackupStores
{
    /// <param name="warn">Told of retries and the like (a line for the log).</param>
    /// <param name="processes">Starts ssh for sftp:// destinations.</param>
    public static IBackupStore Open(DestinationUrl url, Action<string> warn, IPipedProcessStarter processes) => url.Kind switch
    {
        DestinationKind.S3 => S3BackupStore.Open(url, Environment.GetEnvironmentVariable, warn),
        DestinationKind.Http => throw new MkcdrecException(ExitCode.Usage, $"'{url}' is read-only: backups are fetched over http(s), not written.",
            "Give a directory, or an s3:// destination (docs/destinations.md)."),
        DestinationKind.Sftp => SftpBackupStore.Open(url, processes),
        DestinationKind.Nfs => throw new MkcdrecException(ExitCode.Usage,
            $"Backups cannot go to {url.Kind.ToString().ToLowerInvariant()}:// destinations yet ('{url}').",
            "Mount the NFS export and give its directory, or use an sftp:// or s3:// destination (docs/destinations.md, 'Not built yet')."),
        _ => throw new MkcdrecException(ExitCode.Usage, $"'{url}' is a directory, not a destination off the machine.", "Give it as --dest DIR."),
    };
}
