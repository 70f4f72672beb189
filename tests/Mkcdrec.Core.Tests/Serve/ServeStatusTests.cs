using Mkcdrec.Core.Serve;

namespace Mkcdrec.Core.Tests.Serve;

public sealed class ServeStatusTests
{
    private readonly List<ServeClientEvent> _events = [];
    private readonly ServeStatus _status;

    public ServeStatusTests() => _status = new ServeStatus([new ServeHost("52:54:00:aa:00:01", "web1", ServeAction.Recover, 1)], _events.Add);

    [Fact]
    public void A_client_is_followed_from_its_lease_through_tftp_to_the_backup_by_mac()
    {
        _status.DnsmasqLine("Dec  7 03:09:20 dnsmasq-dhcp[31283]: 2346785 DHCPACK(br0) 10.77.0.158 52:54:00:AA:00:01");
        _status.DnsmasqLine("Dec  7 03:09:33 dnsmasq-tftp[31283]: sent /run/mkcdrec/serve/tftp/boot/grub/i386-pc/core.0 to 10.77.0.158");
        _status.DnsmasqLine("Dec  7 03:09:33 dnsmasq-tftp[31283]: sent /run/mkcdrec/serve/tftp/boot/grub/grub.cfg to 10.77.0.158");
        _status.DnsmasqLine("Dec  7 03:09:33 dnsmasq-tftp[31283]: sent /run/mkcdrec/serve/tftp/boot/grub/i386-pc/http.mod to 10.77.0.158");
        _status.Served(new ServedRequest("10.77.0.158", "/vmlinuz", 8 << 20, 200));
        _status.Served(new ServedRequest("10.77.0.158", "/initrd.img", 34 << 20, 200));
        _status.Served(new ServedRequest("10.77.0.158", "/backup/web1/t1/manifest.json", 4096, 200));
        _status.Served(new ServedRequest("10.77.0.158", "/backup/web1/t1/layout.json", 0, 404)); // tried, optional
        _status.Served(new ServedRequest("10.77.0.158", "/backup/web1/t1/root.tar.zst.001", 1 << 20, 200));
        Assert.Equal(["leased 10.77.0.158", "boot loader (TFTP)", "boot menu (TFTP)", "kernel (HTTP)", "initramfs (HTTP)", "fetching the backup (HTTP)"],
            _events.Select(e => e.Phase));
        Assert.All(_events, e => Assert.Equal(("52:54:00:aa:00:01", "web1"), (e.Mac, e.Hostname)));
        Assert.All(_events, e => Assert.Null(e.Error));
        var last = Assert.Single(_status.Clients);
        Assert.Equal((8L << 20) + (34L << 20) + 4096 + (1 << 20), last.HttpBytes);
        Assert.Equal("web1 52:54:00:aa:00:01 10.77.0.158: fetching the backup (HTTP), 43.0 MiB over HTTP", ServeStatus.Describe(last));
    }

    [Fact]
    public void The_rescue_systems_reports_show_its_recovery_and_a_failure_as_an_error()
    {
        _status.DnsmasqLine("dnsmasq-dhcp[1]: DHCPACK(br0) 10.77.0.158 52:54:00:aa:00:01");
        _status.Reported("10.77.0.158", "recovering unattended");
        _status.Reported("10.77.0.158", "recovery FAILED (exit 4)");
        Assert.Equal("web1 52:54:00:aa:00:01 10.77.0.158: rescue system: recovering unattended, 0.0 MiB over HTTP", ServeStatus.Describe(_events[^2]));
        Assert.Equal("recovery FAILED (exit 4)", _events[^1].Error);
    }

    [Fact]
    public void A_missing_kernel_is_an_error_and_a_client_outside_the_hosts_file_is_named_so()
    {
        _status.DnsmasqLine("dnsmasq-dhcp[1]: DHCPACK(br0) 10.77.0.160 52:54:00:aa:00:09");
        _status.Served(new ServedRequest("10.77.0.160", "/vmlinuz", 0, 404));
        Assert.Equal("HTTP 404 for /vmlinuz", _events[^1].Error);
        Assert.StartsWith("(not in the hosts file) 52:54:00:aa:00:09 10.77.0.160: kernel (HTTP)", ServeStatus.Describe(_events[^1]), StringComparison.Ordinal);
    }

    [Fact]
    public void A_finished_recovery_of_a_leased_client_asks_serve_to_boot_its_own_disk_next_time()
    {
        var recovered = new List<string>();
        var status = new ServeStatus([new ServeHost("52:54:00:aa:00:01", "web1", ServeAction.Recover, 1)], _events.Add, recovered.Add);
        status.Reported("10.77.0.158", "recovered; rebooting"); // no lease seen for that address: no MAC to switch
        status.DnsmasqLine("dnsmasq-dhcp[1]: DHCPACK(br0) 10.77.0.158 52:54:00:aa:00:01");
        status.Reported("10.77.0.158", "recovering unattended");
        Assert.Empty(recovered);
        status.Reported("10.77.0.158", "recovered; rebooting");
        Assert.Equal(["52:54:00:aa:00:01"], recovered);
        Assert.Equal("rescue system: recovered; rebooting (its next network boot starts its own disk)", _events[^1].Phase);
    }
}
