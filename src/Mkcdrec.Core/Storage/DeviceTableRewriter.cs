using System.Text;

namespace Mkcdrec.Core.Storage;

/// <summary>
/// Replaces the device column of a whitespace-separated table such as fstab (column 0) or crypttab (column 1),
/// leaving comments, spacing and every other field as they were.
/// </summary>
public static class DeviceTableRewriter
{
    /// <param name="text">The table.</param>
    /// <param name="column">The column that names the device.</param>
    /// <param name="replacement">The new device spec, or null to keep the line.</param>
    public static string ReplaceDevices(string text, int column, Func<string, string?> replacement)
    {
        var sb = new StringBuilder();
        foreach (var line in text.Split('\n'))
        {
            var t = line.TrimStart();
            var fields = t.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (!t.StartsWith('#') && fields.Length > column && replacement(fields[column]) is { } spec)
            {
                var at = line.IndexOf(fields[column], StringComparison.Ordinal);
                if (column == 1)
                {
                    // The device may also appear as the first field's text: search after it.
                    at = line.IndexOf(fields[column], line.IndexOf(fields[0], StringComparison.Ordinal) + fields[0].Length, StringComparison.Ordinal);
                }

                sb.Append(line, 0, at).Append(spec).Append(line, at + fields[column].Length, line.Length - at - fields[column].Length).Append('\n');
            }
            else
            {
                sb.Append(line).Append('\n');
            }
        }

        return sb.ToString(0, sb.Length - 1);
    }
}
