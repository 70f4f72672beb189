using System.Security.Cryptography;
using System.Text.Json;
using Mkcdrec.Model.Layout;
using Mkcdrec.Model.Manifest;
using Mkcdrec.TestVm;

namespace Mkcdrec.SystemTests.Destinations;

/// <summary>
/// The mkcdrec binary backs a tree up to a real S3 REST server (s3rver), lists it, fetches the newest backup back and
/// verifies it; GNU tar and zstd restore the fetched volumes on their own and every file is compared by sha256sum.
/// Credentials come from a credentials file in $HOME, as an admin keeps them (never on a command line).
/// </summary>
public sealed class S3BackupTests : IDisposable
{
    private readonly S3rver _server = new();
    private readonly string _dir = Directory.CreateTempSubdirectory("mkcdrec-s3backup-").FullName;
    private readonly string _home;
    private readonly string _source;

    public S3BackupTests()
    {
        _home = Path.Combine(_dir, "home");
        Directory.CreateDirectory(Path.Combine(_home, ".aws"));
        WriteCredentials(S3rver.AccessKey, S3rver.Secret);
        _source = Path.Combine(_dir, "source");
        Directory.CreateDirectory(Path.Combine(_source, "etc", "deep", "er"));
        File.WriteAllText(Path.Combine(_source, "etc", "hostname"), "s3host\n");
        File.WriteAllText(Path.Combine(_source, "etc", "deep", "er", "with space.conf"), "x = 1\n");
        File.WriteAllBytes(Path.Combine(_source, "random.bin"), RandomNumberGenerator.GetBytes(5 << 20));
        File.CreateSymbolicLink(Path.Combine(_source, "link"), "etc/hostname");
        var doc = new LayoutDocument { Host = new HostInfo { Hostname = "s3host" } };
        doc.Filesystems.Add(new Filesystem { Id = "fs:ext4:r", Type = "ext4", Uuid = "r", DeviceIds = ["disk:x/p2"] });
        doc.Mounts.Add(new Mount { Target = _source, FilesystemId = "fs:ext4:r", Source = "/dev/x2", Type = "ext4" });
        File.WriteAllText(Path.Combine(_dir, "layout.json"), LayoutSerializer.Serialize(doc));
    }

    public void Dispose()
    {
        _server.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public void A_backup_goes_to_s3_is_listed_comes_back_as_latest_and_gnu_tar_restores_every_file()
    {
        var dest = _server.Url("backups");
        for (var run = 0; run < 2; run++)
        {
            var backup = Mkcdrec("mkbackuponly", "--layout", Path.Combine(_dir, "layout.json"), "--dest", dest, "--volume-size", "2M", "--level", "1");
            Assert.True(backup.ExitCode == 0, backup.Stdout + backup.Stderr);
            Assert.Matches(@"into s3host/\d{8}T\d{6}Z at s3://mkcdrec-test/backups", backup.Stdout);
            Thread.Sleep(1100); // the second backup gets a name of its own
        }

        var list = Mkcdrec("--json", "backups", "list", dest);
        Assert.True(list.ExitCode == 0, list.Stdout + list.Stderr);
        var backups = JsonDocument.Parse(list.Stdout).RootElement.GetProperty("backups").EnumerateArray().ToList();
        Assert.Equal(2, backups.Count);
        Assert.All(backups, b => Assert.True(b.GetProperty("complete").GetBoolean()));
        Assert.All(backups, b => Assert.Equal("s3host", b.GetProperty("host").GetString()));
        var newest = backups[^1].GetProperty("name").GetString()!;

        var spool = Path.Combine(_dir, "spool");
        var fetch = Mkcdrec("fetch", _server.Url("backups/s3host/latest"), "--spool", spool);
        Assert.True(fetch.ExitCode == 0, fetch.Stdout + fetch.Stderr);
        Assert.Contains("s3://mkcdrec-test/backups/" + newest, fetch.Stdout, StringComparison.Ordinal);
        var verify = Mkcdrec("verify", spool);
        Assert.True(verify.ExitCode == 0, verify.Stdout + verify.Stderr);

        // Independent of our reader: the volumes in order, zstd -d, GNU tar -x; every file's sha256sum as the source's.
        var manifest = BackupManifest.Parse(File.ReadAllBytes(Path.Combine(spool, BackupFiles.Manifest)), "manifest");
        var volumes = Assert.Single(manifest.Archives).Volumes.Select(v => Path.Combine(spool, v.File)).ToList();
        Assert.True(volumes.Count >= 3, $"{volumes.Count} volume(s)");
        var restored = Path.Combine(_dir, "restored");
        Directory.CreateDirectory(restored);
        HostProcess.Checked("sh", ["-c", "cat \"$@\" | zstd -dq | tar -x -C " + restored, "sh", .. volumes]);
        Assert.Equal(Sums(_source), Sums(restored));
        Assert.Equal("etc/hostname", new FileInfo(Path.Combine(restored, "link")).LinkTarget);
    }

    [Fact]
    public void Wrong_credentials_and_a_missing_bucket_are_refused_with_what_to_do_and_nothing_is_stored()
    {
        WriteCredentials("NOT-A-KEY", "wrong");
        var denied = Mkcdrec("mkbackuponly", "--layout", Path.Combine(_dir, "layout.json"), "--dest", _server.Url("backups"));
        Assert.NotEqual(0, denied.ExitCode);
        Assert.Contains("refused the credentials", denied.Stderr, StringComparison.Ordinal);
        Assert.Contains("AWS_ACCESS_KEY_ID", denied.Stderr, StringComparison.Ordinal);

        WriteCredentials(S3rver.AccessKey, S3rver.Secret);
        var missing = Mkcdrec("mkbackuponly", "--layout", Path.Combine(_dir, "layout.json"), "--dest", _server.Url("backups").Replace(S3rver.Bucket, "no-such-bucket", StringComparison.Ordinal));
        Assert.NotEqual(0, missing.ExitCode);
        Assert.Contains("bucket 'no-such-bucket' does not exist", missing.Stderr, StringComparison.Ordinal);

        var list = Mkcdrec("backups", "list", _server.Url("backups"));
        Assert.True(list.ExitCode == 0, list.Stdout + list.Stderr);
        Assert.Contains("0 backup(s)", list.Stdout, StringComparison.Ordinal);
    }

    private void WriteCredentials(string key, string secret) =>
        File.WriteAllText(Path.Combine(_home, ".aws", "credentials"), $"[default]\naws_access_key_id = {key}\naws_secret_access_key = {secret}\n");

    /// <summary>Runs the built binary with HOME pointing at the test's credentials file.</summary>
    private HostResult Mkcdrec(params string[] args) =>
        HostProcess.Run("env", ["-u", "AWS_ACCESS_KEY_ID", "-u", "AWS_SECRET_ACCESS_KEY", "-u", "AWS_PROFILE", "HOME=" + _home, RepoPaths.MkcdrecBinary,
            "--log", Path.Combine(_dir, "mkcdrec.log"), .. args], TimeSpan.FromMinutes(5));

    private static SortedDictionary<string, string> Sums(string root)
    {
        var output = HostProcess.Checked("sh", "-c", "cd \"$1\" && find . -type f -print0 | xargs -0 sha256sum", "sh", root);
        var sums = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            sums[line[66..]] = line[..64];
        }

        return sums;
    }
}
