namespace Mkcdrec.Core.Rescue;

/// <summary>Shell wildcards over one path component, as glob(3) and modules.alias use them: *, ? and [...] (with ! or ^ negation and ranges).</summary>
public static class ShellWildcard
{
    public static bool Matches(string pattern, string name)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        ArgumentNullException.ThrowIfNull(name);
        return MatchFrom(pattern, 0, name, 0);
    }

    private static bool MatchFrom(string pattern, int p, string name, int n)
    {
        while (p < pattern.Length)
        {
            var c = pattern[p];
            if (c == '*')
            {
                for (var k = n; k <= name.Length; k++)
                {
                    if (MatchFrom(pattern, p + 1, name, k))
                    {
                        return true;
                    }
                }

                return false;
            }

            if (n >= name.Length)
            {
                return false;
            }

            if (c == '[')
            {
                var close = p + 2 < pattern.Length ? pattern.IndexOf(']', p + 2) : -1;
                if (close >= 0)
                {
                    if (!InBracketSet(pattern.AsSpan(p + 1, close - p - 1), name[n]))
                    {
                        return false;
                    }

                    p = close + 1;
                    n++;
                    continue;
                }

                // An unclosed '[' is an ordinary character.
            }

            if (c != '?' && c != name[n])
            {
                return false;
            }

            p++;
            n++;
        }

        return n == name.Length;
    }

    /// <summary>Whether <paramref name="ch"/> is in the set between the brackets (ranges like a-z; a leading ! or ^ negates).</summary>
    private static bool InBracketSet(ReadOnlySpan<char> set, char ch)
    {
        var negate = set.Length > 0 && (set[0] == '!' || set[0] == '^');
        if (negate)
        {
            set = set[1..];
        }

        var hit = false;
        for (var i = 0; i < set.Length; i++)
        {
            if (i + 2 < set.Length && set[i + 1] == '-')
            {
                hit |= ch >= set[i] && ch <= set[i + 2];
                i += 2;
            }
            else
            {
                hit |= ch == set[i];
            }
        }

        return hit != negate;
    }
}
