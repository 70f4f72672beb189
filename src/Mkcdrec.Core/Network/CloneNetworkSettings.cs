using System.Text.RegularExpressions;

namespace Mkcdrec.Core.Network;

/// <summary>A clone's network as --net gives it: DHCP, or a static address with an optional gateway and DNS servers.</summary>
public sealed record CloneNetworkSettings(bool Dhcp, string? Address, string? Gateway, List<string> Dns);

public sealed partial class NetworkTechnology
{
    [GeneratedRegex(@"^static:(?<addr>[0-9a-fA-F.:]+/\d+)(?<opts>(,[a-z]+=[^,]+)*)$")]
    private static partial Regex StaticNetworkSpec();

    /// <summary>Parses --net: "dhcp" or "static:ADDR/PREFIX[,gw=GW][,dns=IP[;IP]]".</summary>
    public static CloneNetworkSettings ParseNet(string spec)
    {
        if (spec == "dhcp")
        {
            return new CloneNetworkSettings(true, null, null, []);
        }

        var m = StaticNetworkSpec().Match(spec);
        if (!m.Success)
        {
            throw new MkcdrecException(ExitCode.Usage, $"--net {spec}: not understood.", "Use --net dhcp or --net static:192.0.2.10/24,gw=192.0.2.1,dns=192.0.2.53");
        }

        string? gw = null;
        var dns = new List<string>();
        foreach (var o in m.Groups["opts"].Value.Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            var kv = o.Split('=', 2);
            switch (kv[0])
            {
                case "gw":
                    gw = kv[1];
                    break;
                case "dns":
                    dns.AddRange(kv[1].Split(';', StringSplitOptions.RemoveEmptyEntries));
                    break;
                default:
                    throw new MkcdrecException(ExitCode.Usage, $"--net: unknown setting '{kv[0]}'.", "Settings are gw= and dns=.");
            }
        }

        return new CloneNetworkSettings(false, m.Groups["addr"].Value, gw, dns);
    }
}
