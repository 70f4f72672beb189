using Mkcdrec.Core.Platform;

namespace Mkcdrec.Core.Destinations;

/// <summary>A file kept at a destination: its name relative to the destination's root, size and time.</summary>
public sealed record StoredFile(string Name, long Size, DateTimeOffset Modified);

/// <summary>
/// A place off the machine where backups are kept (an S3 bucket and prefix; SFTP and NFS to come), addressed by names
/// relative to the destination URL's path ("host/20261203T170000Z/manifest.json"). Files are written whole, front to
/// back, and become visible only when committed, so a reader never sees half a file.
/// </summary>
public interface IBackupStore : IDisposable
{
    /// <summary>The destination as it may be shown and logged (no secret in it).</summary>
    string Display { get; }

    /// <summary>A file or backup in it as it may be shown: the destination's URL and the name.</summary>
    string DisplayOf(string name) => $"{Display}/{name}";

    /// <summary>A file written as it is produced (a backup volume); visible at <paramref name="name"/> only after Commit.</summary>
    IOutputFile Create(string name);

    /// <summary>Writes a small file whole (a manifest, a layout).</summary>
    void Put(string name, ReadOnlyMemory<byte> data);

    /// <summary>Every file whose name starts with <paramref name="prefix"/> ("" for all), in name order.</summary>
    IEnumerable<StoredFile> List(string prefix);

    /// <summary>Removes a file; a missing one is no error.</summary>
    void Delete(string name);

    /// <summary>Reads a file front to back from byte <paramref name="offset"/> (a read broken off goes on where it stopped).</summary>
    Stream OpenRead(string name, long offset = 0);

    /// <summary>
    /// After a failed read: whether the connection itself broke (ssh ended), so the next <see cref="OpenRead"/> opens a
    /// new one. Stores whose every request makes its own connection (S3 over HTTP) have nothing to say.
    /// </summary>
    bool ConnectionBroken => false;

    /// <summary>A small file whole (a manifest, a layout).</summary>
    byte[] ReadAll(string name)
    {
        using var s = OpenRead(name);
        using var ms = new MemoryStream();
        s.CopyTo(ms);
        return ms.ToArray();
    }
}

/// <summary>
/// A store where an interrupted write can leave something no listing shows: S3's multipart uploads, whose parts stay
/// stored (and billed) until aborted. The backup run aborts those of its host that an interrupted run left.
/// </summary>
public interface IAbandonedUploads
{
    /// <summary>Aborts the uploads under <paramref name="prefix"/> begun before <paramref name="startedBefore"/>; returns their names.</summary>
    IReadOnlyList<string> AbortAbandonedUploads(string prefix, DateTimeOffset startedBefore);
}
