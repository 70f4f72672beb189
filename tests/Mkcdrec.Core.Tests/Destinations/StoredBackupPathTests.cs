using System.Text;
using Mkcdrec.Core.Destinations;
using Mkcdrec.Core.Destinations.Routing;

namespace Mkcdrec.Core.Tests.Destinations;

/// <summary>DEST/HOST/TIME and DEST/HOST/latest: which destination, which backup in it.</summary>
public sealed class StoredBackupPathTests
{
    [Fact]
    public void The_destination_keeps_its_server_port_user_and_options()
    {
        var p = StoredBackupPath.Parse(DestinationUrl.Parse("sftp://backup@vault:2222/srv/backups/web%201/latest?config=/root/c"));
        Assert.Equal("sftp://backup@vault:2222/srv/backups?config=/root/c", p.Destination.Text);
        Assert.Equal(("web 1", "latest"), (p.Host, p.Time));
        Assert.Equal("/srv/backups", p.Destination.Path);

        var n = StoredBackupPath.Parse(DestinationUrl.Parse("nfs://filer/export/backups/web1/20261204T010000Z/?vers=3"));
        Assert.Equal("nfs://filer/export/backups?vers=3", n.Destination.Text);
        Assert.Equal("3", n.Destination.Option("vers"));
        Assert.Equal(("web1", "20261204T010000Z"), (n.Host, n.Time));
    }

    [Fact]
    public void A_url_without_host_and_time_is_refused_with_how_to_list()
    {
        var e = Assert.Throws<MkcdrecException>(() => StoredBackupPath.Parse(DestinationUrl.Parse("nfs://filer/export")));
        Assert.Contains("must end in /HOST/TIME or /HOST/latest", e.Message, StringComparison.Ordinal);
        Assert.Contains("mkcdrec backups list nfs://filer/export", e.Hint, StringComparison.Ordinal);
    }

    [Fact]
    public void Latest_is_the_newest_complete_backup_and_a_named_one_must_be_complete()
    {
        var store = new MemoryBackupStore();
        store.Put("web1/20261202T010000Z/manifest.json", Encoding.ASCII.GetBytes("{}"));
        store.Put("web1/20261203T010000Z/manifest.json", Encoding.ASCII.GetBytes("{}"));
        store.Put("web1/20261204T010000Z/fs-r.tar.zst.000", Encoding.ASCII.GetBytes("running"));
        var dest = DestinationUrl.Parse("sftp://vault/b");

        Assert.Equal("web1/20261203T010000Z", new StoredBackupPath(dest, "web1", "latest").Resolve(store));
        Assert.Equal("web1/20261202T010000Z", new StoredBackupPath(dest, "web1", "20261202T010000Z").Resolve(store));
        var e = Assert.Throws<MkcdrecException>(() => new StoredBackupPath(dest, "web1", "20261204T010000Z").Resolve(store));
        Assert.Contains("no complete backup web1/20261204T010000Z", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<MkcdrecException>(() => new StoredBackupPath(dest, "db1", "latest").Resolve(store));
        Assert.Contains("no complete backup of 'db1'", e.Message, StringComparison.Ordinal);
    }
}
