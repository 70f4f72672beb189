using Mkcdrec.Core.Destinations;
using Mkcdrec.Core.Media;

namespace Mkcdrec.Core.Tests.Media;

/// <summary>mkbackup --dest: the URL a rescue-only medium's boot entries give the rescue system, and how GRUB carries it.</summary>
public sealed class RemoteBackupMediumTests
{
    [Theory]
    [InlineData("sftp://backup@vault.example:2222/srv/backups?identity=/root/.ssh/backup_key&config=/etc/mkcdrec/ssh", "web1/20261204T050000Z",
        "sftp://backup@vault.example:2222/srv/backups/web1/latest")]
    [InlineData("sftp://vault/~/backups", "db-2/20261204T050000Z", "sftp://vault/~/backups/db-2/latest")]
    [InlineData("nfs://filer/export/backups?vers=4.1", "web1/20261204T050000Z", "nfs://filer/export/backups/web1/latest?vers=4.1")]
    [InlineData("s3://fleet/servers?endpoint=http%3A%2F%2F10.0.2.2%3A4568&style=path", "web1/20261204T050000Z",
        "s3://fleet/servers/web1/latest?endpoint=http%3A%2F%2F10.0.2.2%3A4568&style=path")]
    public void The_medium_names_the_hosts_latest_backup_without_options_naming_files_on_this_host(string dest, string name, string expected)
    {
        var url = StoredSystemBackup.RescueUrlFor(DestinationUrl.Parse(dest), name);
        Assert.Equal(expected, url);
        Assert.Equal(DestinationUrl.Parse(dest).Kind, DestinationUrl.Parse(url).Kind);
        Assert.DoesNotContain("identity", url, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_options_keeps_the_others_and_their_order()
    {
        var d = DestinationUrl.Parse("s3://bkt/p?endpoint=http%3A%2F%2Fx&region=eu-west-3&profile=backup");
        Assert.Equal("s3://bkt/p?endpoint=http%3A%2F%2Fx&profile=backup", d.WithoutOptions("region").Text);
        Assert.Equal("s3://bkt/p", d.WithoutOptions("endpoint", "region", "profile").Text);
        Assert.Equal(d.Text, d.WithoutOptions("identity").Text);
    }

    [Fact]
    public void Grub_quotes_an_argument_with_its_metacharacters_and_pxelinux_takes_it_as_it_is()
    {
        var o = new BootMenuOptions
        {
            BackupUrl = "s3://fleet/servers/web1/latest?endpoint=http%3A%2F%2F10.0.2.2%3A4568&style=path",
            KernelPath = "/vmlinuz",
            InitrdPath = "/initrd.img",
        };
        Assert.Contains("linux /vmlinuz \"mkcdrec.backup=s3://fleet/servers/web1/latest?endpoint=http%3A%2F%2F10.0.2.2%3A4568&style=path\" console=tty0",
            BootMenu.GrubConfig(o, netboot: true), StringComparison.Ordinal);
        Assert.Contains("APPEND mkcdrec.backup=s3://fleet/servers/web1/latest?endpoint=http%3A%2F%2F10.0.2.2%3A4568&style=path console=tty0",
            BootMenu.PxelinuxConfig(o), StringComparison.Ordinal);
        Assert.Equal("mkcdrec.backup=sftp://vault/srv/b/web1/latest", BootMenu.BackupArgument("sftp://vault/srv/b/web1/latest"));
        Assert.Throws<MkcdrecException>(() => BootMenu.BackupArgument("sftp://vault/srv/b`reboot`"));
    }
}
