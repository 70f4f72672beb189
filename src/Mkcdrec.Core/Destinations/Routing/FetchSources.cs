using Mkcdrec.Core.Archive;
using Mkcdrec.Core.Destinations.S3;
using Mkcdrec.Core.Platform;

namespace Mkcdrec.Core.Destinations.Routing;

/// <summary>
/// A backup the fetcher reads: the HTTP(S) URL of its directory and, for S3, the handler that signs each request; for
/// SFTP and NFS, a handler that serves the files from the open store (<see cref="Owner"/>, closed on Dispose).
/// </summary>
public sealed record FetchSource(string Url, string Display, Func<HttpMessageHandler, HttpMessageHandler>? WrapHandler) : IDisposable
{
    public IDisposable? Owner { get; init; }

    public void Dispose() => Owner?.Dispose();
}

/// <summary>
/// Turns a backup location given to fetch, verify or recover into what <see cref="BackupFetcher"/> downloads: an
/// http(s):// URL as it is; s3://bucket/prefix/HOST/TIME (or HOST/latest: the newest complete backup of HOST) as the
/// object URL of that backup with SigV4 signing, credentials found the AWS way; sftp:// and nfs:// through their store.
/// </summary>
public static class FetchSources
{
    public const string Latest = StoredBackupPath.Latest;

    /// <summary>True when <paramref name="location"/> is a URL to fetch rather than a local directory.</summary>
    public static bool IsRemote(string location) =>
        BackupFetcher.IsUrl(location) || HasScheme(location, "s3") || HasScheme(location, "sftp") || HasScheme(location, "nfs");

    public static bool HasScheme(string location, string scheme) => location.StartsWith(scheme + "://", StringComparison.OrdinalIgnoreCase);

    /// <param name="credentials">A secrets directory's ssh and s3 files (the keys medium in the rescue system); null: the admin's own.
    /// Its <see cref="DestinationCredentials.Trust"/> is for the store's own requests; the fetch takes it in <see cref="BackupFetchOptions.Tls"/>.</param>
    public static FetchSource Resolve(string location, Func<string, string?> getenv, Action<string> warn, IProcessRunner runner, IPipedProcessStarter processes,
        DestinationCredentials? credentials = null)
    {
        if (BackupFetcher.IsUrl(location))
        {
            return new FetchSource(location, BackupFetcher.Redact(BackupFetcher.ParseUrl(location)), null);
        }

        var url = DestinationUrl.Parse(location);
        if (url.Kind == DestinationKind.S3)
        {
            return FromS3(url, credentials ?? DestinationCredentials.Own, getenv, warn);
        }

        if (url.Kind is not (DestinationKind.Sftp or DestinationKind.Nfs))
        {
            throw new MkcdrecException(ExitCode.Usage, $"'{location}' is a directory, not a URL to fetch from.", "Give the directory to verify or recover directly.");
        }

        var path = StoredBackupPath.Parse(url);
        var store = BackupStores.Open(path.Destination, warn, runner, processes, credentials);
        try
        {
            var name = path.Resolve(store);
            return new FetchSource(StoreHttpHandler.BaseUrl, $"{store.Display}/{name}", _ => new StoreHttpHandler(store, name)) { Owner = store };
        }
        catch
        {
            store.Dispose();
            throw;
        }
    }

    private static FetchSource FromS3(DestinationUrl url, DestinationCredentials credentials, Func<string, string?> getenv, Action<string> warn)
    {
        using var store = BackupStores.OpenS3(url, warn, credentials, getenv);
        var loc = store.Client.Location;
        if (loc.Prefix.Split('/') is [.. var dirs, var last] && last == Latest)
        {
            var host = dirs.Length > 0 ? dirs[^1] : "";
            var parent = loc with { Prefix = string.Join('/', dirs[..^1]) };
            using var catalog = new S3BackupStore(new S3Client(parent, store.Client.Credentials, warn, tls: credentials.Trust), store.CredentialsSource);
            var newest = BackupCatalog.Latest(catalog, host) ?? throw new MkcdrecException(ExitCode.BadInput,
                $"There is no complete backup of '{host}' at s3://{loc.Bucket}/{parent.Prefix}.",
                $"List what is there with: mkcdrec backups list s3://{loc.Bucket}/{parent.Prefix}");
            loc = parent with { Prefix = parent.Key(newest.Name) };
        }

        var (uri, _) = loc.Address(loc.Key(""), []);
        var keys = store.Client.Credentials;
        return new FetchSource(uri.AbsoluteUri, $"s3://{loc.Bucket}/{loc.Prefix}", inner => new S3SigningHandler(loc, keys, inner));
    }
}
