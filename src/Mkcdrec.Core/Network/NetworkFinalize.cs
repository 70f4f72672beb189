using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Mkcdrec.Core.Storage;
using Mkcdrec.Model.Layout;

namespace Mkcdrec.Core.Network;

public sealed partial class NetworkTechnology
{
    [GeneratedRegex(@"^\s*iface\s+(?<n>\S+)\s+inet6?\s+\S+", RegexOptions.Multiline)]
    private static partial Regex IfaceLine();

    /// <summary>A clone's --net: written where the restored system configures its network (ifupdown, else systemd-networkd).</summary>
    public void ApplyClone(FinalizeContext context)
    {
        if (context.CloneNetwork is not { } spec)
        {
            return;
        }

        var net = ParseNet(spec);
        var primary = PrimaryInterface(context.Layout);
        var what = net.Dhcp ? "DHCP" : $"{net.Address}" + (net.Gateway is null ? "" : $" via {net.Gateway}");
        var ifupdown = context.RootPath("/etc/network/interfaces");
        var networkd = context.RootPath("/etc/systemd/network");
        if (File.Exists(ifupdown) && IfaceLine().Matches(File.ReadAllText(ifupdown)).Any(m => m.Groups["n"].Value != "lo"))
        {
            context.Changes.AddRange(WriteIfupdown(context, ifupdown, net, primary, what));
        }
        else if (Directory.Exists(networkd) && Directory.GetFiles(networkd, "*.network").Length > 0)
        {
            context.Changes.AddRange(WriteNetworkd(context, networkd, net, primary, what));
        }
        else
        {
            context.Say("warning: --net given, but the system uses neither /etc/network/interfaces nor systemd-networkd .network files; its network configuration is unchanged.");
        }
    }

    /// <summary>The interface the layout configured (else the first with a MAC address): the one the clone's settings go to.</summary>
    private static string? PrimaryInterface(LayoutDocument layout) =>
        layout.Network.Interfaces.FirstOrDefault(i => i.Name != "lo" && (i.Dhcp || i.Addresses.Count > 0))?.Name
            ?? layout.Network.Interfaces.FirstOrDefault(i => i.Name != "lo" && i.Mac is not null)?.Name;

    private static List<string> WriteIfupdown(FinalizeContext context, string ifupdown, CloneNetworkSettings net, string? primary, string what)
    {
        var text = File.ReadAllText(ifupdown);
        var name = IfaceLine().Matches(text).Select(m => m.Groups["n"].Value).FirstOrDefault(n => n != "lo") ?? primary ?? "eth0";
        var sb = new StringBuilder();
        sb.Append("# written by mkcdrec recover (clone); the original is interfaces.mkcdrec-orig\n");
        if (text.Contains("source /etc/network/interfaces.d/*", StringComparison.Ordinal))
        {
            sb.Append("source /etc/network/interfaces.d/*\n");
        }

        sb.Append("\nauto lo\niface lo inet loopback\n\n");
        sb.Append(CultureInfo.InvariantCulture, $"allow-hotplug {name}\n");
        if (net.Dhcp)
        {
            sb.Append(CultureInfo.InvariantCulture, $"iface {name} inet dhcp\n");
        }
        else
        {
            sb.Append(CultureInfo.InvariantCulture, $"iface {name} inet static\n    address {net.Address}\n");
            if (net.Gateway is not null)
            {
                sb.Append(CultureInfo.InvariantCulture, $"    gateway {net.Gateway}\n");
            }

            if (net.Dns.Count > 0)
            {
                sb.Append(CultureInfo.InvariantCulture, $"    dns-nameservers {string.Join(' ', net.Dns)}\n");
            }
        }

        File.Copy(ifupdown, ifupdown + ".mkcdrec-orig", overwrite: true);
        context.WriteFile(ifupdown, sb.ToString());
        WriteResolvConf(context, net.Dns);
        context.Say($"Clone: network of {name} set to {what} in /etc/network/interfaces.");
        return [$"network {name}: {what} (ifupdown)"];
    }

    private static List<string> WriteNetworkd(FinalizeContext context, string networkd, CloneNetworkSettings net, string? primary, string what)
    {
        foreach (var f in Directory.GetFiles(networkd, "*.network"))
        {
            File.Move(f, f + ".mkcdrec-orig", overwrite: true);
        }

        var sb = new StringBuilder("# written by mkcdrec recover (clone); the previous files are *.network.mkcdrec-orig\n[Match]\n");
        sb.Append(primary is null ? "Name=en* eth*\n" : $"Name={primary} en* eth*\n");
        sb.Append("\n[Network]\n");
        if (net.Dhcp)
        {
            sb.Append("DHCP=yes\n");
        }
        else
        {
            sb.Append(CultureInfo.InvariantCulture, $"Address={net.Address}\n");
            if (net.Gateway is not null)
            {
                sb.Append(CultureInfo.InvariantCulture, $"Gateway={net.Gateway}\n");
            }

            foreach (var d in net.Dns)
            {
                sb.Append(CultureInfo.InvariantCulture, $"DNS={d}\n");
            }
        }

        context.WriteFile(networkd + "/10-mkcdrec-clone.network", sb.ToString());
        context.Say($"Clone: network set to {what} in /etc/systemd/network/10-mkcdrec-clone.network.");
        return [$"network: {what} (systemd-networkd)"];
    }

    /// <summary>Static DNS servers into resolv.conf, unless it is a link (systemd-resolved, resolvconf manage it).</summary>
    private static void WriteResolvConf(FinalizeContext context, List<string> dns)
    {
        var path = context.RootPath("/etc/resolv.conf");
        if (dns.Count == 0 || new FileInfo(path).LinkTarget is not null)
        {
            return;
        }

        context.WriteFile(path, string.Concat(dns.Select(d => "nameserver " + d + "\n")));
    }
}
