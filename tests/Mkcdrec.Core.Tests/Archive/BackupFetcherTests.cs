using System.Diagnostics;
using Mkcdrec.Core.Archive;
using Mkcdrec.Core.Platform;
using Mkcdrec.Model.Manifest;
using Mkcdrec.Platform.Linux;
using Mkcdrec.TestVm;

namespace Mkcdrec.Core.Tests.Archive;

/// <summary>
/// <see cref="BackupFetcher"/> against a real HTTP server on 127.0.0.1 started by the test (<see cref="LoopbackHttpServer"/>):
/// a real backup (archive engine, several volumes) is fetched and verifies; a missing manifest or volume fails naming
/// the URL and the HTTP status; a transfer cut short is continued with a range request (or restarted when the server
/// ignores ranges) and never leaves a volume under its final name before it is complete; a spool too small is refused
/// before any volume is fetched.
/// </summary>
public sealed class BackupFetcherTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mkcdrec-fetch-").FullName;
    private readonly LoopbackHttpServer _server;
    private readonly ITestOutputHelper _output;

    public BackupFetcherTests(ITestOutputHelper output)
    {
        _output = output;
        _server = new LoopbackHttpServer(Path.Combine(_dir, "www"));
        Directory.CreateDirectory(_server.Root);
    }

    public void Dispose()
    {
        _server.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private string Spool => Path.Combine(_dir, "spool");

    /// <summary>A real backup of ~3 MiB of incompressible data in 1 MiB volumes, with layout.json, served at /backup/.</summary>
    private string MakeBackup()
    {
        var tree = Path.Combine(_dir, "tree");
        Directory.CreateDirectory(tree);
        var rnd = new Random(6);
        for (var i = 0; i < 3; i++)
        {
            var data = new byte[(1 << 20) - (777 * i)];
            rnd.NextBytes(data);
            File.WriteAllBytes(Path.Combine(tree, $"data{i}.bin"), data);
        }

        var backup = Path.Combine(_server.Root, "backup");
        new ArchiveCreator(new FileSystemAccess()).Create(new CreateOptions
        {
            Root = tree, Destination = backup, FilesystemId = "fs:ext4:R", VolumeSize = 1 << 20, Compression = Compression.None,
        });
        File.WriteAllText(Path.Combine(backup, "layout.json"), "{\"formatVersion\":1}\n");
        return backup;
    }

    private BackupFetchResult Fetch(string? url = null, int retries = 3, bool replace = true, long maxDocument = 2L << 30) =>
        new BackupFetcher(NullLog.Instance).Fetch(new BackupFetchOptions
        {
            Url = url ?? _server.Url("backup"), SpoolDirectory = Spool, Retries = retries, RetryDelay = TimeSpan.FromMilliseconds(10), ReplaceOtherBackup = replace,
            MaxDocumentBytes = maxDocument,
        });

    private static List<string> Volumes(string backup) =>
        [.. BackupManifest.Parse(File.ReadAllBytes(Path.Combine(backup, "manifest.json")), "m").Archives.SelectMany(a => a.Volumes).Select(v => v.File)];

    private void AssertNoPartialFiles() =>
        Assert.Empty(Directory.Exists(Spool) ? Directory.GetFiles(Spool, ".*", SearchOption.AllDirectories) : []);

    [Fact]
    public void A_backup_is_fetched_manifest_first_and_verifies()
    {
        var backup = MakeBackup();
        var volumes = Volumes(backup);
        Assert.True(volumes.Count >= 3, string.Join(' ', volumes));

        var r = Fetch(_server.Url("backup/")); // a trailing slash is the same directory
        Assert.Equal(Spool, r.Directory);
        Assert.Equal(volumes.Count + 2, r.Files);
        Assert.Equal(0, r.Retries);
        foreach (var f in volumes.Append("manifest.json").Append("layout.json"))
        {
            Assert.Equal(File.ReadAllBytes(Path.Combine(backup, f)), File.ReadAllBytes(Path.Combine(Spool, f)));
        }

        AssertNoPartialFiles();
        Assert.Equal("/backup/manifest.json", _server.Requests[0].Path);
        Assert.Equal("/backup/layout.json", _server.Requests[1].Path);
        var report = new ArchiveVerifier(new FileSystemAccess()).Verify(Spool, null);
        Assert.Equal(volumes.Count, report.Checked.Count(c => c.Contains("SHA-256", StringComparison.Ordinal)));
    }

    [Fact]
    public void The_url_of_the_manifest_itself_and_a_missing_layout_are_accepted()
    {
        var backup = MakeBackup();
        File.Delete(Path.Combine(backup, "layout.json"));
        var r = Fetch(_server.Url("backup/manifest.json"));
        Assert.Equal(Volumes(backup).Count + 1, r.Files);
        Assert.False(File.Exists(Path.Combine(Spool, "layout.json")));
        AssertNoPartialFiles();
    }

    [Fact]
    public void A_missing_manifest_fails_naming_the_url_and_the_http_status()
    {
        var e = Assert.Throws<MkcdrecException>(() => Fetch(_server.Url("nothing-here")));
        Assert.Equal(ExitCode.Environment, e.Code);
        Assert.Contains(_server.Url("nothing-here/manifest.json"), e.Message, StringComparison.Ordinal);
        Assert.Contains("HTTP 404 Not Found", e.Message, StringComparison.Ordinal);
        Assert.Contains("manifest.json", e.Hint, StringComparison.Ordinal);
        Assert.Single(_server.Requests); // a 404 is not tried again
        Assert.False(File.Exists(Path.Combine(Spool, "manifest.json")));
        AssertNoPartialFiles();
    }

    [Fact]
    public void A_manifest_longer_than_any_backup_has_is_cut_off_not_spooled_whole()
    {
        MakeBackup();
        var e = Assert.Throws<MkcdrecException>(() => Fetch(maxDocument: 100));
        Assert.Contains("more than 100 bytes", e.Message, StringComparison.Ordinal);
        Assert.Single(_server.Requests); // not tried again
        Assert.False(File.Exists(Path.Combine(Spool, "manifest.json")));
        AssertNoPartialFiles();
    }

    [Fact]
    public void A_volume_missing_on_the_server_fails_naming_it_and_leaves_no_manifest()
    {
        var backup = MakeBackup();
        var gone = Volumes(backup)[1];
        File.Delete(Path.Combine(backup, gone));
        var e = Assert.Throws<MkcdrecException>(() => Fetch());
        Assert.Contains(_server.Url("backup/" + gone), e.Message, StringComparison.Ordinal);
        Assert.Contains("HTTP 404", e.Message, StringComparison.Ordinal);
        Assert.Contains("whole backup directory", e.Hint, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(Spool, "manifest.json")), "a spool without all its volumes must not look like a backup");
        Assert.False(File.Exists(Path.Combine(Spool, gone)));
        AssertNoPartialFiles();
    }

    [Fact]
    public void A_server_error_fails_with_its_status_after_the_retries()
    {
        MakeBackup();
        _server.Behaviour = _ => new LoopbackHttpServer.Reply(Status: 500);
        var e = Assert.Throws<MkcdrecException>(() => Fetch(retries: 2));
        Assert.Contains("HTTP 500 Internal Server Error", e.Message, StringComparison.Ordinal);
        Assert.Contains("after 3 attempts", e.Message, StringComparison.Ordinal);
        Assert.Equal(3, _server.Requests.Count);
    }

    [Fact]
    public void A_transfer_cut_short_continues_with_a_range_request_and_the_volume_never_looks_complete_before()
    {
        var backup = MakeBackup();
        var vol = Volumes(backup)[1];
        var final = Path.Combine(Spool, vol);
        bool? finalExistedAtRetry = null;
        long? partialAtRetry = null;
        _server.Behaviour = req =>
        {
            if (req.Path != "/backup/" + vol)
            {
                return null;
            }

            if (req.Index == 0)
            {
                return new LoopbackHttpServer.Reply(CutAfter: 300_000);
            }

            finalExistedAtRetry = File.Exists(final);
            partialAtRetry = File.Exists(BackupFetcher.TempPathFor(final)) ? new FileInfo(BackupFetcher.TempPathFor(final)).Length : -1;
            return null;
        };

        var r = Fetch();
        Assert.Equal(1, r.Retries);
        Assert.False(finalExistedAtRetry);
        Assert.Equal(300_000, partialAtRetry);
        var second = _server.Requests.Where(q => q.Path == "/backup/" + vol).ToList();
        Assert.Equal(2, second.Count);
        Assert.Equal("bytes=300000-", second[1].Range);
        Assert.Equal(File.ReadAllBytes(Path.Combine(backup, vol)), File.ReadAllBytes(final));
        AssertNoPartialFiles();
        new ArchiveVerifier(new FileSystemAccess()).Verify(Spool, null);
    }

    [Fact]
    public void A_server_that_ignores_ranges_sends_the_whole_volume_again()
    {
        var backup = MakeBackup();
        var vol = Volumes(backup)[0];
        _server.Behaviour = req => req.Path != "/backup/" + vol ? null
            : req.Index == 0 ? new LoopbackHttpServer.Reply(CutAfter: 123_457)
            : new LoopbackHttpServer.Reply(IgnoreRange: true);
        var r = Fetch();
        Assert.Equal(1, r.Retries);
        Assert.Equal(File.ReadAllBytes(Path.Combine(backup, vol)), File.ReadAllBytes(Path.Combine(Spool, vol)));
        new ArchiveVerifier(new FileSystemAccess()).Verify(Spool, null);
    }

    [Fact]
    public void A_transfer_cut_short_every_time_fails_and_leaves_nothing_that_looks_complete()
    {
        var backup = MakeBackup();
        var vol = Volumes(backup)[2];
        _server.Behaviour = req => req.Path == "/backup/" + vol ? new LoopbackHttpServer.Reply(CutAfter: 1000, IgnoreRange: true) : null;
        var e = Assert.Throws<MkcdrecException>(() => Fetch(retries: 2));
        Assert.Equal(ExitCode.Environment, e.Code);
        Assert.Contains(_server.Url("backup/" + vol), e.Message, StringComparison.Ordinal);
        Assert.Contains("broke after 1000 of", e.Message, StringComparison.Ordinal);
        Assert.Contains("after 3 attempts", e.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(Spool, vol)));
        Assert.False(File.Exists(Path.Combine(Spool, "manifest.json")));
        AssertNoPartialFiles();
    }

    [Fact]
    public void A_spool_without_room_is_refused_with_the_numbers_before_any_volume_is_fetched()
    {
        // A manifest whose volumes need far more than any test machine's disk has.
        var backup = Path.Combine(_server.Root, "huge");
        Directory.CreateDirectory(backup);
        var m = new BackupManifest { Created = DateTimeOffset.UtcNow };
        m.Archives.Add(new ArchiveRecord { FilesystemId = "fs:ext4:R", Volumes = [new VolumeRecord { File = "root.tar.001", Size = 1L << 50 }, new VolumeRecord { File = "root.tar.002", Size = 1L << 50 }] });
        File.WriteAllBytes(Path.Combine(backup, "manifest.json"), m.ToJson());

        var e = Assert.Throws<MkcdrecException>(() => Fetch(_server.Url("huge")));
        _output.WriteLine(e.Message + "\n" + e.Hint);
        Assert.Equal(ExitCode.Environment, e.Code);
        Assert.Matches(@"needs 2147483648\.0 MiB \(2 volume\(s\)\) in .*spool, which has \d+\.\d MiB free", e.Message);
        Assert.Contains("--spool DIR", e.Hint, StringComparison.Ordinal);
        Assert.Equal(["/huge/manifest.json"], _server.Requests.Select(r => r.Path));
        AssertNoPartialFiles();
        Assert.Empty(Directory.GetFiles(Spool));
    }

    [Fact]
    public void A_second_fetch_of_the_same_backup_keeps_the_volumes_and_a_new_backup_replaces_them()
    {
        var backup = MakeBackup();
        Fetch();
        var before = _server.Requests.Count;
        var r = Fetch();
        Assert.Equal(Volumes(backup).Count, r.Reused);
        Assert.Equal(["/backup/manifest.json", "/backup/layout.json"], _server.Requests.Skip(before).Select(q => q.Path));

        // Another backup at the same URL: refused in a spool the user named, whose backup stays as it was ...
        Directory.Delete(backup, recursive: true);
        Directory.Delete(Path.Combine(_dir, "tree"), recursive: true);
        MakeBackup();
        var old = File.ReadAllBytes(Path.Combine(Spool, "manifest.json"));
        var e = Assert.Throws<MkcdrecException>(() => Fetch(replace: false));
        Assert.Equal(ExitCode.Refused, e.Code);
        Assert.Contains("already holds another backup", e.Message, StringComparison.Ordinal);
        Assert.Equal(old, File.ReadAllBytes(Path.Combine(Spool, "manifest.json")));
        AssertNoPartialFiles();

        // ... and replaced in a default spool: every volume is fetched again, and the old layout.json goes (this one has none).
        File.Delete(Path.Combine(backup, "layout.json"));
        before = _server.Requests.Count;
        r = Fetch();
        Assert.Equal(0, r.Reused);
        Assert.Equal(Volumes(backup).Count + 2, _server.Requests.Count - before);
        Assert.False(File.Exists(Path.Combine(Spool, "layout.json")));
        new ArchiveVerifier(new FileSystemAccess()).Verify(Spool, null);
    }

    [Theory]
    [InlineData("../escape.001")]
    [InlineData("/etc/passwd")]
    [InlineData("a//b")]
    public void A_manifest_naming_a_file_outside_the_backup_is_refused(string name)
    {
        var backup = Path.Combine(_server.Root, "evil");
        Directory.CreateDirectory(backup);
        var m = new BackupManifest { Created = DateTimeOffset.UtcNow };
        m.Archives.Add(new ArchiveRecord { FilesystemId = "x", Volumes = [new VolumeRecord { File = name, Size = 1 }] });
        File.WriteAllBytes(Path.Combine(backup, "manifest.json"), m.ToJson());
        var e = Assert.Throws<MkcdrecException>(() => Fetch(_server.Url("evil")));
        Assert.Equal(ExitCode.BadInput, e.Code);
        Assert.Contains(name, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ftp://host/backup")]
    [InlineData("http:///nohost")]
    [InlineData("http://host/backup?x=1")]
    public void Bad_urls_are_refused(string url)
    {
        var e = Assert.Throws<MkcdrecException>(() => BackupFetcher.ParseUrl(url));
        Assert.Equal(ExitCode.Usage, e.Code);
    }

    [Fact]
    public void User_and_password_never_appear_in_messages()
    {
        var u = BackupFetcher.ParseUrl("http://alice:secret@127.0.0.1:1/b");
        Assert.Equal("http://127.0.0.1:1/b/", BackupFetcher.Redact(u));
        var e = Assert.Throws<MkcdrecException>(() => Fetch($"http://alice:secret@127.0.0.1:{_server.Port}/none", retries: 0));
        Assert.DoesNotContain("secret", e.Message, StringComparison.Ordinal);
        Assert.Contains("HTTP 404", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Loopback_throughput()
    {
        // 128 MiB in four volumes (sparse files on the server side: the fetcher never looks inside).
        var backup = Path.Combine(_server.Root, "big");
        Directory.CreateDirectory(backup);
        var m = new BackupManifest { Created = DateTimeOffset.UtcNow };
        var a = new ArchiveRecord { FilesystemId = "fs:ext4:R" };
        for (var i = 1; i <= 4; i++)
        {
            var name = $"root.tar.{i:D3}";
            using (var f = File.Create(Path.Combine(backup, name)))
            {
                f.SetLength(32L << 20);
            }

            a.Volumes.Add(new VolumeRecord { File = name, Size = 32L << 20 });
        }

        m.Archives.Add(a);
        File.WriteAllBytes(Path.Combine(backup, "manifest.json"), m.ToJson());
        var sw = Stopwatch.StartNew();
        var r = Fetch(_server.Url("big"));
        var line = $"fetch on loopback: {r.Bytes / 1048576.0:0.0} MiB in {sw.Elapsed.TotalSeconds:0.00} s = {r.MiBPerSecond:0} MiB/s";
        _output.WriteLine(line);
        Console.WriteLine(line);
        Assert.Equal(4, r.Files - 1);
        Assert.All(a.Volumes, v => Assert.Equal(32L << 20, new FileInfo(Path.Combine(Spool, v.File)).Length));
    }
}
