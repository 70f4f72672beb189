using System.Security.Cryptography;
using Mkcdrec.Core.Archive;
using Mkcdrec.Core.Destinations;
using Mkcdrec.Core.Destinations.Local;
using Mkcdrec.Core.Destinations.Routing;
using Mkcdrec.Core.Platform;
using Mkcdrec.Core.Workflows;
using Mkcdrec.Model.Layout;
using Mkcdrec.Platform.Linux;

namespace Mkcdrec.Core.Tests.Destinations;

/// <summary>A backup kept in a store (SFTP, NFS) fetched into a spool by the one fetcher, through <see cref="StoreHttpHandler"/>.</summary>
public sealed class StoreFetchTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mkcdrec-storefetch-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private (DirectoryBackupStore Store, string Name) BackedUp()
    {
        var source = Path.Combine(_dir, "source");
        Directory.CreateDirectory(source);
        File.WriteAllBytes(Path.Combine(source, "big.bin"), RandomNumberGenerator.GetBytes(3 << 20));
        var doc = new LayoutDocument { Host = new HostInfo { Hostname = "web1" } };
        doc.Filesystems.Add(new Filesystem { Id = "fs:ext4:r", Type = "ext4", Uuid = "r", DeviceIds = ["disk:x/p2"] });
        doc.Mounts.Add(new Mount { Target = source, FilesystemId = "fs:ext4:r", Source = "/dev/x2", Type = "ext4" });
        var root = Path.Combine(_dir, "store");
        Directory.CreateDirectory(root);
        var store = DirectoryBackupStore.Open(root, "sftp://vault/b");
        var r = new StoreBackupWorkflow(new NoProcesses(), new FileSystemAccess(), NullLog.Instance)
            .Run(doc, store, new BackupOptions { Level = 1, VolumeSize = 1 << 20 });
        return (store, r.Name);
    }

    private static BackupFetchResult Fetch(IBackupStore store, string name, string spool) =>
        new BackupFetcher(NullLog.Instance).Fetch(new BackupFetchOptions
        {
            Url = StoreHttpHandler.BaseUrl, Display = "sftp://vault/b/" + name, SpoolDirectory = spool, Retries = 0,
            WrapHandler = _ => new StoreHttpHandler(store, name),
        });

    [Fact]
    public void Every_file_of_the_backup_arrives_whole_and_a_second_fetch_reuses_the_volumes()
    {
        var (store, name) = BackedUp();
        var spool = Path.Combine(_dir, "spool");
        var r = Fetch(store, name, spool);

        var stored = store.List(name + "/").Select(f => f.Name[(name.Length + 1)..]).ToList();
        Assert.Equal(stored.Count, r.Files);
        Assert.True(stored.Count >= 5, $"{stored.Count} file(s)");
        foreach (var f in stored)
        {
            Assert.Equal(File.ReadAllBytes(store.PathOf(name + "/" + f)), File.ReadAllBytes(Path.Combine(spool, f)));
        }

        var again = Fetch(store, name, spool);
        Assert.Equal(stored.Count - 2, again.Reused);
    }

    [Fact]
    public void A_backup_that_is_not_there_fails_the_fetch_with_its_name()
    {
        var (store, _) = BackedUp();
        var e = Assert.Throws<MkcdrecException>(() => Fetch(store, "web1/20200101T000000Z", Path.Combine(_dir, "spool")));
        Assert.Contains("sftp://vault/b/web1/20200101T000000Z", e.Message, StringComparison.Ordinal);
    }
}
