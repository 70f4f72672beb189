using System.Text;

namespace Mkcdrec.Core.Archive;

/// <summary>
/// Exclude patterns, matched against the path relative to the archived root (no leading "./" or "/").
/// A pattern with a '/' is anchored at the root; one without matches any name component (like GNU tar).
/// '*' matches any bytes including '/', '?' one byte, "[...]" a set. Excluding a directory excludes its content.
/// </summary>
public sealed class Excludes
{
    /// <summary>Pseudo filesystems' mount points' content, caches and temporary files (relative to the root of a system).</summary>
    public static readonly IReadOnlyList<string> Defaults =
    [
        "proc/*", "sys/*", "dev/pts/*", "dev/shm/*", "run/*", "tmp/*", "var/tmp/*",
        "var/cache/apt/archives/*.deb", "var/cache/apt/*.bin", "var/lib/mkcdrec/output/*",
        "lost+found/*", "swapfile", "swap.img",
    ];

    private readonly List<(byte[] Pattern, bool Anchored)> _patterns = [];

    public Excludes(IEnumerable<string> patterns)
    {
        foreach (var p in patterns)
        {
            var t = p.Trim();
            while (t.StartsWith("./", StringComparison.Ordinal))
            {
                t = t[2..];
            }

            t = t.TrimStart('/').TrimEnd('/');
            if (t.Length == 0)
            {
                continue;
            }

            _patterns.Add((Encoding.UTF8.GetBytes(t), t.Contains('/', StringComparison.Ordinal)));
        }
    }

    public int Count => _patterns.Count;

    public bool IsExcluded(ReadOnlySpan<byte> relative)
    {
        if (_patterns.Count == 0)
        {
            return false;
        }

        var slash = relative.LastIndexOf((byte)'/');
        var baseName = slash < 0 ? relative : relative[(slash + 1)..];
        foreach (var (pat, anchored) in _patterns)
        {
            if (anchored ? Match(pat, relative) : Match(pat, baseName))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>fnmatch without FNM_PATHNAME.</summary>
    public static bool Match(ReadOnlySpan<byte> pattern, ReadOnlySpan<byte> text)
    {
        int p = 0, t = 0, starP = -1, starT = -1;
        while (t < text.Length)
        {
            if (p < pattern.Length)
            {
                var c = pattern[p];
                if (c == (byte)'*')
                {
                    starP = p++;
                    starT = t;
                    continue;
                }

                if (c == (byte)'?')
                {
                    p++;
                    t++;
                    continue;
                }

                if (c == (byte)'[')
                {
                    var end = pattern[(p + 1)..].IndexOf((byte)']');
                    if (end > 0)
                    {
                        if (SetMatches(pattern.Slice(p + 1, end), text[t]))
                        {
                            p += end + 2;
                            t++;
                            continue;
                        }
                    }
                    else if (text[t] == c)
                    {
                        p++;
                        t++;
                        continue;
                    }
                }
                else if (c == (byte)'\\' && p + 1 < pattern.Length && pattern[p + 1] == text[t])
                {
                    p += 2;
                    t++;
                    continue;
                }
                else if (c == text[t])
                {
                    p++;
                    t++;
                    continue;
                }
            }

            if (starP < 0)
            {
                return false;
            }

            p = starP + 1;
            t = ++starT;
        }

        while (p < pattern.Length && pattern[p] == (byte)'*')
        {
            p++;
        }

        return p == pattern.Length;
    }

    /// <summary>Whether <paramref name="b"/> is in a bracket set (the bytes between '[' and ']'): ranges "a-z", negation "!" or "^".</summary>
    private static bool SetMatches(ReadOnlySpan<byte> set, byte b)
    {
        var negated = set[0] is (byte)'!' or (byte)'^';
        if (negated)
        {
            set = set[1..];
        }

        var hit = false;
        for (var i = 0; i < set.Length; i++)
        {
            if (i + 2 < set.Length && set[i + 1] == (byte)'-')
            {
                hit |= b >= set[i] && b <= set[i + 2];
                i += 2;
            }
            else
            {
                hit |= b == set[i];
            }
        }

        return hit != negated;
    }
}
