using System.Text;
using Mkcdrec.Core.Destinations;
using Mkcdrec.Core.Destinations.Local;

namespace Mkcdrec.Core.Tests.Destinations;

/// <summary>The store of a directory (a USB disk, a mounted NFS export): complete files only, listing, removal.</summary>
public sealed class DirectoryBackupStoreTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mkcdrec-dirstore-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void A_file_appears_under_its_name_only_when_committed_and_an_abandoned_one_leaves_nothing()
    {
        using var store = DirectoryBackupStore.Open(_dir);
        using (var f = store.Create("web1/20261204T010000Z/fs-r.tar.zst.000"))
        {
            f.Write("half"u8);
            Assert.False(File.Exists(Path.Combine(_dir, "web1/20261204T010000Z/fs-r.tar.zst.000")));
            Assert.True(File.Exists(Path.Combine(_dir, "web1/20261204T010000Z/fs-r.tar.zst.000.partial")));
            f.Write("-done"u8);
            f.Commit();
        }

        using (var g = store.Create("web1/20261204T010000Z/fs-r.tar.zst.001"))
        {
            g.Write("never committed"u8);
        }

        Assert.Equal("half-done", File.ReadAllText(Path.Combine(_dir, "web1/20261204T010000Z/fs-r.tar.zst.000")));
        Assert.Equal(["fs-r.tar.zst.000"], Directory.GetFiles(Path.Combine(_dir, "web1/20261204T010000Z")).Select(Path.GetFileName));
    }

    [Fact]
    public void Listing_shows_each_backup_complete_or_not_and_deleting_its_last_file_removes_its_directory()
    {
        using var store = DirectoryBackupStore.Open(_dir);
        store.Put("web1/20261203T010000Z/fs-r.tar.zst.000", Encoding.ASCII.GetBytes("12345"));
        store.Put("web1/20261203T010000Z/manifest.json", Encoding.ASCII.GetBytes("{}"));
        store.Put("web1/20261204T010000Z/fs-r.tar.zst.000", Encoding.ASCII.GetBytes("123"));
        store.Put("db1/20261204T010000Z/manifest.json", Encoding.ASCII.GetBytes("{}"));

        var all = BackupCatalog.List(store);
        Assert.Equal(["db1/20261204T010000Z", "web1/20261203T010000Z", "web1/20261204T010000Z"], all.Select(b => b.Name));
        Assert.Equal([true, true, false], all.Select(b => b.Complete));
        Assert.Equal(7, all[1].Bytes);
        Assert.Equal("web1/20261203T010000Z", BackupCatalog.Latest(store, "web1")!.Name);
        Assert.Equal(["web1/20261204T010000Z/fs-r.tar.zst.000"], store.List("web1/20261204T").Select(f => f.Name));

        store.Delete("web1/20261204T010000Z/fs-r.tar.zst.000");
        store.Delete("web1/20261204T010000Z/not-there");
        Assert.False(Directory.Exists(Path.Combine(_dir, "web1/20261204T010000Z")));
        Assert.True(Directory.Exists(Path.Combine(_dir, "web1")));
        using var read = new StreamReader(store.OpenRead("web1/20261203T010000Z/fs-r.tar.zst.000"));
        Assert.Equal("12345", read.ReadToEnd());
    }

    [Fact]
    public void A_missing_directory_is_a_clear_error_and_names_never_climb_out_of_the_root()
    {
        var e = Assert.Throws<MkcdrecException>(() => DirectoryBackupStore.Open(Path.Combine(_dir, "gone")));
        Assert.Contains("There is no directory", e.Message, StringComparison.Ordinal);
        using var store = DirectoryBackupStore.Open(_dir);
        Assert.Throws<ArgumentException>(() => store.PathOf("web1/../../etc/passwd"));
        Assert.Empty(store.List("nobody/"));
    }
}
