using System.Globalization;

namespace Mkcdrec.Core.Storage.Bcache;

/// <summary>What `bcache-super-show DEV` printed about one bcache superblock (a backing or a cache device).</summary>
public sealed record BcacheSuperblock
{
    public bool IsBacking { get; init; }

    /// <summary>dev.uuid: the device's own UUID.</summary>
    public string Uuid { get; init; } = "";

    /// <summary>cset.uuid: the cache set it belongs to (a backing device's is only meaningful while attached).</summary>
    public string CacheSetUuid { get; init; } = "";

    public string? Label { get; init; }

    public int SectorsPerBlock { get; init; }

    public int SectorsPerBucket { get; init; }

    /// <summary>dev.data.first_sector (backing devices): where the data starts.</summary>
    public long? DataFirstSector { get; init; }

    /// <summary>writethrough, writeback, writearound or none (backing devices).</summary>
    public string? CacheMode { get; init; }

    /// <summary>lru, fifo or random (cache devices).</summary>
    public string? Replacement { get; init; }

    /// <summary>dev.cache.discard (cache devices).</summary>
    public bool? Discard { get; init; }
}

/// <summary>
/// Parses `bcache-super-show` (bcache-tools): "key&lt;tabs&gt;value [meaning]" lines. The names of cache modes and
/// replacement policies are taken from their numbers, which are the superblock's own (bcache.h).
/// </summary>
public static class BcacheSuperShowParser
{
    private static readonly string[] CacheModes = ["writethrough", "writeback", "writearound", "none"];
    private static readonly string[] Replacements = ["lru", "fifo", "random"];

    /// <summary>Null when the output is not a valid superblock (bcache-super-show printed "bad magic" or nothing).</summary>
    public static BcacheSuperblock? Parse(string output)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in output.Split('\n'))
        {
            var tab = line.IndexOf('\t');
            if (tab > 0)
            {
                fields.TryAdd(line[..tab], line[tab..].Trim());
            }
        }

        if (fields.GetValueOrDefault("sb.magic") != "ok" || !fields.TryGetValue("dev.uuid", out var uuid))
        {
            return null;
        }

        return new BcacheSuperblock
        {
            IsBacking = (fields.GetValueOrDefault("sb.version") ?? "").Contains("[backing device]", StringComparison.Ordinal),
            Uuid = uuid,
            CacheSetUuid = fields.GetValueOrDefault("cset.uuid") ?? "",
            Label = DecodeLabel(fields.GetValueOrDefault("dev.label")),
            SectorsPerBlock = (int)(Number(fields, "dev.sectors_per_block") ?? 0),
            SectorsPerBucket = (int)(Number(fields, "dev.sectors_per_bucket") ?? 0),
            DataFirstSector = Number(fields, "dev.data.first_sector"),
            CacheMode = Name(CacheModes, Number(fields, "dev.data.cache_mode")),
            Replacement = Name(Replacements, Number(fields, "dev.cache.replacement")),
            Discard = fields.TryGetValue("dev.cache.discard", out var d) ? d == "yes" : null,
        };
    }

    /// <summary>The number a value starts with ("1 [writeback]" → 1).</summary>
    private static long? Number(Dictionary<string, string> fields, string key) =>
        fields.TryGetValue(key, out var v) && long.TryParse(v.Split(' ')[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : null;

    private static string? Name(string[] names, long? n) => n is { } i && i >= 0 && i < names.Length ? names[i] : null;

    /// <summary>"(empty)" is no label; bcache-super-show prints other than [A-Za-z0-9._-] as %xx.</summary>
    private static string? DecodeLabel(string? printed)
    {
        if (printed is null or "(empty)" or "")
        {
            return null;
        }

        var bytes = new List<byte>();
        for (var i = 0; i < printed.Length; i++)
        {
            if (printed[i] == '%' && i + 2 < printed.Length && byte.TryParse(printed.AsSpan(i + 1, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var b))
            {
                bytes.Add(b);
                i += 2;
            }
            else
            {
                bytes.Add((byte)printed[i]);
            }
        }

        return System.Text.Encoding.UTF8.GetString([.. bytes]);
    }
}
