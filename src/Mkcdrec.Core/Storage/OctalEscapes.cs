namespace Mkcdrec.Core.Storage;

/// <summary>The \NNN octal escapes of /proc/mounts, mountinfo, /proc/swaps and fstab (a space is \040).</summary>
public static class OctalEscapes
{
    public static string Decode(string s)
    {
        if (!s.Contains('\\'))
        {
            return s;
        }

        var sb = new System.Text.StringBuilder();
        for (var i = 0; i < s.Length; i++)
        {
            if (s[i] == '\\' && IsOctal(s, i + 1))
            {
                sb.Append((char)Convert.ToInt32(s.Substring(i + 1, 3), 8));
                i += 3;
            }
            else
            {
                sb.Append(s[i]);
            }
        }

        return sb.ToString();
    }

    private static bool IsOctal(string s, int at) =>
        at + 3 <= s.Length && s[at] is >= '0' and <= '7' && s[at + 1] is >= '0' and <= '7' && s[at + 2] is >= '0' and <= '7';
}
