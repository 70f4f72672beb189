using System.Text.Json;
using Mkcdrec.Model.Layout;

namespace Mkcdrec.Core.Network;

/// <summary>`ip -j addr show` and `ip -j route show` (iproute2's JSON output).</summary>
public static class IpJsonParser
{
    /// <summary>`ip -j addr show`: interface → addresses (CIDR) and whether a DHCP-assigned (dynamic) address is present.</summary>
    public static Dictionary<string, (List<string> Addresses, bool Dynamic, int? Mtu, string? State)> ParseAddresses(string json)
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
    public static List<NetworkRoute> ParseRoutes(string json)
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
