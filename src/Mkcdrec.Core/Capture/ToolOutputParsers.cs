using System.Globalization;
using System.Text.Json;
using Mkcdrec.Model.Layout;

namespace Mkcdrec.Core.Capture;

/// <summary>Pure parsers for the output of the tools capture asks (recorded outputs test them).</summary>
public static class ToolOutputParsers
{
    /// <summary>KEY=value lines (blkid -o export, mdadm --detail --export, os-release). Quotes are removed.</summary>
    public static Dictionary<string, string> ParseKeyValues(string text)
    {
        var d = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            var eq = line.IndexOf('=');
            if (eq <= 0)
            {
                continue;
            }

            var v = line[(eq + 1)..];
            if (v.Length >= 2 && (v[0] == '"' || v[0] == '\'') && v[^1] == v[0])
            {
                v = v[1..^1];
            }

            d[line[..eq]] = UnescapeBlkid(v);
        }

        return d;
    }

    // blkid -o export escapes unsafe characters with a backslash.
    private static string UnescapeBlkid(string v) => v.Contains('\\') ? System.Text.RegularExpressions.Regex.Replace(v, @"\\(.)", "$1") : v;

    public sealed record MountInfoEntry(int MountId, int ParentId, int Major, int Minor, string Root, string MountPoint, string Options, string FsType, string Source, string SuperOptions);

    /// <summary>/proc/self/mountinfo (proc(5)); octal escapes (\040) decoded.</summary>
    public static List<MountInfoEntry> ParseMountInfo(string text)
    {
        var list = new List<MountInfoEntry>();
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var f = line.Split(' ');
            var sep = Array.IndexOf(f, "-");
            if (f.Length < 10 || sep < 6 || sep + 3 >= f.Length)
            {
                continue;
            }

            var mm = f[2].Split(':');
            list.Add(new MountInfoEntry(
                int.Parse(f[0], CultureInfo.InvariantCulture), int.Parse(f[1], CultureInfo.InvariantCulture),
                int.Parse(mm[0], CultureInfo.InvariantCulture), int.Parse(mm[1], CultureInfo.InvariantCulture),
                DecodeOctal(f[3]), DecodeOctal(f[4]), f[5], f[sep + 1], DecodeOctal(f[sep + 2]), f[sep + 3]));
        }

        return list;
    }

    /// <summary>Decodes the \NNN octal escapes of /proc/mounts, mountinfo and fstab.</summary>
    public static string DecodeOctal(string s)
    {
        if (!s.Contains('\\'))
        {
            return s;
        }

        var sb = new System.Text.StringBuilder();
        for (var i = 0; i < s.Length; i++)
        {
            if (s[i] == '\\' && IsOctal(s, i + 1))
            {
                sb.Append((char)Convert.ToInt32(s.Substring(i + 1, 3), 8));
                i += 3;
            }
            else
            {
                sb.Append(s[i]);
            }
        }

        return sb.ToString();
    }

    private static bool IsOctal(string s, int at) =>
        at + 3 <= s.Length && s[at] is >= '0' and <= '7' && s[at + 1] is >= '0' and <= '7' && s[at + 2] is >= '0' and <= '7';

    public static List<FstabEntry> ParseFstab(string text)
    {
        var list = new List<FstabEntry>();
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            var f = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (f.Length < 3)
            {
                continue;
            }

            list.Add(new FstabEntry
            {
                Spec = DecodeOctal(f[0]),
                Target = DecodeOctal(f[1]),
                Type = f[2],
                Options = f.Length > 3 ? f[3] : "defaults",
                Dump = f.Length > 4 && int.TryParse(f[4], out var d) ? d : 0,
                Pass = f.Length > 5 && int.TryParse(f[5], out var p) ? p : 0,
            });
        }

        return list;
    }

    public static List<CrypttabEntry> ParseCrypttab(string text)
    {
        var list = new List<CrypttabEntry>();
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            var f = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (f.Length < 2)
            {
                continue;
            }

            list.Add(new CrypttabEntry
            {
                Name = f[0],
                Device = f[1],
                KeyFile = f.Length > 2 && f[2] != "none" && f[2] != "-" ? f[2] : null,
                Options = f.Length > 3 ? f[3] : null,
            });
        }

        return list;
    }

    /// <summary>Resolves an fstab/crypttab device spec (UUID=, LABEL=, PARTUUID=, PARTLABEL=, /dev/…) against probed devices.</summary>
    public static string? ResolveSpec(string spec, IReadOnlyDictionary<string, Dictionary<string, string>> probes, Func<string, string?> canonicalize)
    {
        static string? By(IReadOnlyDictionary<string, Dictionary<string, string>> probes, string key, string value)
        {
            foreach (var (dev, p) in probes)
            {
                if (p.TryGetValue(key, out var v) && string.Equals(v, value, key is "UUID" or "PART_ENTRY_UUID" ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal))
                {
                    return dev;
                }
            }

            return null;
        }

        var eq = spec.IndexOf('=');
        if (eq > 0 && !spec.StartsWith('/'))
        {
            var key = spec[..eq].ToUpperInvariant();
            var value = spec[(eq + 1)..].Trim('"');
            return key switch
            {
                "UUID" => By(probes, "UUID", value),
                "LABEL" => By(probes, "LABEL", value),
                "PARTUUID" => By(probes, "PART_ENTRY_UUID", value),
                "PARTLABEL" => By(probes, "PART_ENTRY_NAME", value),
                _ => null,
            };
        }

        return canonicalize(spec);
    }

    /// <summary>One report table of `lvs/vgs/pvs --reportformat json`: {"report":[{"lv":[{...}]}]}.</summary>
    public static List<Dictionary<string, string>> ParseLvmReport(string json, string table)
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

    /// <summary>`dumpe2fs -h` output: "Key:   value" lines.</summary>
    public static ExtParameters ParseDumpe2fs(string text)
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

        long L(string k) => kv.TryGetValue(k, out var v) && long.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : 0;
        return new ExtParameters
        {
            BlockSize = (int)L("Block size"),
            InodeSize = (int)L("Inode size"),
            InodeCount = L("Inode count"),
            BlockCount = L("Block count"),
            ReservedBlockCount = L("Reserved block count"),
            Features = kv.TryGetValue("Filesystem features", out var f) ? f.Split(' ', StringSplitOptions.RemoveEmptyEntries).ToList() : [],
            HashSeed = kv.GetValueOrDefault("Directory Hash Seed"),
            DefaultMountOptions = kv.TryGetValue("Default mount options", out var m) && m != "(none)" ? m : null,
        };
    }

    /// <summary>`xfs_info` output (meta-data=…, data=…, naming=…, log=…, realtime=…).</summary>
    public static XfsParameters ParseXfsInfo(string text)
    {
        var p = new XfsParameters();
        string section = "";
        foreach (var raw in text.Split('\n'))
        {
            // "meta-data=/dev/vdb1  isize=512 …", "data     =   bsize=4096 …", "         =   sectsz=512 …"
            var head = System.Text.RegularExpressions.Regex.Match(raw, @"^([a-z\-]*)\s*=(.*)$");
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

            foreach (System.Text.RegularExpressions.Match t in System.Text.RegularExpressions.Regex.Matches(rest, @"([a-z0-9\-_]+)=([^\s,]+)"))
            {
                var key = t.Groups[1].Value;
                var val = t.Groups[2].Value;
                int I() => int.TryParse(val, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : 0;
                switch (section, key)
                {
                    case ("meta-data", "isize"): p.InodeSize = I(); break;
                    case ("meta-data", "agcount"): p.AgCount = I(); break;
                    case ("meta-data", "sectsz"): p.SectorSize = I(); break;
                    case ("meta-data", "crc"): p.Crc = val == "1"; break;
                    case ("meta-data", "finobt"): p.Finobt = val == "1"; break;
                    case ("meta-data", "reflink"): p.Reflink = val == "1"; break;
                    case ("meta-data", "rmapbt"): p.Rmapbt = val == "1"; break;
                    case ("meta-data", "bigtime"): p.Bigtime = val == "1"; break;
                    case ("data", "bsize"): p.BlockSize = I(); break;
                    case ("data", "sunit"): p.StripeUnitBlocks = I() == 0 ? null : I(); break;
                    case ("data", "swidth"): p.StripeWidthBlocks = I() == 0 ? null : I(); break;
                    case ("log", "blocks"): p.LogBlocks = I(); break;
                }
            }
        }

        return p;
    }

    /// <summary>`btrfs subvolume list -p -a -R MNT`? We ask `btrfs subvolume list -p -r`-free form: "ID 256 gen 7 parent 5 top level 5 path @home".</summary>
    public static List<BtrfsSubvolume> ParseBtrfsSubvolumeList(string text, ISet<long>? readOnlyIds = null)
    {
        var list = new List<BtrfsSubvolume>();
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var m = System.Text.RegularExpressions.Regex.Match(line, @"^ID (\d+) gen \d+ (?:cgen \d+ )?parent (\d+) top level \d+ (?:otime .+? )?path (.*)$");
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
    public static (string? Data, string? Metadata, string? System) ParseBtrfsDf(string text)
    {
        string? Find(string kind)
        {
            var m = System.Text.RegularExpressions.Regex.Match(text, "^" + kind + @",\s*([A-Za-z0-9]+):", System.Text.RegularExpressions.RegexOptions.Multiline);
            return m.Success ? m.Groups[1].Value.ToLowerInvariant() : null;
        }

        return (Find("Data"), Find("Metadata"), Find("System"));
    }

    /// <summary>`btrfs inspect-internal dump-super DEV`: nodesize and sectorsize.</summary>
    public static (int? NodeSize, int? SectorSize) ParseBtrfsDumpSuper(string text)
    {
        int? Get(string key)
        {
            var m = System.Text.RegularExpressions.Regex.Match(text, "^" + key + @"\s+(\d+)", System.Text.RegularExpressions.RegexOptions.Multiline);
            return m.Success ? int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : null;
        }

        return (Get("nodesize"), Get("sectorsize"));
    }

    /// <summary>`btrfs subvolume get-default MNT`: "ID 256 gen 9 top level 5 path @" or "ID 5 (FS_TREE)".</summary>
    public static long ParseBtrfsDefault(string text)
    {
        var m = System.Text.RegularExpressions.Regex.Match(text, @"^ID (\d+)", System.Text.RegularExpressions.RegexOptions.Multiline);
        return m.Success ? long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : 5;
    }

    /// <summary>`efibootmgr -v` (or without -v).</summary>
    public static (List<EfiBootEntry> Entries, List<string> Order) ParseEfiBootMgr(string text)
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

            var m = System.Text.RegularExpressions.Regex.Match(line, @"^Boot([0-9A-Fa-f]{4})(\*?)\s+(.*)$");
            if (!m.Success)
            {
                continue;
            }

            var rest = m.Groups[3].Value;
            string label = rest;
            string? partUuid = null, loader = null;
            var hd = System.Text.RegularExpressions.Regex.Match(rest, @"HD\(\d+,GPT,([0-9a-fA-F\-]{36})");
            if (hd.Success)
            {
                partUuid = hd.Groups[1].Value.ToLowerInvariant();
            }

            var file = System.Text.RegularExpressions.Regex.Match(rest, @"File\(([^)]*)\)");
            if (file.Success)
            {
                loader = file.Groups[1].Value;
            }

            var cut = rest.IndexOfAny(['\t']);
            if (cut < 0)
            {
                var dp = System.Text.RegularExpressions.Regex.Match(rest, @"\s+(HD|PciRoot|VenHw|VenMedia|FvVol|Fv|MemoryMapped|BBS|Vendor)\(");
                cut = dp.Success ? dp.Index : -1;
            }

            if (cut >= 0)
            {
                label = rest[..cut];
            }

            entries.Add(new EfiBootEntry { Number = m.Groups[1].Value.ToUpperInvariant(), Active = m.Groups[2].Value == "*", Label = label.Trim(), PartUuid = partUuid, Loader = loader });
        }

        return (entries, order);
    }

    /// <summary>`df -B1 --output=target,size,used`: used bytes per mount point.</summary>
    public static Dictionary<string, (long Size, long Used)> ParseDf(string text)
    {
        var d = new Dictionary<string, (long, long)>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n').Skip(1))
        {
            var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (f.Length >= 3 && long.TryParse(f[^2], out var size) && long.TryParse(f[^1], out var used))
            {
                d[string.Join(' ', f[..^2])] = (size, used);
            }
        }

        return d;
    }

    /// <summary>/proc/swaps.</summary>
    public static Dictionary<string, int> ParseProcSwaps(string text)
    {
        var d = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n').Skip(1))
        {
            var f = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (f.Length >= 5 && int.TryParse(f[4], out var prio))
            {
                d[DecodeOctal(f[0])] = prio;
            }
        }

        return d;
    }

    /// <summary>resolv.conf: nameservers and search domains.</summary>
    public static (List<string> Nameservers, List<string> Search) ParseResolvConf(string text)
    {
        var ns = new List<string>();
        var search = new List<string>();
        foreach (var raw in text.Split('\n'))
        {
            var f = raw.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (f.Length >= 2 && f[0] == "nameserver")
            {
                ns.Add(f[1]);
            }
            else if (f.Length >= 2 && f[0] is "search" or "domain")
            {
                search.AddRange(f.Skip(1));
            }
        }

        return (ns, search);
    }

    /// <summary>`ip -j addr show`: interface → addresses (CIDR) and whether a DHCP-assigned (dynamic) address is present.</summary>
    public static Dictionary<string, (List<string> Addresses, bool Dynamic, int? Mtu, string? State)> ParseIpAddr(string json)
    {
        var d = new Dictionary<string, (List<string>, bool, int?, string?)>(StringComparer.Ordinal);
        if (string.IsNullOrWhiteSpace(json))
        {
            return d;
        }

        using var doc = JsonDocument.Parse(json);
        foreach (var ifc in doc.RootElement.EnumerateArray())
        {
            var name = ifc.GetProperty("ifname").GetString()!;
            var addrs = new List<string>();
            var dyn = false;
            if (ifc.TryGetProperty("addr_info", out var ai))
            {
                foreach (var a in ai.EnumerateArray())
                {
                    if (a.TryGetProperty("scope", out var scope) && scope.GetString() is "host" or "link")
                    {
                        continue;
                    }

                    addrs.Add($"{a.GetProperty("local").GetString()}/{a.GetProperty("prefixlen").GetInt32()}");
                    if (a.TryGetProperty("dynamic", out var dy) && dy.ValueKind == JsonValueKind.True)
                    {
                        dyn = true;
                    }
                }
            }

            int? mtu = ifc.TryGetProperty("mtu", out var m) ? m.GetInt32() : null;
            string? state = ifc.TryGetProperty("operstate", out var s) ? s.GetString() : null;
            d[name] = (addrs, dyn, mtu, state);
        }

        return d;
    }

    /// <summary>`ip -j route show` (and `ip -j -6 route show`).</summary>
    public static List<NetworkRoute> ParseIpRoute(string json)
    {
        var list = new List<NetworkRoute>();
        if (string.IsNullOrWhiteSpace(json))
        {
            return list;
        }

        using var doc = JsonDocument.Parse(json);
        foreach (var r in doc.RootElement.EnumerateArray())
        {
            list.Add(new NetworkRoute
            {
                Destination = r.TryGetProperty("dst", out var dst) ? dst.GetString() ?? "" : "",
                Gateway = r.TryGetProperty("gateway", out var gw) ? gw.GetString() : null,
                Device = r.TryGetProperty("dev", out var dev) ? dev.GetString() : null,
                Metric = r.TryGetProperty("metric", out var met) ? met.GetInt32() : null,
            });
        }

        return list;
    }
}
