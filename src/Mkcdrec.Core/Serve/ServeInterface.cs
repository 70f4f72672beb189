using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Mkcdrec.Core.Network;
using Mkcdrec.Core.Platform;

namespace Mkcdrec.Core.Serve;

/// <summary>The one interface serve answers on: its name and IPv4 address. DHCP, TFTP and HTTP bind to it alone.</summary>
public sealed record ServeInterface(string Name, IPAddress Address, int PrefixLength)
{
    /// <summary>Reads the interface with <c>ip -j addr show</c>; a missing interface or one without IPv4 is refused, naming what exists.</summary>
    public static ServeInterface Find(IProcessRunner run, string name)
    {
        var all = IpJsonParser.ParseAddresses(run.RunChecked("ip", "-j", "addr", "show"));
        if (!all.TryGetValue(name, out var ifc))
        {
            throw new MkcdrecException(ExitCode.Usage, $"There is no network interface '{name}' on this machine.",
                $"Give --interface one of: {string.Join(", ", all.Keys.Where(k => k != "lo").Order(StringComparer.Ordinal))} (the one on the clients' network segment).");
        }

        foreach (var cidr in ifc.Addresses)
        {
            var slash = cidr.IndexOf('/', StringComparison.Ordinal);
            if (IPAddress.TryParse(cidr[..slash], out var ip) && ip.AddressFamily == AddressFamily.InterNetwork)
            {
                return new ServeInterface(name, ip, int.Parse(cidr[(slash + 1)..], CultureInfo.InvariantCulture));
            }
        }

        throw new MkcdrecException(ExitCode.Usage, $"The interface {name} has no IPv4 address: PXE clients could not reach this server.",
            $"Give it one (e.g. ip addr add 192.168.50.1/24 dev {name}) or choose another interface.");
    }

    /// <summary>The default DHCP pool: host numbers 100–199 of the interface's subnet (fewer on a small one), never the server's own.</summary>
    public (IPAddress First, IPAddress Last) DefaultPool()
    {
        if (PrefixLength is < 8 or > 29)
        {
            throw new MkcdrecException(ExitCode.Usage, $"The interface {Name} has a /{PrefixLength} network: serve picks a DHCP pool only on /8 to /29.",
                "Give the pool with --dhcp-range FIRST,LAST, or use --proxy-dhcp where a DHCP server already runs.");
        }

        var size = 1u << (32 - PrefixLength);
        var network = ToUInt(Address) & ~(size - 1);
        var first = size >= 256 ? 100u : size / 2;
        var last = Math.Min(first + 99, size - 2);
        var own = ToUInt(Address) - network;
        if (own >= first && own <= last)
        {
            (first, last) = own - first > last - own ? (first, own - 1) : (own + 1, last);
        }

        return (FromUInt(network + first), FromUInt(network + last));
    }

    /// <summary>
    /// A pool the admin gave (--dhcp-range): both ends host addresses of this subnet, in order, without the server's
    /// own. dnsmasq takes any range and then answers no client on this interface, with only a line in its log.
    /// </summary>
    public void CheckPool(IPAddress first, IPAddress last, string given)
    {
        var network = ToUInt(Address) & Mask;
        var subnet = $"{FromUInt(network)}/{PrefixLength}";
        if (PrefixLength >= 31)
        {
            throw new MkcdrecException(ExitCode.Usage, $"--dhcp-range {given}: {Name}'s subnet {subnet} has no address to lend beside this server's {Address}.",
                "Serve on an interface whose subnet is a /30 or larger.");
        }

        var size = 1u << (32 - PrefixLength);
        string? wrong = null;
        foreach (var end in new[] { first, last })
        {
            var host = ToUInt(end) - network;
            if ((ToUInt(end) & ~(size - 1)) != network || host == 0 || host == size - 1)
            {
                wrong ??= $"{end} is not a host address of {Name}'s subnet {subnet}";
            }
        }

        if (wrong is null && ToUInt(first) > ToUInt(last))
        {
            wrong = $"{first} comes after {last}";
        }

        if (wrong is null && ToUInt(Address) >= ToUInt(first) && ToUInt(Address) <= ToUInt(last))
        {
            wrong = $"it holds this server's own address {Address}";
        }

        if (wrong is not null)
        {
            throw new MkcdrecException(ExitCode.Usage, $"--dhcp-range {given}: {wrong}.",
                $"Give FIRST,LAST inside {subnet}, FIRST before LAST, without {Address}: e.g. {DefaultPoolText()}.");
        }
    }

    private string DefaultPoolText() => PrefixLength is >= 8 and <= 29 && DefaultPool() is var (a, b) ? $"{a},{b}" : $"{Address}";

    public string Netmask => FromUInt(Mask).ToString();

    private uint Mask => PrefixLength == 0 ? 0 : uint.MaxValue << (32 - PrefixLength);

    private static uint ToUInt(IPAddress a)
    {
        var b = a.GetAddressBytes();
        return ((uint)b[0] << 24) | ((uint)b[1] << 16) | ((uint)b[2] << 8) | b[3];
    }

    private static IPAddress FromUInt(uint v) => new([(byte)(v >> 24), (byte)(v >> 16), (byte)(v >> 8), (byte)v]);
}
