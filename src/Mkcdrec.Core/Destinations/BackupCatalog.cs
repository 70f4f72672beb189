using System.Globalization;
using Mkcdrec.Model.Manifest;

namespace Mkcdrec.Core.Destinations;

/// <summary>One backup at a destination: HOST/TIME/, complete when its manifest.json is there (written last).</summary>
public sealed record StoredBackup(string Name, string Host, DateTimeOffset? Time, bool Complete, long Bytes, int Files, DateTimeOffset LastWritten);

/// <summary>
/// How backups are named at a destination that keeps several: "HOST/yyyyMMddTHHmmssZ/" with the volumes, layout.json
/// and manifest.json inside; and the list of them with their state.
/// </summary>
public static class BackupCatalog
{
    public const string TimeFormat = "yyyyMMdd'T'HHmmss'Z'";

    /// <summary>The name of a backup of <paramref name="host"/> started at <paramref name="time"/>.</summary>
    public static string NameFor(string host, DateTimeOffset time) =>
        SafeHost(host) + "/" + time.UtcDateTime.ToString(TimeFormat, CultureInfo.InvariantCulture);

    /// <summary>A host name as one path segment: letters, digits, '.', '-' and '_' (anything else becomes '_').</summary>
    public static string SafeHost(string host)
    {
        var s = new string([.. host.Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' ? c : '_')]).Trim('.');
        return s.Length == 0 ? "unnamed-host" : s;
    }

    /// <summary>Every backup at the destination (of <paramref name="host"/> only, if given), oldest first per host.</summary>
    public static IReadOnlyList<StoredBackup> List(IBackupStore store, string? host = null)
    {
        var files = store.List(host is null ? "" : SafeHost(host) + "/");
        return [.. files
            .Select(f => (f, parts: f.Name.Split('/', 3)))
            .Where(x => x.parts.Length == 3)
            .GroupBy(x => x.parts[0] + "/" + x.parts[1], StringComparer.Ordinal)
            .Select(g => new StoredBackup(
                g.Key,
                g.First().parts[0],
                DateTimeOffset.TryParseExact(g.First().parts[1], TimeFormat, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) ? t : null,
                g.Any(x => x.parts[2] == BackupFiles.Manifest),
                g.Sum(x => x.f.Size),
                g.Count(),
                g.Max(x => x.f.Modified)))
            .OrderBy(b => b.Host, StringComparer.Ordinal).ThenBy(b => b.Name, StringComparer.Ordinal)];
    }

    /// <summary>The newest complete backup of <paramref name="host"/>, or null.</summary>
    public static StoredBackup? Latest(IBackupStore store, string host) =>
        List(store, host).LastOrDefault(b => b.Complete);
}
