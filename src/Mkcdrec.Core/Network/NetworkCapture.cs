using Mkcdrec.Core.Platform;
using Mkcdrec.Core.Storage;
using Mkcdrec.Model.Layout;

namespace Mkcdrec.Core.Network;

/// <summary>Capture: the interfaces (sysfs, ip addr), the routes (ip route) and DNS (resolv.conf).</summary>
public sealed partial class NetworkTechnology
{
    public void Capture(CaptureContext context)
    {
        var net = context.Document.Network;
        net.Hostname = context.Document.Host.Hostname;
        Dictionary<string, (List<string> Addresses, bool Dynamic, int? Mtu, string? State)> addrs = [];
        if (context.Run.CanRun("ip"))
        {
            var a = context.Run.Run(new ProcessRequest("ip", ["-j", "addr", "show"]));
            if (a.ExitCode == 0)
            {
                addrs = IpJsonParser.ParseAddresses(a.StandardOutput);
            }

            foreach (var family in new[] { "-4", "-6" })
            {
                var r = context.Run.Run(new ProcessRequest("ip", ["-j", family, "route", "show"]));
                if (r.ExitCode == 0)
                {
                    net.Routes.AddRange(IpJsonParser.ParseRoutes(r.StandardOutput).Where(x => x.Device != "lo"));
                }
            }
        }

        foreach (var ifc in context.Files.ListDirectory("/sys/class/net"))
        {
            if (ifc == "lo")
            {
                continue;
            }

            var sys = "/sys/class/net/" + ifc;
            var driver = context.Files.ReadLink(sys + "/device/driver");
            var reported = addrs.TryGetValue(ifc, out var ai);
            net.Interfaces.Add(new NetworkInterface
            {
                Name = ifc,
                Mac = context.ReadTrim(sys + "/address"),
                Driver = driver is null ? null : Path.GetFileName(driver),
                Mtu = reported ? ai.Mtu : (context.ReadInt(sys + "/mtu") is var mtu && mtu > 0 ? mtu : null),
                State = reported ? ai.State : context.ReadTrim(sys + "/operstate"),
                Addresses = reported ? ai.Addresses : [],
                Dhcp = reported && ai.Dynamic,
            });
        }

        var (ns, search) = ResolvConfParser.Parse(context.Files.ReadText("/etc/resolv.conf") ?? "");
        net.Nameservers = ns;
        net.SearchDomains = search;
    }
}
