using System.Net;
using Mkcdrec.Core.Platform;
using Mkcdrec.Core.Serve;

namespace Mkcdrec.Core.Tests.Serve;

public sealed class ServeInterfaceTests
{
    private const string IpJson = """
        [{"ifname":"lo","addr_info":[{"family":"inet","local":"127.0.0.1","prefixlen":8,"scope":"host"}]},
         {"ifname":"br0","addr_info":[{"family":"inet6","local":"fd00::1","prefixlen":64,"scope":"global"},{"family":"inet","local":"10.77.0.1","prefixlen":24,"scope":"global"}]},
         {"ifname":"eth1","addr_info":[{"family":"inet6","local":"fe80::1","prefixlen":64,"scope":"link"}]}]
        """;

    private sealed class IpAddr : IProcessRunner
    {
        public ProcessResult Run(ProcessRequest request) =>
            request.CommandLine == "ip -j addr show" ? new ProcessResult(0, IpJson, "", TimeSpan.Zero) : throw new InvalidOperationException(request.CommandLine);

        public bool CanRun(string program) => true;
    }

    [Fact]
    public void The_interface_gives_its_ipv4_address_and_prefix()
    {
        Assert.Equal(new ServeInterface("br0", IPAddress.Parse("10.77.0.1"), 24), ServeInterface.Find(new IpAddr(), "br0"));
    }

    [Fact]
    public void A_missing_interface_is_refused_naming_those_there_are()
    {
        var e = Assert.Throws<MkcdrecException>(() => ServeInterface.Find(new IpAddr(), "eth9"));
        Assert.Equal("There is no network interface 'eth9' on this machine.", e.Message);
        Assert.Contains("br0, eth1", e.Hint, StringComparison.Ordinal);
    }

    [Fact]
    public void An_interface_without_ipv4_is_refused_with_the_command_that_gives_it_one()
    {
        var e = Assert.Throws<MkcdrecException>(() => ServeInterface.Find(new IpAddr(), "eth1"));
        Assert.Contains("no IPv4 address", e.Message, StringComparison.Ordinal);
        Assert.Contains("ip addr add", e.Hint, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("10.77.0.1", 24, "10.77.0.100", "10.77.0.199")]
    [InlineData("10.77.0.150", 24, "10.77.0.100", "10.77.0.149")] // the server's own address is never in the pool
    [InlineData("10.77.0.120", 24, "10.77.0.121", "10.77.0.199")]
    [InlineData("172.16.5.1", 16, "172.16.0.100", "172.16.0.199")]
    [InlineData("192.168.9.1", 28, "192.168.9.8", "192.168.9.14")]
    public void The_default_pool_is_host_numbers_100_to_199_or_the_upper_half_of_a_small_subnet(string address, int prefix, string first, string last)
    {
        var (a, b) = new ServeInterface("br0", IPAddress.Parse(address), prefix).DefaultPool();
        Assert.Equal((first, last), (a.ToString(), b.ToString()));
    }

    [Fact]
    public void A_point_to_point_subnet_gets_no_default_pool()
    {
        var e = Assert.Throws<MkcdrecException>(() => new ServeInterface("br0", IPAddress.Parse("10.0.0.1"), 30).DefaultPool());
        Assert.Contains("--dhcp-range", e.Hint, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("10.77.0.50,10.77.0.60")]
    [InlineData("10.77.0.2,10.77.0.254")]
    public void A_given_pool_inside_the_subnet_without_the_servers_address_is_taken(string range)
    {
        var parts = range.Split(',');
        new ServeInterface("br0", IPAddress.Parse("10.77.0.1"), 24).CheckPool(IPAddress.Parse(parts[0]), IPAddress.Parse(parts[1]), range);
    }

    [Theory]
    [InlineData("10.78.0.100,10.78.0.199", "--dhcp-range 10.78.0.100,10.78.0.199: 10.78.0.100 is not a host address of br0's subnet 10.77.0.0/24.")]
    [InlineData("10.77.0.100,10.77.1.20", "--dhcp-range 10.77.0.100,10.77.1.20: 10.77.1.20 is not a host address of br0's subnet 10.77.0.0/24.")]
    [InlineData("10.77.0.0,10.77.0.20", "--dhcp-range 10.77.0.0,10.77.0.20: 10.77.0.0 is not a host address of br0's subnet 10.77.0.0/24.")]
    [InlineData("10.77.0.100,10.77.0.255", "--dhcp-range 10.77.0.100,10.77.0.255: 10.77.0.255 is not a host address of br0's subnet 10.77.0.0/24.")]
    [InlineData("10.77.0.199,10.77.0.100", "--dhcp-range 10.77.0.199,10.77.0.100: 10.77.0.199 comes after 10.77.0.100.")]
    [InlineData("10.77.0.150,10.77.0.160", "--dhcp-range 10.77.0.150,10.77.0.160: it holds this server's own address 10.77.0.155.")]
    public void A_given_pool_outside_the_subnet_backwards_or_holding_the_servers_address_is_refused(string range, string message)
    {
        var parts = range.Split(',');
        var e = Assert.Throws<MkcdrecException>(() => new ServeInterface("br0", IPAddress.Parse("10.77.0.155"), 24).CheckPool(IPAddress.Parse(parts[0]), IPAddress.Parse(parts[1]), range));
        Assert.Equal(ExitCode.Usage, e.Code);
        Assert.Equal(message, e.Message);
        Assert.Equal("Give FIRST,LAST inside 10.77.0.0/24, FIRST before LAST, without 10.77.0.155: e.g. 10.77.0.100,10.77.0.154.", e.Hint);
    }

    [Theory]
    [InlineData(32, "--dhcp-range 10.77.0.5,10.77.0.6: br0's subnet 10.77.0.155/32 has no address to lend beside this server's 10.77.0.155.")]
    [InlineData(31, "--dhcp-range 10.77.0.5,10.77.0.6: br0's subnet 10.77.0.154/31 has no address to lend beside this server's 10.77.0.155.")]
    public void A_pool_on_a_point_to_point_or_host_subnet_is_refused_naming_the_real_subnet(int prefix, string message)
    {
        var e = Assert.Throws<MkcdrecException>(() => new ServeInterface("br0", IPAddress.Parse("10.77.0.155"), prefix).CheckPool(IPAddress.Parse("10.77.0.5"), IPAddress.Parse("10.77.0.6"), "10.77.0.5,10.77.0.6"));
        Assert.Equal(ExitCode.Usage, e.Code);
        Assert.Equal(message, e.Message);
        Assert.Equal("Serve on an interface whose subnet is a /30 or larger.", e.Hint);
    }
}
