using Mkcdrec.Model.Layout;
using Mkcdrec.SystemTests.Destinations;
using Mkcdrec.Tests.Shared;
using Mkcdrec.TestVm;

namespace Mkcdrec.SystemTests.Rescue;

/// <summary>
/// `mkcdrec.net=static` (#15, never driven before): on a segment without DHCP the rescue system takes the captured
/// network. The layout says the server's NIC (found by its MAC, whatever the rescue kernel calls it) had 10.0.2.77/24
/// with a default route via 10.0.2.2; booted with that on the kernel command line, the rescue system has exactly that
/// address and route, ran no DHCP client, and fetches a file from a loopback HTTP server through QEMU's user network.
/// </summary>
public sealed class RescueStaticNetworkTests(ITestOutputHelper output) : IDisposable
{
    private const string Mac = "52:54:00:4d:4b:01";

    private readonly string _work = Tool.TempDir("mkcdrec-static-net-");

    public void Dispose() => Tool.RemoveDir(_work);

    [Fact]
    public void The_captured_static_address_and_route_come_up_without_dhcp_and_reach_the_host()
    {
        // This host's layout with the network of a server whose NIC "ens9" had a static address (no DHCP).
        var layout = Path.Combine(_work, "layout.json");
        Tool.Checked(RepoPaths.MkcdrecBinary, ["layout", "save", "-o", layout, "--log", Path.Combine(_work, "layout.log")]);
        var doc = LayoutSerializer.Deserialize(File.ReadAllText(layout));
        doc.Network = new NetworkInfo
        {
            Hostname = "static-server",
            Interfaces = [new NetworkInterface { Name = "ens9", Mac = Mac, Addresses = ["10.0.2.77/24"], Dhcp = false, State = "UP" }],
            Routes = [new NetworkRoute { Destination = "default", Gateway = "10.0.2.2", Device = "ens9" }],
            Nameservers = ["10.0.2.3"],
        };
        File.WriteAllText(layout, LayoutSerializer.Serialize(doc));

        var www = Path.Combine(_work, "www");
        Directory.CreateDirectory(www);
        File.WriteAllText(Path.Combine(www, "hello.txt"), "reached over the static route\n");
        using var server = new LoopbackHttpServer(www);

        var args = NetbootRescue.Build(_work, null, "mkcdrec.net=static", layout);
        args.AddRange(["-nic", $"user,model=virtio-net-pci,mac={Mac}"]);
        using var g = new SerialGuest(args);
        var menu = new RescueMenu(g);
        try
        {
            var screen = menu.WaitForMenu(TimeSpan.FromMinutes(5));
            Assert.Matches(@"Network: eth\d+ 10\.0\.2\.77/24", screen);
            menu.EnterShell();
            var (rc, shown) = menu.Run("ip -4 -o addr show scope global; ip route show default; cat /etc/resolv.conf; ls /run/mkcdrec/udhcpc.* 2>/dev/null | wc -l | sed 's/^/UDHCPC-LOGS=/'; "
                + $"wget -q -O - http://10.0.2.2:{server.Port}/hello.txt");
            Assert.True(rc == 0, "the shell's checks failed:\n" + shown);
            Assert.Matches(@"eth\d+\s+inet 10\.0\.2\.77/24", shown);
            Assert.Matches(@"default via 10\.0\.2\.2 dev eth\d+", shown);
            Assert.Contains("nameserver 10.0.2.3", shown, StringComparison.Ordinal);
            Assert.Contains("UDHCPC-LOGS=0", shown, StringComparison.Ordinal);
            Assert.Contains("reached over the static route", shown, StringComparison.Ordinal);
            Assert.DoesNotContain("DHCP on", g.Text, StringComparison.Ordinal);
            menu.LeaveShell();
            menu.PowerOff();
        }
        finally
        {
            output.WriteLine(SerialGuest.Tail(g.Text, 6000));
        }
    }
}
