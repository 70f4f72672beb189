using Mkcdrec.Core.Platform;

namespace Mkcdrec.Core.Destinations.S3;

/// <summary>
/// Backups in an S3 bucket under the URL's prefix: volumes stream into multipart uploads (<see cref="S3UploadFile"/>),
/// small files are single PUTs. An object exists only once its upload completed, so nothing half-written is listed.
/// </summary>
public sealed class S3BackupStore(S3Client client, string credentialsSource) : IBackupStore, IAbandonedUploads
{
    public S3Client Client { get; } = client;

    /// <summary>Where the credentials came from (the environment, a profile in a file), for the log; never the secret.</summary>
    public string CredentialsSource { get; } = credentialsSource;

    public string Display => Client.Location.ToString();

    public string DisplayOf(string name) => $"s3://{Client.Location.Bucket}/{Client.Location.Key(name)} at {Client.Location.Endpoint}";

    /// <summary>Opens the store of an s3:// URL with the credentials and region found the AWS way (<see cref="AwsConfigFiles"/>).</summary>
    /// <param name="ask">Asked for the keys when none are found; null: refused.</param>
    /// <param name="tls">Which https endpoints are believed; null: the system's CAs.</param>
    public static S3BackupStore Open(DestinationUrl url, Func<string, string?> getenv, Action<string>? warn = null, HttpMessageHandler? handler = null,
        Func<AwsCredentials?>? ask = null, TlsTrust? tls = null)
    {
        // A service or timer (systemd sets no HOME for root's units) still finds root's ~/.aws: the passwd entry's home.
        var home = getenv("HOME") is { Length: > 0 } h ? h : Environment.GetFolderPath(Environment.SpecialFolder.UserProfile, Environment.SpecialFolderOption.DoNotVerify);
        var settings = AwsConfigFiles.Resolve(getenv, home.Length > 0 ? home : null, url.Option("profile"), url.Option("region"), ask);
        return new S3BackupStore(new S3Client(S3Location.From(url, settings.Region), settings.Credentials, warn, handler, tls: tls), settings.CredentialsSource);
    }

    public IOutputFile Create(string name) => new S3UploadFile(Client, Client.Location.Key(name));

    public void Put(string name, ReadOnlyMemory<byte> data) => Client.PutObject(Client.Location.Key(name), data);

    public IEnumerable<StoredFile> List(string prefix)
    {
        var root = Client.Location.Key("");
        return Client.List(Client.Location.Key(prefix))
            .Where(o => o.Key.StartsWith(root, StringComparison.Ordinal))
            .Select(o => new StoredFile(o.Key[root.Length..], o.Size, o.LastModified));
    }

    public void Delete(string name) => Client.DeleteObject(Client.Location.Key(name));

    public Stream OpenRead(string name, long offset = 0) => Client.GetObject(Client.Location.Key(name), offset);

    public IReadOnlyList<string> AbortAbandonedUploads(string prefix, DateTimeOffset startedBefore)
    {
        var root = Client.Location.Key("");
        var aborted = new List<string>();
        foreach (var u in Client.ListMultipartUploads(Client.Location.Key(prefix)).Where(u => u.Initiated < startedBefore && u.Key.StartsWith(root, StringComparison.Ordinal)).ToList())
        {
            Client.AbortMultipartUpload(u.Key, u.UploadId);
            aborted.Add(u.Key[root.Length..]);
        }

        return aborted;
    }

    public void Dispose() => Client.Dispose();
}
