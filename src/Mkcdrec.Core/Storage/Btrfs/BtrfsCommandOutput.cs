using System.Globalization;
using System.Text.RegularExpressions;
using Mkcdrec.Model.Layout;

namespace Mkcdrec.Core.Storage.Btrfs;

/// <summary>Pure parsers for the output of the btrfs commands capture asks.</summary>
public static class BtrfsCommandOutput
{
    /// <summary>`btrfs subvolume list -a -p MNT`: "ID 256 gen 7 parent 5 top level 5 path &lt;FS_TREE&gt;/@home".</summary>
    public static List<BtrfsSubvolume> ParseSubvolumeList(string text, ISet<long>? readOnlyIds = null)
    {
        var list = new List<BtrfsSubvolume>();
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var m = Regex.Match(line, @"^ID (\d+) gen \d+ (?:cgen \d+ )?parent (\d+) top level \d+ (?:otime .+? )?path (.*)$");
            if (!m.Success)
            {
                continue;
            }

            var id = long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
            var path = m.Groups[3].Value;
            if (path.StartsWith("<FS_TREE>/", StringComparison.Ordinal))
            {
                path = path["<FS_TREE>/".Length..];
            }

            list.Add(new BtrfsSubvolume
            {
                Id = id,
                ParentId = long.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture),
                Path = path,
                ReadOnly = readOnlyIds?.Contains(id) ?? false,
            });
        }

        return list;
    }

    /// <summary>`btrfs filesystem df -b MNT`: "Data, RAID1: total=…, used=…".</summary>
    public static (string? Data, string? Metadata, string? System) ParseDf(string text)
    {
        string? Find(string kind)
        {
            var m = Regex.Match(text, "^" + kind + @",\s*([A-Za-z0-9]+):", RegexOptions.Multiline);
            return m.Success ? m.Groups[1].Value.ToLowerInvariant() : null;
        }

        return (Find("Data"), Find("Metadata"), Find("System"));
    }

    /// <summary>`btrfs inspect-internal dump-super DEV`: nodesize and sectorsize.</summary>
    public static (int? NodeSize, int? SectorSize) ParseDumpSuper(string text)
    {
        int? Get(string key)
        {
            var m = Regex.Match(text, "^" + key + @"\s+(\d+)", RegexOptions.Multiline);
            return m.Success ? int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : null;
        }

        return (Get("nodesize"), Get("sectorsize"));
    }

    /// <summary>`btrfs inspect-internal dump-super DEV`: the device's id within its filesystem (dev_item.devid); 0 when absent.</summary>
    public static int ParseDevId(string text)
    {
        var devItem = Regex.Match(text, @"dev_item\.devid\s+(\d+)");
        return devItem.Success ? int.Parse(devItem.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
    }

    /// <summary>`btrfs subvolume get-default MNT`: "ID 256 gen 9 top level 5 path @" or "ID 5 (FS_TREE)".</summary>
    public static long ParseDefault(string text)
    {
        var m = Regex.Match(text, @"^ID (\d+)", RegexOptions.Multiline);
        return m.Success ? long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : 5;
    }
}
