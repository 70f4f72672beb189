using System.Text;

namespace Mkcdrec.Core.Serve;

/// <summary>How serve takes part in DHCP: its own pool, proxy-DHCP beside the site's server, or none (the site's server points clients here).</summary>
public enum DhcpMode
{
    Pool,
    Proxy,
    None,
}

/// <summary>
/// The dnsmasq that serve starts: DHCP (a pool, or proxy-DHCP beside the site's own server) and TFTP of the PXE tree,
/// bound to the one interface serve was told to use, no DNS, no lease file outside the run directory. BIOS clients
/// get GRUB's core.0, UEFI clients (client architecture 7 or 9) core.efi. Options: dnsmasq(8).
/// </summary>
public static class DnsmasqConfig
{
    public const string BiosBootFile = "boot/grub/i386-pc/core.0";
    public const string UefiBootFile = "boot/grub/x86_64-efi/core.efi";

    /// <param name="pool">The DHCP pool (used with <see cref="DhcpMode.Pool"/>).</param>
    public static string Build(ServeInterface ifc, DhcpMode mode, (string First, string Last) pool, string tftpRoot, string runDir)
    {
        var sb = new StringBuilder();
        sb.Append("# dnsmasq for mkcdrec serve (written by mkcdrec; removed when serve stops)\n");
        sb.Append("port=0\n"); // no DNS
        sb.Append("interface=").Append(ifc.Name).Append('\n');
        sb.Append("bind-interfaces\n");
        sb.Append("except-interface=lo\n");
        sb.Append("dhcp-leasefile=").Append(Path.Combine(runDir, "dnsmasq.leases")).Append('\n');
        sb.Append("log-dhcp\n");
        if (mode == DhcpMode.None)
        {
            sb.Append("# no DHCP: the site's DHCP server sends clients here (serve --print-dhcp-config)\n");
        }
        else
        {
            sb.Append("dhcp-range=").Append(mode == DhcpMode.Pool ? $"{pool.First},{pool.Last},{ifc.Netmask},1h" : $"{ifc.Address},proxy").Append('\n');
        }

        if (mode == DhcpMode.Proxy)
        {
            sb.Append("pxe-service=tag:!efi,x86PC,\"mkcdrec rescue (BIOS)\",boot/grub/i386-pc/core\n");
            sb.Append("pxe-service=tag:efi,X86-64_EFI,\"mkcdrec rescue (UEFI)\",").Append(UefiBootFile).Append('\n');
        }

        sb.Append("dhcp-match=set:efi,option:client-arch,7\n");
        sb.Append("dhcp-match=set:efi,option:client-arch,9\n");
        sb.Append("dhcp-boot=tag:!efi,").Append(BiosBootFile).Append(",,").Append(ifc.Address).Append('\n');
        sb.Append("dhcp-boot=tag:efi,").Append(UefiBootFile).Append(",,").Append(ifc.Address).Append('\n');
        sb.Append("enable-tftp\n");
        sb.Append("tftp-root=").Append(tftpRoot).Append('\n');
        sb.Append("tftp-no-fail\n");
        return sb.ToString();
    }

    /// <summary>For <c>serve --print-dhcp-config</c>: what a site's own dnsmasq or ISC Kea needs to send clients here.</summary>
    public static string ForOwnServer(ServeInterface ifc) => $"""
        # Clients on {ifc.Name}'s segment boot mkcdrec serve's rescue system from TFTP at {ifc.Address}.
        # dnsmasq (in the site's dnsmasq.conf):
        dhcp-match=set:efi,option:client-arch,7
        dhcp-match=set:efi,option:client-arch,9
        dhcp-boot=tag:!efi,{BiosBootFile},,{ifc.Address}
        dhcp-boot=tag:efi,{UefiBootFile},,{ifc.Address}
        # ISC Kea (Dhcp4, in the subnet of that segment):
        "next-server": "{ifc.Address}",
        "client-classes": [
          {"{"} "name": "uefi", "test": "option[93].hex == 0x0007 or option[93].hex == 0x0009", "boot-file-name": "{UefiBootFile}" {"}"},
          {"{"} "name": "bios", "test": "not (option[93].hex == 0x0007 or option[93].hex == 0x0009)", "boot-file-name": "{BiosBootFile}" {"}"}
        ]
        # Then run: mkcdrec serve ... --interface {ifc.Name} --no-dhcp (TFTP and HTTP only).
        """;
}
