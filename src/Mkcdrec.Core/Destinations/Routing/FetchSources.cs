using Mkcdrec.Core.Archive;
using Mkcdrec.Core.Destinations.S3;

namespace Mkcdrec.Core.Destinations.Routing;

/// <summary>A backup the fetcher reads: the HTTP(S) URL of its directory and, for S3, the handler that signs each request.</summary>
public sealed record FetchSource(string Url, string Display, Func<HttpMessageHandler, HttpMessageHandler>? WrapHandler);

/// <summary>
/// Turns a backup location given to fetch, verify or recover into what <see cref="BackupFetcher"/> downloads: an
/// http(s):// URL as it is; s3://bucket/prefix/HOST/TIME (or HOST/latest: the newest complete backup of HOST) as the
/// object URL of that backup with SigV4 signing, credentials found the AWS way.
/// </summary>
public static class FetchSources
{
    public const string Latest = "latest";

    /// <summary>True when <paramref name="location"/> is a URL to fetch rather than a local directory.</summary>
    public static bool IsRemote(string location) =>
        BackupFetcher.IsUrl(location) || location.StartsWith("s3://", StringComparison.OrdinalIgnoreCase);

    public static FetchSource Resolve(string location, Func<string, string?> getenv, Action<string>? warn = null)
    {
        if (BackupFetcher.IsUrl(location))
        {
            return new FetchSource(location, BackupFetcher.Redact(BackupFetcher.ParseUrl(location)), null);
        }

        var url = DestinationUrl.Parse(location);
        if (url.Kind != DestinationKind.S3)
        {
            throw new MkcdrecException(ExitCode.Usage, $"A backup cannot be fetched from '{location}' yet: only http(s):// and s3:// are read today.",
                "Mount it (NFS) or copy it here (scp -r) and give the directory instead.");
        }

        using var store = S3BackupStore.Open(url, getenv, warn);
        var loc = store.Client.Location;
        if (loc.Prefix.Split('/') is [.. var dirs, var last] && last == Latest)
        {
            var host = dirs.Length > 0 ? dirs[^1] : "";
            var parent = loc with { Prefix = string.Join('/', dirs[..^1]) };
            using var catalog = new S3BackupStore(new S3Client(parent, store.Client.Credentials, warn), store.CredentialsSource);
            var newest = BackupCatalog.Latest(catalog, host) ?? throw new MkcdrecException(ExitCode.BadInput,
                $"There is no complete backup of '{host}' at s3://{loc.Bucket}/{parent.Prefix}.",
                $"List what is there with: mkcdrec backups list s3://{loc.Bucket}/{parent.Prefix}");
            loc = parent with { Prefix = parent.Key(newest.Name) };
        }

        var (uri, _) = loc.Address(loc.Key(""), []);
        var credentials = store.Client.Credentials;
        return new FetchSource(uri.AbsoluteUri, $"s3://{loc.Bucket}/{loc.Prefix}", inner => new S3SigningHandler(loc, credentials, inner));
    }
}
