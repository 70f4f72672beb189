namespace Mkcdrec.Core.Destinations.Routing;

/// <summary>
/// A backup named by URL at a destination that keeps several: DEST/HOST/TIME, or DEST/HOST/latest for the newest
/// complete one. Split into the destination (whose store lists the backups) and the name inside it.
/// </summary>
public sealed record StoredBackupPath(DestinationUrl Destination, string Host, string Time)
{
    public const string Latest = "latest";

    public static StoredBackupPath Parse(DestinationUrl url)
    {
        var parts = url.Path.TrimEnd('/').Split('/');
        if (parts.Length < 3 || parts[^1].Length == 0 || parts[^2].Length == 0)
        {
            throw new MkcdrecException(ExitCode.Usage, $"'{url}' does not name a backup: it must end in /HOST/TIME or /HOST/latest.",
                $"List the backups there with: mkcdrec backups list {url}");
        }

        var parentPath = string.Join('/', parts[..^2]);
        return new StoredBackupPath(url.WithPath(parentPath.Length == 0 ? "/" : parentPath), parts[^2], parts[^1]);
    }

    /// <summary>The backup's name in the store: HOST/TIME, the newest complete one for 'latest'.</summary>
    public string Resolve(IBackupStore store)
    {
        if (Time != Latest)
        {
            var name = Host + "/" + Time;
            if (!BackupCatalog.List(store, Host).Any(b => b.Name == name && b.Complete))
            {
                throw new MkcdrecException(ExitCode.BadInput, $"There is no complete backup {name} at {store.Display}.",
                    $"List what is there with: mkcdrec backups list {Destination}");
            }

            return name;
        }

        return (BackupCatalog.Latest(store, Host) ?? throw new MkcdrecException(ExitCode.BadInput,
            $"There is no complete backup of '{Host}' at {store.Display}.", $"List what is there with: mkcdrec backups list {Destination}")).Name;
    }
}
