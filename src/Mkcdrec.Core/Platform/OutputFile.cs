namespace Mkcdrec.Core.Platform;

/// <summary>
/// A file written once, front to back, and made durable at the end: a backup volume. Implementations may bypass the
/// page cache. Disposing without <see cref="Commit"/> abandons what was not yet written (the caller deletes the file).
/// </summary>
public interface IOutputFile : IDisposable
{
    /// <summary>The file's path, for messages.</summary>
    string Path { get; }

    /// <summary>True while whole blocks are written around the page cache (O_DIRECT).</summary>
    bool BypassesPageCache { get; }

    /// <summary>Appends to the file (data may stay buffered until <see cref="Commit"/>).</summary>
    void Write(ReadOnlySpan<byte> data);

    /// <summary>Writes everything buffered and returns when the file's content is on stable storage (fsync).</summary>
    void Commit();
}

/// <summary>The portable <see cref="IOutputFile"/>: a FileStream through the page cache, fsynced by <see cref="Commit"/>.</summary>
public sealed class BufferedOutputFile : IOutputFile
{
    private readonly FileStream _stream;

    public BufferedOutputFile(string path)
    {
        Path = path;
        _stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, 1, FileOptions.None);
    }

    public string Path { get; }

    public bool BypassesPageCache => false;

    public void Write(ReadOnlySpan<byte> data) => _stream.Write(data);

    public void Commit() => FileSync.Sync(_stream);

    public void Dispose() => _stream.Dispose();
}
