using System.Text;
using Mkcdrec.Core.Platform;

namespace Mkcdrec.Core.Tests.Rescue;

/// <summary>An in-memory file tree with symbolic links, resolved like the kernel resolves paths.</summary>
public sealed class FakeFiles : ISystemFiles
{
    private readonly Dictionary<string, byte[]> _files = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _links = new(StringComparer.Ordinal);

    public FakeFiles File(string path, byte[] data)
    {
        _files[path] = data;
        return this;
    }

    public FakeFiles Text(string path, string text) => File(path, Encoding.UTF8.GetBytes(text));

    public FakeFiles Link(string path, string target)
    {
        _links[path] = target;
        return this;
    }

    /// <summary>Resolves links in every component (the last one too when <paramref name="followLast"/>).</summary>
    private string? Resolve(string path, bool followLast, int depth = 0)
    {
        if (depth > 40)
        {
            return null;
        }

        var parts = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var cur = "";
        for (var i = 0; i < parts.Length; i++)
        {
            var p = parts[i];
            if (p == ".")
            {
                continue;
            }

            if (p == "..")
            {
                cur = cur.Length == 0 ? "" : cur[..cur.LastIndexOf('/')];
                continue;
            }

            var next = cur + "/" + p;
            var last = i == parts.Length - 1;
            if (_links.TryGetValue(next, out var target) && (!last || followLast))
            {
                var resolved = Resolve(target.StartsWith('/') ? target : cur + "/" + target, true, depth + 1);
                if (resolved is null)
                {
                    return null;
                }

                cur = resolved == "/" ? "" : resolved;
            }
            else
            {
                cur = next;
            }
        }

        return cur.Length == 0 ? "/" : cur;
    }

    public bool FileExists(string path) => Resolve(path, true) is { } r && _files.ContainsKey(r);

    public bool DirectoryExists(string path) =>
        Resolve(path, true) is { } r && _files.Keys.Concat(_links.Keys).Any(k => k.StartsWith(r.TrimEnd('/') + "/", StringComparison.Ordinal));

    public string? ReadText(string path) =>
        Resolve(path, true) is { } r && _files.TryGetValue(r, out var d) ? Encoding.UTF8.GetString(d) : null;

    public IReadOnlyList<string> ListDirectory(string path)
    {
        if (Resolve(path, true) is not { } r)
        {
            return [];
        }

        var prefix = r.TrimEnd('/') + "/";
        return _files.Keys.Concat(_links.Keys)
            .Where(k => k.StartsWith(prefix, StringComparison.Ordinal))
            .Select(k => k[prefix.Length..].Split('/')[0])
            .Distinct().Order(StringComparer.Ordinal).ToList();
    }

    public string? ReadLink(string path) =>
        Resolve(path, false) is { } r && _links.TryGetValue(r, out var t) ? t : null;

    public Stream OpenRead(string path) =>
        Resolve(path, true) is { } r && _files.TryGetValue(r, out var d)
            ? new MemoryStream(d, writable: false)
            : throw new FileNotFoundException(path);
}

/// <summary>The machine's real files (what Platform.Linux.SystemFiles does, kept here so Core tests need only Core).</summary>
public sealed class RealFiles : ISystemFiles
{
    public bool FileExists(string path) => System.IO.File.Exists(path);

    public bool DirectoryExists(string path) => Directory.Exists(path);

    public string? ReadText(string path)
    {
        try
        {
            return System.IO.File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    public IReadOnlyList<string> ListDirectory(string path) =>
        Directory.Exists(path) ? Directory.EnumerateFileSystemEntries(path).Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal).ToList() : [];

    public string? ReadLink(string path)
    {
        try
        {
            return new FileInfo(path).LinkTarget;
        }
        catch (IOException)
        {
            return null;
        }
    }

    public Stream OpenRead(string path) => System.IO.File.OpenRead(path);
}
