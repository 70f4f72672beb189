using Mkcdrec.Model.Manifest;

namespace Mkcdrec.Core.Destinations;

/// <summary>
/// A backup at a destination with its place in a chain, read from its manifest: level 0 is a full backup, an increment
/// names its parent. <see cref="Full"/> is the full backup its chain leads back to; null when the chain is broken
/// (<see cref="Broken"/> says why) or the backup is incomplete.
/// </summary>
public sealed record ChainedBackup(StoredBackup Backup, int Level, string? Parent, string? Full, string? Broken)
{
    public string Name => Backup.Name;

    /// <summary>"complete, full backup", "complete, increment 2 on HOST/TIME", "complete, BROKEN chain: …" or "INCOMPLETE (…)".</summary>
    public string Describe() =>
        !Backup.Complete ? "INCOMPLETE (no manifest: an interrupted or running backup)"
        : Broken is not null ? "complete, BROKEN chain: " + Broken
        : Level == 0 ? "complete, full backup"
        : $"complete, increment {Level} on {Parent}";
}

/// <summary>Reads every backup's manifest at a destination and links the chains (<see cref="ChainedBackup"/>).</summary>
public static class BackupChains
{
    public static List<ChainedBackup> Read(IBackupStore store, string? host = null)
    {
        var listed = BackupCatalog.List(store, host);
        var links = new Dictionary<string, (int Level, string? Parent, string? Unreadable)>(StringComparer.Ordinal);
        foreach (var b in listed.Where(b => b.Complete))
        {
            links[b.Name] = ReadLink(store, b.Name);
        }

        return [.. listed.Select(b => Chained(b, links))];
    }

    private static (int Level, string? Parent, string? Unreadable) ReadLink(IBackupStore store, string name)
    {
        try
        {
            var m = BackupManifest.Parse(store.ReadAll(name + "/" + BackupFiles.Manifest), name + "/" + BackupFiles.Manifest);
            return (m.Level, m.Parent?.Name, null);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or MkcdrecException)
        {
            return (0, null, $"its manifest cannot be read ({e.Message})");
        }
    }

    private static ChainedBackup Chained(StoredBackup b, Dictionary<string, (int Level, string? Parent, string? Unreadable)> links)
    {
        if (!links.TryGetValue(b.Name, out var link))
        {
            return new ChainedBackup(b, 0, null, null, null);
        }

        if (link.Unreadable is { } why)
        {
            return new ChainedBackup(b, link.Level, null, null, why);
        }

        var (name, level, parent) = (b.Name, link.Level, link.Parent);
        for (var steps = 0; level > 0; steps++)
        {
            if (parent is null || !links.TryGetValue(parent, out var p) || p.Unreadable is not null || steps > 1000)
            {
                return new ChainedBackup(b, link.Level, link.Parent, null, $"{parent ?? "its parent"} (of {name}) is not a complete backup here");
            }

            if (p.Level != level - 1)
            {
                return new ChainedBackup(b, link.Level, link.Parent, null, $"{parent} is at level {p.Level}, not {level - 1}");
            }

            (name, level, parent) = (parent, p.Level, p.Parent);
        }

        return new ChainedBackup(b, link.Level, link.Parent, name, null);
    }
}
