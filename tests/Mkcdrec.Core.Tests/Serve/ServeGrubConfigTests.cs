using Mkcdrec.Core.Serve;

namespace Mkcdrec.Core.Tests.Serve;

public sealed class ServeGrubConfigTests
{
    private static ServeClientBoot Client(string mac, string name, ServeAction action, string? url) => new(new ServeHost(mac, name, action, 1), url);

    [Fact]
    public void A_listed_client_boots_its_own_automatic_recovery_and_others_get_the_rescue_entry()
    {
        var cfg = ServeGrubConfig.Build("10.77.0.1:8080",
        [
            Client("52:54:00:aa:00:01", "web1", ServeAction.Recover, "http://10.77.0.1:8080/backup/web1/20261207T010000Z"),
            Client("52:54:00:aa:00:02", "db1", ServeAction.Menu, null),
        ], defaultBackupUrl: null, timeoutSeconds: 3, extraKernelArguments: "");
        Assert.Contains("set mkcdrec_http=(http,10.77.0.1:8080)\n", cfg, StringComparison.Ordinal);
        Assert.Contains("set timeout=3\n", cfg, StringComparison.Ordinal);
        var web1 = Between(cfg, "if [ \"$net_default_mac\" = \"52:54:00:aa:00:01\" ]; then\n", "elif");
        // The first entry of the branch is the default: the recovery, with the client's own backup.
        Assert.StartsWith("    menuentry \"mkcdrec automatic recovery (web1)\" {\n", web1, StringComparison.Ordinal);
        Assert.Contains("linux $mkcdrec_http/vmlinuz mkcdrec.backup=http://10.77.0.1:8080/backup/web1/20261207T010000Z mkcdrec.auto=recover mkcdrec.report=http://10.77.0.1:8080/report console=tty0 console=ttyS0,115200\n", web1, StringComparison.Ordinal);
        Assert.Contains("initrd $mkcdrec_http/initrd.img\n", web1, StringComparison.Ordinal);
        Assert.Contains("menuentry \"mkcdrec rescue (web1)\"", web1, StringComparison.Ordinal);
        var db1 = Between(cfg, "elif [ \"$net_default_mac\" = \"52:54:00:aa:00:02\" ]; then\n", "else\n");
        Assert.StartsWith("    menuentry \"mkcdrec rescue (db1)\"", db1, StringComparison.Ordinal);
        Assert.DoesNotContain("mkcdrec.auto", db1, StringComparison.Ordinal);
        Assert.DoesNotContain("mkcdrec.backup", db1, StringComparison.Ordinal);
        var other = Between(cfg, "else\n", "fi\n");
        Assert.Contains("menuentry \"mkcdrec rescue\"", other, StringComparison.Ordinal);
        Assert.DoesNotContain("mkcdrec.auto", other, StringComparison.Ordinal);
        Assert.EndsWith("fi\n", cfg, StringComparison.Ordinal);
    }

    [Fact]
    public void A_clone_recovers_with_its_own_hostname_and_a_new_identity()
    {
        var cfg = ServeGrubConfig.Build("10.77.0.1:8080", [new ServeClientBoot(new ServeHost("52:54:00:aa:00:03", "web3", ServeAction.Clone, 1, "web1"), "http://10.77.0.1:8080/backup/web1/t1")],
            null, 5, "");
        Assert.Contains("    menuentry \"mkcdrec automatic recovery (web3)\" {\n", cfg, StringComparison.Ordinal);
        Assert.Contains("vmlinuz mkcdrec.backup=http://10.77.0.1:8080/backup/web1/t1 mkcdrec.auto=recover mkcdrec.hostname=web3 mkcdrec.new-identity mkcdrec.report=http://10.77.0.1:8080/report console=tty0", cfg, StringComparison.Ordinal);
        Assert.Contains("vmlinuz mkcdrec.backup=http://10.77.0.1:8080/backup/web1/t1 mkcdrec.hostname=web3 mkcdrec.new-identity mkcdrec.report=http://10.77.0.1:8080/report console=tty0", cfg, StringComparison.Ordinal); // its rescue entry too
    }

    [Fact]
    public void Without_a_hosts_file_every_client_gets_the_rescue_entry_with_the_one_backup()
    {
        var cfg = ServeGrubConfig.Build("10.77.0.1:8080", [], "http://10.77.0.1:8080/backup", 5, "nomodeset");
        Assert.DoesNotContain("net_default_mac", cfg, StringComparison.Ordinal);
        Assert.Contains("menuentry \"mkcdrec rescue\" {\n", cfg, StringComparison.Ordinal);
        Assert.Contains("vmlinuz mkcdrec.backup=http://10.77.0.1:8080/backup mkcdrec.report=http://10.77.0.1:8080/report nomodeset console=tty0", cfg, StringComparison.Ordinal);
        Assert.DoesNotContain("mkcdrec.auto", cfg, StringComparison.Ordinal);
    }

    [Fact]
    public void A_recovered_client_boots_its_own_disk_by_default_and_keeps_its_recovery_entry()
    {
        var clients = new[]
        {
            Client("52:54:00:aa:00:01", "web1", ServeAction.Recover, "http://10.77.0.1:8080/backup/web1/t1"),
            Client("52:54:00:aa:00:02", "web2", ServeAction.Recover, "http://10.77.0.1:8080/backup/web2/t1"),
        };
        var cfg = ServeGrubConfig.Build("10.77.0.1:8080", clients, null, 5, "", new HashSet<string> { "52:54:00:aa:00:01" });
        var web1 = Between(cfg, "if [ \"$net_default_mac\" = \"52:54:00:aa:00:01\" ]; then\n", "elif");
        Assert.StartsWith("    menuentry \"Boot from the local disk (web1, recovered)\" {\n", web1, StringComparison.Ordinal);
        AssertBootsLocalDisk(web1);
        Assert.Contains("menuentry \"mkcdrec automatic recovery (web1)\"", web1, StringComparison.Ordinal);
        var web2 = Between(cfg, "elif [ \"$net_default_mac\" = \"52:54:00:aa:00:02\" ]; then\n", "else\n");
        Assert.StartsWith("    menuentry \"mkcdrec automatic recovery (web2)\"", web2, StringComparison.Ordinal);
        Assert.DoesNotContain("local disk", web2, StringComparison.Ordinal);
    }

    [Fact]
    public void A_local_client_boots_its_own_disk_by_default_and_has_the_rescue_menu_second()
    {
        var cfg = ServeGrubConfig.Build("10.77.0.1:8080", [Client("52:54:00:aa:00:05", "db2", ServeAction.Local, "http://10.77.0.1:8080/backup/db2/t1")], null, 5, "");
        var db2 = Between(cfg, "if [ \"$net_default_mac\" = \"52:54:00:aa:00:05\" ]; then\n", "else\n");
        Assert.StartsWith("    menuentry \"Boot from the local disk (db2)\" {\n", db2, StringComparison.Ordinal);
        AssertBootsLocalDisk(db2);
        Assert.Contains("    menuentry \"mkcdrec rescue (db2)\" {\n", db2, StringComparison.Ordinal);
        Assert.Contains("vmlinuz mkcdrec.backup=http://10.77.0.1:8080/backup/db2/t1 mkcdrec.report=", db2, StringComparison.Ordinal);
        Assert.DoesNotContain("mkcdrec.auto", db2, StringComparison.Ordinal);
        Assert.DoesNotContain("automatic recovery", db2, StringComparison.Ordinal);
    }

    /// <summary>UEFI: the removable-path loader of the disk's ESP, chain-loaded (the firmware's next boot option only
    /// without one: on a network-first machine that is the network again); BIOS: the first disk's boot code.</summary>
    private static void AssertBootsLocalDisk(string branch)
    {
        Assert.Contains("""
                    if [ "$grub_platform" = "efi" ]; then
                        insmod part_gpt
                        insmod part_msdos
                        insmod fat
                        insmod chain
                        if search --no-floppy --file --set=root /EFI/BOOT/BOOTX64.EFI; then
                            chainloader /EFI/BOOT/BOOTX64.EFI
                            boot
                        fi
                        exit
                    fi
                    insmod biosdisk
                    insmod chain
                    set root=(hd0)
                    chainloader +1

            """, branch, StringComparison.Ordinal);
    }

    [Fact]
    public void A_drill_checks_each_automatic_recovery_on_its_first_boot_and_no_menu_entry()
    {
        var cfg = ServeGrubConfig.Build("10.77.0.1:8080", [Client("52:54:00:aa:00:01", "web1", ServeAction.Clone, "http://10.77.0.1:8080/backup")],
            "http://10.77.0.1:8080/backup", 5, "", drill: true);
        var lines = cfg.Split('\n').Where(l => l.Contains("linux ", StringComparison.Ordinal)).ToList();
        Assert.Equal(3, lines.Count);
        Assert.Contains("mkcdrec.auto=recover mkcdrec.drill=1 mkcdrec.hostname=web1 mkcdrec.new-identity", lines[0], StringComparison.Ordinal);
        Assert.All(lines.Skip(1), l => Assert.DoesNotContain("mkcdrec.drill", l, StringComparison.Ordinal));
    }

    private static string Between(string text, string start, string end)
    {
        var a = text.IndexOf(start, StringComparison.Ordinal);
        Assert.True(a >= 0, "missing: " + start);
        a += start.Length;
        var b = text.IndexOf(end, a, StringComparison.Ordinal);
        return text[a..(b < 0 ? text.Length : b)];
    }
}
