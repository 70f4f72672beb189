using System.Globalization;
using System.Text;

namespace Mkcdrec.Core.Media;

/// <summary>
/// ISO9660 volume labels of rescue media: <c>MKCDREC_&lt;HOST&gt;_&lt;YYYYMMDD&gt;[_N]</c>, at most 32 uppercase
/// d-characters (A-Z, 0-9, _). The host part is shortened so that every member of a set has the same prefix.
/// </summary>
public static class MediumLabel
{
    public const int MaxLength = 32;
    private const string Prefix = "MKCDREC_";

    /// <summary>The label of medium <paramref name="index"/> of <paramref name="count"/> (no suffix when the set has one medium).</summary>
    public static string Make(string host, DateOnly date, int index = 1, int count = 1)
    {
        if (count < 1 || index < 1 || index > count)
        {
            throw new ArgumentOutOfRangeException(nameof(index), $"medium {index} of {count}");
        }

        var suffix = count == 1 ? "" : "_" + index.ToString(CultureInfo.InvariantCulture);
        var longestSuffix = count == 1 ? 0 : 1 + count.ToString(CultureInfo.InvariantCulture).Length;
        var datePart = "_" + date.ToString("yyyyMMdd", CultureInfo.InvariantCulture);
        var room = MaxLength - Prefix.Length - datePart.Length - longestSuffix;
        var h = HostPart(host);
        if (h.Length > room)
        {
            h = h[..room].TrimEnd('_');
        }

        if (h.Length == 0)
        {
            h = "HOST";
        }

        return Prefix + h + datePart + suffix;
    }

    /// <summary>The short host name (before the first dot) as d-characters: letters uppercased, anything else '_'.</summary>
    public static string HostPart(string host)
    {
        var shortName = host.Split('.', 2)[0];
        var sb = new StringBuilder(shortName.Length);
        foreach (var c in shortName)
        {
            sb.Append(char.IsAsciiLetterOrDigit(c) ? char.ToUpperInvariant(c) : '_');
        }

        return sb.ToString().Trim('_');
    }

    /// <summary>Whether <paramref name="label"/> is a valid label we would write (also for --label given by the user).</summary>
    public static bool IsValid(string label) =>
        label.Length is > 0 and <= MaxLength && label.All(c => c is (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '_');

    /// <summary>The label of member <paramref name="index"/> of a set whose base label (no suffix) is <paramref name="baseLabel"/>.</summary>
    public static string Member(string baseLabel, int index, int count)
    {
        if (count == 1)
        {
            return baseLabel;
        }

        var suffix = "_" + index.ToString(CultureInfo.InvariantCulture);
        var longest = 1 + count.ToString(CultureInfo.InvariantCulture).Length;
        var b = baseLabel.Length + longest > MaxLength ? baseLabel[..(MaxLength - longest)] : baseLabel;
        return b + suffix;
    }
}
