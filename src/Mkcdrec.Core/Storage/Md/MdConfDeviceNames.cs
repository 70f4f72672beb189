using System.Text;
using System.Text.RegularExpressions;

namespace Mkcdrec.Core.Storage.Md;

/// <summary>
/// Makes mdadm.conf's device names follow a move to new names (virtio to NVMe): the DEVICE lines and the devices= of
/// ARRAY lines. mdadm assembles, at boot and through udev, only members these allow, so a stale /dev/vda4 there leaves
/// the array down on the new disks. A renamed path is replaced; a pattern (/dev/vd*) that matched a renamed device
/// keeps its place and gets the new names after it. Comments, spacing and every other word stay as they were.
/// </summary>
public static partial class MdConfDeviceNames
{
    /// <param name="renamed">Old device path → new path.</param>
    public static string Rewrite(string text, IReadOnlyDictionary<string, string> renamed)
    {
        var lines = text.Split('\n');
        var keyword = "";
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            var body = line.Split('#', 2)[0];
            if (body.Trim().Length == 0)
            {
                continue;
            }

            // A line that starts with white space continues the previous one (mdadm.conf(5)).
            var continues = char.IsWhiteSpace(body[0]);
            if (!continues)
            {
                keyword = FirstWord(body);
            }

            if (IsKeyword(keyword, "DEVICE"))
            {
                lines[i] = Word().Replace(body, m => !continues && m.Index == FirstWordIndex(body) ? m.Value : Follow(m.Value, renamed, " "))
                    + line[body.Length..];
            }
            else if (IsKeyword(keyword, "ARRAY"))
            {
                lines[i] = DevicesTag().Replace(body, m => m.Groups[1].Value
                    + string.Join(',', m.Groups[2].Value.Split(',').Select(d => Follow(d, renamed, ",")))) + line[body.Length..];
            }
        }

        return string.Join('\n', lines);
    }

    // mdadm takes a keyword by its first three letters or more, in any case.
    private static bool IsKeyword(string word, string keyword) =>
        word.Length >= 3 && keyword.StartsWith(word, StringComparison.OrdinalIgnoreCase);

    private static string FirstWord(string body) => body.TrimStart().Split([' ', '\t'], 2)[0];

    private static int FirstWordIndex(string body) => body.Length - body.TrimStart().Length;

    /// <summary>A device word: its new name, or a pattern followed by the new names of the renamed devices it matched.</summary>
    private static string Follow(string word, IReadOnlyDictionary<string, string> renamed, string separator)
    {
        if (renamed.TryGetValue(word, out var now))
        {
            return now;
        }

        if (word.IndexOfAny(['*', '?', '[']) < 0)
        {
            return word;
        }

        var pattern = Glob(word);
        var added = renamed.Where(r => pattern.IsMatch(r.Key) && !pattern.IsMatch(r.Value)).Select(r => r.Value).Order(StringComparer.Ordinal).ToList();
        if (added.Count == 0)
        {
            return word;
        }

        var sb = new StringBuilder(word);
        foreach (var a in added)
        {
            sb.Append(separator).Append(a);
        }

        return sb.ToString();
    }

    // A shell pattern as glob(7) reads it: * and ? within a name, [...] and [!...] classes.
    private static Regex Glob(string pattern)
    {
        var sb = new StringBuilder("^");
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            var close = c == '[' && i + 2 < pattern.Length ? pattern.IndexOf(']', i + 2) : -1;
            if (c == '*')
            {
                sb.Append("[^/]*");
            }
            else if (c == '?')
            {
                sb.Append("[^/]");
            }
            else if (close > 0)
            {
                var set = pattern[(i + 1)..close];
                sb.Append('[').Append(set.StartsWith('!') ? "^" + Regex.Escape(set[1..]) : Regex.Escape(set)).Append(']');
                i = close;
            }
            else
            {
                sb.Append(Regex.Escape(c.ToString()));
            }
        }

        return new Regex(sb.Append('$').ToString(), RegexOptions.CultureInvariant);
    }

    [GeneratedRegex(@"\S+")]
    private static partial Regex Word();

    [GeneratedRegex(@"(\bdevices=)(\S+)", RegexOptions.IgnoreCase)]
    private static partial Regex DevicesTag();
}
