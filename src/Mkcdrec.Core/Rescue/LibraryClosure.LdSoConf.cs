using Mkcdrec.Core.Platform;
using Mkcdrec.Formats.Elf;

namespace Mkcdrec.Core.Rescue;

public sealed partial class LibraryClosure
{
    private List<string> ReadLdSoConf()
    {
        var dirs = new List<string>();
        ParseConf(_options.LdSoConf, dirs, 0);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        return dirs.Where(seen.Add).ToList();
    }

    private void ParseConf(string file, List<string> dirs, int depth)
    {
        if (depth > MaxIncludeDepth)
        {
            return;
        }

        var text = _files.ReadText(file);
        if (text is null)
        {
            return;
        }

        foreach (var raw in text.Split('\n'))
        {
            var line = raw;
            var hash = line.IndexOf('#', StringComparison.Ordinal);
            if (hash >= 0)
            {
                line = line[..hash];
            }

            line = line.Trim();
            if (line.Length == 0)
            {
                continue;
            }

            if (line.StartsWith("include", StringComparison.Ordinal) && line.Length > 7 && char.IsWhiteSpace(line[7]))
            {
                foreach (var pattern in line[8..].Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
                {
                    var full = pattern.StartsWith('/') ? pattern : DirectoryOf(file).TrimEnd('/') + "/" + pattern;
                    foreach (var inc in Glob(full))
                    {
                        ParseConf(inc, dirs, depth + 1);
                    }
                }
            }
            else if (line.StartsWith("hwcap", StringComparison.Ordinal) && line.Length > 5 && char.IsWhiteSpace(line[5]))
            {
                // Obsolete "hwcap" lines name capability bits, not directories.
            }
            else
            {
                // Old ldconfig allowed "dir=libtype"; the directory is the part before '='.
                var eq = line.IndexOf('=', StringComparison.Ordinal);
                var dir = (eq >= 0 ? line[..eq] : line).Trim().TrimEnd('/');
                if (dir.StartsWith('/'))
                {
                    dirs.Add(dir);
                }
            }
        }
    }

    /// <summary>Expands a glob(3) pattern (*, ?, [...]) component by component, sorted like glob.</summary>
    private List<string> Glob(string pattern)
    {
        var parts = pattern.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var current = new List<string> { "" };
        foreach (var part in parts)
        {
            var next = new List<string>();
            var wild = part.IndexOfAny(['*', '?', '[']) >= 0;
            foreach (var dir in current)
            {
                if (!wild)
                {
                    next.Add(dir + "/" + part);
                    continue;
                }

                var names = _files.ListDirectory(dir.Length == 0 ? "/" : dir)
                    .Where(n => !n.StartsWith('.') && ShellWildcard.Matches(part, n))
                    .Order(StringComparer.Ordinal);
                next.AddRange(names.Select(n => dir + "/" + n));
            }

            current = next;
        }

        return current.Where(p => p.Length > 0 && _files.FileExists(p)).ToList();
    }
}
