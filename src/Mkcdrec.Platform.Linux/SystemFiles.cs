using Mkcdrec.Core.Platform;

namespace Mkcdrec.Platform.Linux;

/// <summary>
/// Reads the machine's files. With a non-empty <c>root</c>, every absolute path is looked up under that
/// directory instead: that is how tests replay a recorded /sys, /proc and /etc.
/// </summary>
public sealed class SystemFiles : ISystemFiles
{
    private readonly string _root;

    public SystemFiles(string root = "") => _root = root.TrimEnd('/');

    private string Map(string path) => _root.Length == 0 ? path : _root + (path.StartsWith('/') ? path : "/" + path);

    public bool FileExists(string path) => File.Exists(Map(path));

    public bool DirectoryExists(string path) => Directory.Exists(Map(path));

    public string? ReadText(string path)
    {
        try
        {
            return File.ReadAllText(Map(path));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    public IReadOnlyList<string> ListDirectory(string path)
    {
        var p = Map(path);
        if (!Directory.Exists(p))
        {
            return [];
        }

        return Directory.EnumerateFileSystemEntries(p).Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal).ToList();
    }

    public string? ReadLink(string path)
    {
        try
        {
            var fi = new FileInfo(Map(path));
            return fi.LinkTarget;
        }
        catch (IOException)
        {
            return null;
        }
    }

    public Stream OpenRead(string path) =>
        new FileStream(Map(path), FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1, FileOptions.None);
}
