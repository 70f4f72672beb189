using Mkcdrec.Core.Destinations.Local;
using Mkcdrec.Core.Destinations.Nfs;
using Mkcdrec.Core.Destinations.S3;
using Mkcdrec.Core.Destinations.Sftp;
using Mkcdrec.Core.Platform;

namespace Mkcdrec.Core.Destinations.Routing;

/// <summary>Opens the <see cref="IBackupStore"/> of a destination URL.</summary>
public static class BackupStores
{
    /// <param name="warn">Told of retries and the like (a line for the log).</param>
    /// <param name="runner">Runs mount.nfs for nfs:// destinations.</param>
    /// <param name="processes">Starts ssh for sftp:// destinations.</param>
    /// <param name="credentials">A secrets directory's ssh and s3 files; null: the admin's own.</param>
    public static IBackupStore Open(DestinationUrl url, Action<string> warn, IProcessRunner runner, IPipedProcessStarter processes,
        DestinationCredentials? credentials = null) => url.Kind switch
    {
        DestinationKind.S3 => OpenS3(url, warn, credentials ?? DestinationCredentials.Own, Environment.GetEnvironmentVariable),
        DestinationKind.Http => throw new MkcdrecException(ExitCode.Usage, $"'{url}' is read-only: backups are fetched over http(s), not written or listed.",
            "Give a directory, or an sftp://, nfs:// or s3:// destination (docs/destinations.md)."),
        DestinationKind.Sftp => SftpBackupStore.Open(url, processes, credentials),
        DestinationKind.Nfs => NfsBackupStore.Open(url, runner),
        _ => DirectoryBackupStore.Open(url.Path),
    };

    /// <summary>An S3 store with the keys of the credentials' files, else the environment and ~/.aws, else typed if it may ask.</summary>
    public static S3BackupStore OpenS3(DestinationUrl url, Action<string> warn, DestinationCredentials credentials, Func<string, string?> getenv) =>
        S3BackupStore.Open(url, credentials.S3Environment(getenv), warn,
            ask: () => credentials.AskForS3(url.Option("endpoint") ?? "AWS S3") is { } typed ? new AwsCredentials(typed.KeyId, typed.Secret) : null, tls: credentials.Trust);
}
