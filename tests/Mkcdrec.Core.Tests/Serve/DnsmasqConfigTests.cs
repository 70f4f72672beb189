using System.Net;
using Mkcdrec.Core.Serve;

namespace Mkcdrec.Core.Tests.Serve;

public sealed class DnsmasqConfigTests
{
    private static readonly ServeInterface Br0 = new("br0", IPAddress.Parse("10.77.0.1"), 24);

    private static string[] Lines(DhcpMode mode) =>
        DnsmasqConfig.Build(Br0, mode, ("10.77.0.100", "10.77.0.199"), "/run/mkcdrec/serve/tftp", "/run/mkcdrec/serve").Split('\n');

    [Fact]
    public void Dnsmasq_answers_on_the_one_interface_without_dns_and_boots_bios_and_uefi_clients_from_tftp()
    {
        var lines = Lines(DhcpMode.Pool);
        Assert.Contains("port=0", lines);
        Assert.Contains("interface=br0", lines);
        Assert.Contains("bind-interfaces", lines);
        Assert.Contains("dhcp-range=10.77.0.100,10.77.0.199,255.255.255.0,1h", lines);
        Assert.Contains("dhcp-match=set:efi,option:client-arch,7", lines);
        Assert.Contains("dhcp-boot=tag:!efi,boot/grub/i386-pc/core.0,,10.77.0.1", lines);
        Assert.Contains("dhcp-boot=tag:efi,boot/grub/x86_64-efi/core.efi,,10.77.0.1", lines);
        Assert.Contains("tftp-root=/run/mkcdrec/serve/tftp", lines);
        Assert.Contains("dhcp-leasefile=/run/mkcdrec/serve/dnsmasq.leases", lines);
        Assert.DoesNotContain(lines, l => l.StartsWith("pxe-service", StringComparison.Ordinal));
    }

    [Fact]
    public void Proxy_dhcp_gives_no_addresses_and_offers_the_pxe_services()
    {
        var lines = Lines(DhcpMode.Proxy);
        Assert.Contains("dhcp-range=10.77.0.1,proxy", lines);
        Assert.Contains(lines, l => l.StartsWith("pxe-service=tag:!efi,x86PC,", StringComparison.Ordinal) && l.EndsWith(",boot/grub/i386-pc/core", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("pxe-service=tag:efi,X86-64_EFI,", StringComparison.Ordinal));
    }

    [Fact]
    public void Without_dhcp_only_tftp_runs()
    {
        Assert.DoesNotContain(Lines(DhcpMode.None), l => l.StartsWith("dhcp-range", StringComparison.Ordinal));
    }

    [Fact]
    public void The_config_for_a_sites_own_server_names_this_server_and_both_boot_files()
    {
        var text = DnsmasqConfig.ForOwnServer(Br0);
        Assert.Contains("dhcp-boot=tag:efi,boot/grub/x86_64-efi/core.efi,,10.77.0.1", text, StringComparison.Ordinal);
        Assert.Contains("\"next-server\": \"10.77.0.1\"", text, StringComparison.Ordinal);
        Assert.Contains("--no-dhcp", text, StringComparison.Ordinal);
    }
}
