using System.Security.Cryptography;
using Mkcdrec.Core.Archive;
using Mkcdrec.Core.Destinations;
using Mkcdrec.Core.Platform;
using Mkcdrec.Core.Workflows;
using Mkcdrec.Model.Layout;
using Mkcdrec.Model.Manifest;
using Mkcdrec.Platform.Linux;

namespace Mkcdrec.Core.Tests.Destinations;

/// <summary>A whole-system backup into a store off the machine: names, manifest last, cleanup, failure.</summary>
public sealed class StoreBackupWorkflowTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 12, 3, 17, 30, 5, TimeSpan.Zero);
    private readonly string _dir = Directory.CreateTempSubdirectory("mkcdrec-storebackup-").FullName;
    private readonly MemoryBackupStore _store = new();

    public StoreBackupWorkflowTests()
    {
        Directory.CreateDirectory(Path.Combine(_dir, "etc"));
        File.WriteAllText(Path.Combine(_dir, "etc", "hostname"), "web1\n");
        File.WriteAllBytes(Path.Combine(_dir, "big.bin"), RandomNumberGenerator.GetBytes(3 << 20)); // incompressible: more than one volume
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private LayoutDocument Layout()
    {
        var doc = new LayoutDocument { Host = new HostInfo { Hostname = "web1" } };
        doc.Filesystems.Add(new Filesystem { Id = "fs:ext4:r", Type = "ext4", Uuid = "r", DeviceIds = ["disk:x/p2"] });
        doc.Mounts.Add(new Mount { Target = _dir, FilesystemId = "fs:ext4:r", Source = "/dev/x2", Type = "ext4" });
        return doc;
    }

    private StoreBackupResult Backup() =>
        new StoreBackupWorkflow(new NoProcesses(), new FileSystemAccess(), NullLog.Instance).Run(Layout(), _store, new BackupOptions { Level = 1, VolumeSize = 1 << 20 }, Now);

    [Fact]
    public void A_backup_is_named_by_host_and_time_and_its_manifest_becomes_visible_last()
    {
        var r = Backup();

        Assert.Equal("web1/20261203T173005Z", r.Name);
        Assert.Equal($"{r.Name}/{BackupFiles.Manifest}", _store.Visible[^1]);
        Assert.Equal($"{r.Name}/{BackupFiles.Layout}", _store.Visible[^2]);
        var manifest = BackupManifest.Parse(_store.Files[_store.Visible[^1]].Data, "manifest");
        Assert.Equal("web1", manifest.Host);
        var volumes = manifest.Archives.SelectMany(a => a.Volumes).ToList();
        Assert.True(volumes.Count >= 3, $"{volumes.Count} volume(s)");
        foreach (var v in volumes)
        {
            var stored = _store.Files[r.Name + "/" + v.File].Data;
            Assert.Equal(v.Size, stored.Length);
            Assert.Equal(v.Sha256, Convert.ToHexStringLower(SHA256.HashData(stored)));
        }

        Assert.Equal(volumes.Count + 2, _store.Files.Count);
        var listed = Assert.Single(BackupCatalog.List(_store));
        Assert.True(listed.Complete);
        Assert.Equal(Now, listed.Time);
        Assert.Equal(_store.Files.Values.Sum(f => f.Data.Length), listed.Bytes);
    }

    [Fact]
    public void Unfinished_uploads_an_interrupted_run_left_are_aborted_but_not_a_recent_one_or_another_hosts()
    {
        _store.Unfinished["web1/20261202T010000Z/fs-r.tar.zst.003"] = Now.AddDays(-1);
        _store.Unfinished["web1/20261203T172500Z/fs-r.tar.zst.000"] = Now.AddMinutes(-5);
        _store.Unfinished["db1/20261202T010000Z/fs-r.tar.zst.000"] = Now.AddDays(-1);

        var r = Backup();

        Assert.Equal(["web1/20261202T010000Z/fs-r.tar.zst.003 (unfinished upload)"], r.CleanedUp);
        Assert.Equal(["db1/20261202T010000Z/fs-r.tar.zst.000", "web1/20261203T172500Z/fs-r.tar.zst.000"], _store.Unfinished.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void What_an_interrupted_run_left_goes_while_complete_backups_and_a_run_in_progress_stay()
    {
        _store.Seed("web1/20261201T010000Z/manifest.json", "{}", Now.AddDays(-2));
        _store.Seed("web1/20261201T010000Z/fs-r.tar.zst.000", "old", Now.AddDays(-2));
        _store.Seed("web1/20261202T010000Z/fs-r.tar.zst.000", "interrupted", Now.AddDays(-1));
        _store.Seed("web1/20261203T172000Z/fs-r.tar.zst.000", "still being written?", Now.AddMinutes(-10));
        _store.Seed("db1/20261202T010000Z/fs-r.tar.zst.000", "another host's", Now.AddDays(-1));

        var r = Backup();

        Assert.Equal(["web1/20261202T010000Z"], r.CleanedUp);
        Assert.False(_store.Files.ContainsKey("web1/20261202T010000Z/fs-r.tar.zst.000"));
        Assert.True(_store.Files.ContainsKey("web1/20261201T010000Z/fs-r.tar.zst.000"));
        Assert.True(_store.Files.ContainsKey("web1/20261203T172000Z/fs-r.tar.zst.000"));
        Assert.True(_store.Files.ContainsKey("db1/20261202T010000Z/fs-r.tar.zst.000"));
        Assert.Equal(["web1/20261201T010000Z", "web1/20261203T172000Z", "web1/20261203T173005Z"], BackupCatalog.List(_store, "web1").Select(b => b.Name));
        Assert.Equal("web1/20261203T173005Z", BackupCatalog.Latest(_store, "web1")!.Name);
    }

    [Fact]
    public void A_store_gone_mid_upload_fails_the_run_with_no_manifest_its_files_removed_and_the_previous_backup_intact()
    {
        _store.Seed("web1/20261201T010000Z/manifest.json", "{}", Now.AddDays(-2));
        _store.Seed("web1/20261201T010000Z/fs-r.tar.zst.000", "old", Now.AddDays(-2));
        _store.FailWriting = name => name.EndsWith(".001", StringComparison.Ordinal);

        var e = Assert.Throws<MkcdrecException>(Backup);

        Assert.Contains("went away", e.Message, StringComparison.Ordinal);
        Assert.Equal(["web1/20261201T010000Z/fs-r.tar.zst.000", "web1/20261201T010000Z/manifest.json"], _store.Files.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(1, _store.Abandoned);
        Assert.Equal("web1/20261201T010000Z", BackupCatalog.Latest(_store, "web1")!.Name);
    }

    [Theory]
    [InlineData("web1.example.com", "web1.example.com")]
    [InlineData("we b/1", "we_b_1")]
    [InlineData("..", "unnamed-host")]
    [InlineData("", "unnamed-host")]
    public void Host_names_become_one_safe_path_segment(string host, string expected) => Assert.Equal(expected, BackupCatalog.SafeHost(host));
}
