using System.Text.RegularExpressions;
using Mkcdrec.Model.Layout;

namespace Mkcdrec.Core.Boot.Efi;

/// <summary>`efibootmgr -v` (or without -v): the boot entries and BootOrder.</summary>
public static class EfiBootMgrParser
{
    public static (List<EfiBootEntry> Entries, List<string> Order) Parse(string text)
    {
        var entries = new List<EfiBootEntry>();
        var order = new List<string>();
        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith("BootOrder:", StringComparison.Ordinal))
            {
                order = line["BootOrder:".Length..].Trim().Split(',', StringSplitOptions.RemoveEmptyEntries).ToList();
                continue;
            }

            var m = Regex.Match(line, @"^Boot([0-9A-Fa-f]{4})(\*?)\s+(.*)$");
            if (m.Success)
            {
                entries.Add(ParseEntry(m.Groups[1].Value, m.Groups[2].Value == "*", m.Groups[3].Value));
            }
        }

        return (entries, order);
    }

    /// <summary>"LABEL\tHD(1,GPT,PARTUUID,…)/File(\EFI\…)": the label ends at a tab or at the first device path node.</summary>
    private static EfiBootEntry ParseEntry(string number, bool active, string rest)
    {
        string label = rest;
        string? partUuid = null, loader = null;
        var hd = Regex.Match(rest, @"HD\(\d+,GPT,([0-9a-fA-F\-]{36})");
        if (hd.Success)
        {
            partUuid = hd.Groups[1].Value.ToLowerInvariant();
        }

        var file = Regex.Match(rest, @"File\(([^)]*)\)");
        if (file.Success)
        {
            loader = file.Groups[1].Value;
        }

        var cut = rest.IndexOfAny(['\t']);
        if (cut < 0)
        {
            var dp = Regex.Match(rest, @"\s+(HD|PciRoot|VenHw|VenMedia|FvVol|Fv|MemoryMapped|BBS|Vendor)\(");
            cut = dp.Success ? dp.Index : -1;
        }

        if (cut >= 0)
        {
            label = rest[..cut];
        }

        return new EfiBootEntry { Number = number.ToUpperInvariant(), Active = active, Label = label.Trim(), PartUuid = partUuid, Loader = loader };
    }
}
