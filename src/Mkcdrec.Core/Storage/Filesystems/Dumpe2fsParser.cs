using System.Globalization;
using Mkcdrec.Model.Layout;

namespace Mkcdrec.Core.Storage.Filesystems;

/// <summary>`dumpe2fs -h` output: "Key:   value" lines.</summary>
public static class Dumpe2fsParser
{
    public static ExtParameters Parse(string text)
    {
        var kv = Fields(text);
        long Number(string key) => kv.TryGetValue(key, out var v) && long.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : 0;
        return new ExtParameters
        {
            BlockSize = (int)Number("Block size"),
            InodeSize = (int)Number("Inode size"),
            InodeCount = Number("Inode count"),
            BlockCount = Number("Block count"),
            ReservedBlockCount = Number("Reserved block count"),
            Features = kv.TryGetValue("Filesystem features", out var f) ? f.Split(' ', StringSplitOptions.RemoveEmptyEntries).ToList() : [],
            HashSeed = kv.GetValueOrDefault("Directory Hash Seed"),
            DefaultMountOptions = kv.TryGetValue("Default mount options", out var m) && m != "(none)" ? m : null,
        };
    }

    /// <summary>Every "Key: value" line, the first of each key kept.</summary>
    public static Dictionary<string, string> Fields(string text)
    {
        var kv = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n'))
        {
            var colon = line.IndexOf(':');
            if (colon > 0)
            {
                kv.TryAdd(line[..colon].Trim(), line[(colon + 1)..].Trim());
            }
        }

        return kv;
    }
}
