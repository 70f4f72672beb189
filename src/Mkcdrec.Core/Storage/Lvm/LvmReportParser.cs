using System.Globalization;
using System.Text.Json;

namespace Mkcdrec.Core.Storage.Lvm;

/// <summary>`lvs/vgs/pvs --reportformat json --units b --nosuffix`: rows of field → text.</summary>
public static class LvmReportParser
{
    /// <summary>One report table: {"report":[{"lv":[{...}]}]}.</summary>
    public static List<Dictionary<string, string>> Parse(string json, string table)
    {
        var rows = new List<Dictionary<string, string>>();
        if (string.IsNullOrWhiteSpace(json))
        {
            return rows;
        }

        using var doc = JsonDocument.Parse(json);
        if (!doc.RootElement.TryGetProperty("report", out var report))
        {
            throw new InvalidDataException($"LVM {table} report has no 'report' member.");
        }

        foreach (var r in report.EnumerateArray())
        {
            if (!r.TryGetProperty(table, out var t))
            {
                continue;
            }

            foreach (var row in t.EnumerateArray())
            {
                var d = new Dictionary<string, string>(StringComparer.Ordinal);
                foreach (var p in row.EnumerateObject())
                {
                    d[p.Name] = p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : p.Value.GetRawText();
                }

                rows.Add(d);
            }
        }

        return rows;
    }

    /// <summary>A byte count of the report (units b, no suffix); 0 when empty or not a number.</summary>
    public static long BytesOrZero(string? s) => long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : 0;

    /// <summary>An empty report field means "none".</summary>
    public static string? NullIfEmpty(string? s) => string.IsNullOrWhiteSpace(s) ? null : s;
}
