using Mkcdrec.Core.Platform;
using Mkcdrec.Formats.Elf;

namespace Mkcdrec.Core.Rescue;

public sealed partial class LibraryClosure
{
    /// <summary>
    /// Resolves every symbolic link in <paramref name="path"/> (directories too), remembering each link met
    /// so the rescue image can recreate it. Returns the real path.
    /// </summary>
    public string Canonicalize(string path)
    {
        var pending = new List<string>(NormalizePath(path).Split('/', StringSplitOptions.RemoveEmptyEntries));
        var resolved = new List<string>();
        var hops = 0;
        while (pending.Count > 0)
        {
            var part = pending[0];
            pending.RemoveAt(0);
            if (part == ".")
            {
                continue;
            }

            if (part == "..")
            {
                if (resolved.Count > 0)
                {
                    resolved.RemoveAt(resolved.Count - 1);
                }

                continue;
            }

            var current = "/" + string.Join('/', resolved.Append(part));
            var target = _files.ReadLink(current);
            if (target is null)
            {
                resolved.Add(part);
                continue;
            }

            if (++hops > MaxSymlinkHops)
            {
                throw new IOException($"Too many levels of symbolic links resolving {path}.");
            }

            _symlinks[current] = target;
            if (target.StartsWith('/'))
            {
                resolved.Clear();
            }

            pending.InsertRange(0, target.Split('/', StringSplitOptions.RemoveEmptyEntries));
        }

        return "/" + string.Join('/', resolved);
    }

    private static string NormalizePath(string path)
    {
        var abs = path.StartsWith('/') ? path : "/" + path;
        var parts = new List<string>();
        foreach (var part in abs.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (part == ".")
            {
                continue;
            }

            // ".." is kept: it must be applied after resolving links, which Canonicalize does.
            parts.Add(part);
        }

        return "/" + string.Join('/', parts);
    }

    private static string DirectoryOf(string path)
    {
        var i = path.LastIndexOf('/');
        return i <= 0 ? "/" : path[..i];
    }
}
