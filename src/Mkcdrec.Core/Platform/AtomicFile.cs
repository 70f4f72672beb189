using System.Text;

namespace Mkcdrec.Core.Platform;

/// <summary>
/// A file that is never seen half-written: written under a hidden temporary name in the target's directory, fsynced,
/// renamed over the target on <see cref="Commit"/>, and the directory fsynced so the rename survives a crash.
/// Disposing without <see cref="Commit"/> deletes the temporary file and leaves any old target as it was.
/// </summary>
public sealed class AtomicFile : IDisposable
{
    private readonly IDirectorySync _directorySync;
    private FileStream? _stream;
    private bool _done;

    private AtomicFile(string path, IDirectorySync? directorySync)
    {
        Path = System.IO.Path.GetFullPath(path);
        TempPath = TempPathFor(Path);
        _directorySync = directorySync ?? PosixDirectorySync.Instance;
    }

    /// <summary>The target.</summary>
    public string Path { get; }

    /// <summary>Where the content goes until <see cref="Commit"/>; another program may write it instead of <see cref="Stream"/>.</summary>
    public string TempPath { get; }

    /// <summary>The temporary file, created (truncated) on first use.</summary>
    public FileStream Stream => _stream ??= new FileStream(TempPath, FileMode.Create, FileAccess.ReadWrite, FileShare.Read);

    /// <summary>Starts an atomic write of <paramref name="path"/>; nothing is created until <see cref="Stream"/> is used.</summary>
    public static AtomicFile Create(string path, IDirectorySync? directorySync = null) => new(path, directorySync);

    /// <summary>The hidden temporary name for <paramref name="path"/>, in the same directory (so the rename is atomic).</summary>
    public static string TempPathFor(string path)
    {
        var full = System.IO.Path.GetFullPath(path);
        return System.IO.Path.Combine(System.IO.Path.GetDirectoryName(full)!, $".{System.IO.Path.GetFileName(full)}.tmp-{Environment.ProcessId}");
    }

    /// <summary>
    /// Deletes the temporary files of <paramref name="path"/> that a run which no longer exists left (a power cut or a
    /// kill before its commit): ".NAME.tmp-PID" whose PID is no running process. A medium's can be as large as the
    /// medium, and nothing else would ever remove it. Returns the names deleted.
    /// </summary>
    public static IReadOnlyList<string> RemoveAbandonedTemps(string path)
    {
        var full = System.IO.Path.GetFullPath(path);
        var dir = System.IO.Path.GetDirectoryName(full)!;
        var prefix = $".{System.IO.Path.GetFileName(full)}.tmp-";
        var removed = new List<string>();
        if (!Directory.Exists(dir))
        {
            return removed;
        }

        foreach (var temp in Directory.EnumerateFiles(dir, prefix + "*"))
        {
            var pid = System.IO.Path.GetFileName(temp)[prefix.Length..];
            if (int.TryParse(pid, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n)
                && n != Environment.ProcessId && !Directory.Exists($"/proc/{n}"))
            {
                File.Delete(temp);
                removed.Add(temp);
            }
        }

        return removed;
    }

    public static void WriteAllBytes(string path, ReadOnlySpan<byte> content, IDirectorySync? directorySync = null)
    {
        using var file = Create(path, directorySync);
        file.Stream.Write(content);
        file.Commit();
    }

    /// <summary>Writes <paramref name="content"/> as UTF-8 without a byte order mark.</summary>
    public static void WriteAllText(string path, string content, IDirectorySync? directorySync = null) =>
        WriteAllBytes(path, Encoding.UTF8.GetBytes(content), directorySync);

    /// <summary>Lets <paramref name="write"/> fill the temporary file, then commits; an exception abandons the write.</summary>
    public static void Write(string path, Action<Stream> write, IDirectorySync? directorySync = null)
    {
        using var file = Create(path, directorySync);
        write(file.Stream);
        file.Commit();
    }

    /// <summary>
    /// Commits a temporary file made elsewhere (a resumable download keeps its own name across runs): fsync,
    /// rename over <paramref name="path"/>, fsync of the directory.
    /// </summary>
    public static void Replace(string tempPath, string path, IDirectorySync? directorySync = null)
    {
        using (var f = new FileStream(tempPath, FileMode.Open, FileAccess.ReadWrite, FileShare.Read))
        {
            FileSync.Sync(f);
        }

        MoveAndSync(tempPath, System.IO.Path.GetFullPath(path), directorySync ?? PosixDirectorySync.Instance);
    }

    /// <summary>Makes the content durable and visible under <see cref="Path"/>.</summary>
    public void Commit()
    {
        ObjectDisposedException.ThrowIf(_done, this);
        if (_stream is null)
        {
            Replace(TempPath, Path, _directorySync);
        }
        else
        {
            FileSync.Sync(_stream);
            _stream.Dispose();
            MoveAndSync(TempPath, Path, _directorySync);
        }

        _done = true;
    }

    /// <summary>Abandons the write unless it was committed: the temporary file goes, the target stays as it was.</summary>
    public void Dispose()
    {
        _stream?.Dispose();
        if (!_done)
        {
            _done = true;
            try
            {
                File.Delete(TempPath);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // cleanup after a failure must not hide that failure
            }
        }
    }

    private static void MoveAndSync(string tempPath, string path, IDirectorySync directorySync)
    {
        File.Move(tempPath, path, overwrite: true);
        directorySync.SyncDirectory(System.IO.Path.GetDirectoryName(path)!);
    }
}
