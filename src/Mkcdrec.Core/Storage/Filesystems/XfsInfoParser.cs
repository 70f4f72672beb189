using System.Globalization;
using System.Text.RegularExpressions;
using Mkcdrec.Model.Layout;

namespace Mkcdrec.Core.Storage.Filesystems;

/// <summary>`xfs_info` output (meta-data=…, data=…, naming=…, log=…, realtime=…).</summary>
public static class XfsInfoParser
{
    public static XfsParameters Parse(string text)
    {
        var p = new XfsParameters();
        string section = "";
        foreach (var raw in text.Split('\n'))
        {
            // "meta-data=/dev/vdb1  isize=512 …", "data     =   bsize=4096 …", "         =   sectsz=512 …"
            var head = Regex.Match(raw, @"^([a-z\-]*)\s*=(.*)$");
            if (!head.Success)
            {
                continue;
            }

            if (head.Groups[1].Value.Length > 0)
            {
                section = head.Groups[1].Value;
            }

            var rest = head.Groups[2].Value.Trim();
            if (section == "log" && head.Groups[1].Value.Length > 0)
            {
                p.InternalLog = rest.StartsWith("internal", StringComparison.Ordinal);
            }

            foreach (Match t in Regex.Matches(rest, @"([a-z0-9\-_]+)=([^\s,]+)"))
            {
                Apply(p, section, t.Groups[1].Value, t.Groups[2].Value);
            }
        }

        return p;
    }

    private static void Apply(XfsParameters p, string section, string key, string val)
    {
        int Number() => int.TryParse(val, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : 0;
        switch (section, key)
        {
            case ("meta-data", "isize"): p.InodeSize = Number(); break;
            case ("meta-data", "agcount"): p.AgCount = Number(); break;
            case ("meta-data", "sectsz"): p.SectorSize = Number(); break;
            case ("meta-data", "crc"): p.Crc = val == "1"; break;
            case ("meta-data", "finobt"): p.Finobt = val == "1"; break;
            case ("meta-data", "reflink"): p.Reflink = val == "1"; break;
            case ("meta-data", "rmapbt"): p.Rmapbt = val == "1"; break;
            case ("meta-data", "bigtime"): p.Bigtime = val == "1"; break;
            case ("data", "bsize"): p.BlockSize = Number(); break;
            case ("data", "sunit"): p.StripeUnitBlocks = Number() == 0 ? null : Number(); break;
            case ("data", "swidth"): p.StripeWidthBlocks = Number() == 0 ? null : Number(); break;
            case ("log", "blocks"): p.LogBlocks = Number(); break;
        }
    }
}
