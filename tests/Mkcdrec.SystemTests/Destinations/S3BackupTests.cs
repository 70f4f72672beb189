using System.Text.Json;
using Mkcdrec.TestVm;
using Mkcdrec.TestVm.Servers;

namespace Mkcdrec.SystemTests.Destinations;

/// <summary>
/// The mkcdrec binary backs a tree up to a real S3 REST server (s3rver), lists it, fetches the newest backup back and
/// verifies it; GNU tar and zstd restore the fetched volumes on their own and every file is compared by sha256sum.
/// Credentials come from a credentials file in $HOME, as an admin keeps them (never on a command line).
/// </summary>
public sealed class S3BackupTests : IDisposable
{
    private readonly S3rver _server = new();
    private readonly SourceTree _tree = new("mkcdrec-s3backup-");

    public S3BackupTests()
    {
        Directory.CreateDirectory(Path.Combine(_tree.Home, ".aws"));
        WriteCredentials(S3rver.AccessKey, S3rver.Secret);
    }

    public void Dispose()
    {
        _server.Dispose();
        _tree.Dispose();
    }

    [Fact]
    public void A_backup_goes_to_s3_is_listed_comes_back_as_latest_and_gnu_tar_restores_every_file()
    {
        var dest = _server.Url("backups");
        for (var run = 0; run < 2; run++)
        {
            var backup = _tree.Mkcdrec("mkbackuponly", "--layout", _tree.Layout, "--dest", dest, "--volume-size", "2M", "--level", "1");
            Assert.True(backup.ExitCode == 0, backup.Stdout + backup.Stderr);
            Assert.Matches(@"into s3host/\d{8}T\d{6}Z at s3://mkcdrec-test/backups", backup.Stdout);
            Thread.Sleep(1100); // the second backup gets a name of its own
        }

        var list = _tree.Mkcdrec("--json", "backups", "list", dest);
        Assert.True(list.ExitCode == 0, list.Stdout + list.Stderr);
        var backups = JsonDocument.Parse(list.Stdout).RootElement.GetProperty("backups").EnumerateArray().ToList();
        Assert.Equal(2, backups.Count);
        Assert.All(backups, b => Assert.True(b.GetProperty("complete").GetBoolean()));
        Assert.All(backups, b => Assert.Equal("s3host", b.GetProperty("host").GetString()));
        var newest = backups[^1].GetProperty("name").GetString()!;

        var spool = Path.Combine(_tree.Dir, "spool");
        var fetch = _tree.Mkcdrec("fetch", _server.Url("backups/s3host/latest"), "--spool", spool);
        Assert.True(fetch.ExitCode == 0, fetch.Stdout + fetch.Stderr);
        Assert.Contains("s3://mkcdrec-test/backups/" + newest, fetch.Stdout, StringComparison.Ordinal);
        var verify = _tree.Mkcdrec("verify", spool);
        Assert.True(verify.ExitCode == 0, verify.Stdout + verify.Stderr);

        // Independent of our reader: the volumes in order, zstd -d, GNU tar -x; every file's sha256sum as the source's.
        _tree.AssertTarRestoresEveryFile(spool, minVolumes: 3);

        // The restore streamed from the store (no spool) gives the same files.
        var restored = Path.Combine(_tree.Dir, "streamed-restore");
        var extract = _tree.Mkcdrec("archive", "extract", "--from", _server.Url("backups/s3host/latest"), "--to", restored);
        Assert.True(extract.ExitCode == 0, extract.Stdout + extract.Stderr);
        Assert.Contains($"Reading the backup s3://mkcdrec-test/backups/{newest} at ", extract.Stdout, StringComparison.Ordinal);
        _tree.AssertSameFilesAsSource(restored);
    }

    [Fact]
    public void Wrong_credentials_and_a_missing_bucket_are_refused_with_what_to_do_and_nothing_is_stored()
    {
        WriteCredentials("NOT-A-KEY", "wrong");
        var denied = _tree.Mkcdrec("mkbackuponly", "--layout", _tree.Layout, "--dest", _server.Url("backups"));
        Assert.NotEqual(0, denied.ExitCode);
        Assert.Contains("refused the credentials", denied.Stderr, StringComparison.Ordinal);
        Assert.Contains("AWS_ACCESS_KEY_ID", denied.Stderr, StringComparison.Ordinal);

        // The same store listed with the keys medium's s3/credentials in place of the wrong ones in ~/.aws.
        var keys = Path.Combine(_tree.Dir, "keys");
        Directory.CreateDirectory(Path.Combine(keys, "s3"));
        File.WriteAllText(Path.Combine(keys, "s3", "credentials"), $"[default]\naws_access_key_id = {S3rver.AccessKey}\naws_secret_access_key = {S3rver.Secret}\n");
        var withKeys = _tree.Mkcdrec("backups", "list", _server.Url("backups"), "--secrets", keys);
        Assert.True(withKeys.ExitCode == 0, withKeys.Stdout + withKeys.Stderr);
        Assert.Contains("0 backup(s)", withKeys.Stdout, StringComparison.Ordinal);
        Assert.NotEqual(0, _tree.Mkcdrec("backups", "list", _server.Url("backups")).ExitCode);

        // No credentials anywhere: at a terminal (script(1) gives it one) the keys are asked for, the secret not shown;
        // without a terminal the same command is refused saying where they go.
        File.Delete(Path.Combine(_tree.Home, ".aws", "credentials"));
        var command = $"env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY -u AWS_PROFILE HOME='{_tree.Home}' '{RepoPaths.MkcdrecBinary}' --log /dev/null backups list '{_server.Url("backups")}'";
        var typed = HostProcess.Run("sh", ["-c", $"(sleep 3; printf '%s\\n' {S3rver.AccessKey}; sleep 2; printf '%s\\n' {S3rver.Secret}; sleep 5) | script -qec \"{command}\" /dev/null"],
            TimeSpan.FromMinutes(2));
        Assert.True(typed.ExitCode == 0 && typed.Stdout.Contains("0 backup(s)", StringComparison.Ordinal), typed.Stdout + typed.Stderr);
        Assert.Contains("Access key ID for", typed.Stdout, StringComparison.Ordinal);
        Assert.Contains("Secret access key (not shown): ", typed.Stdout, StringComparison.Ordinal);
        var afterSecret = typed.Stdout[(typed.Stdout.IndexOf("Secret access key (not shown): ", StringComparison.Ordinal) + 31)..];
        Assert.DoesNotContain(S3rver.Secret, afterSecret, StringComparison.Ordinal); // s3rver's key ID and secret are the same word: only the ID is echoed

        var noTerminal = _tree.Mkcdrec("backups", "list", _server.Url("backups"));
        Assert.NotEqual(0, noTerminal.ExitCode);
        Assert.Contains("No S3 credentials found", noTerminal.Stderr, StringComparison.Ordinal);

        WriteCredentials(S3rver.AccessKey, S3rver.Secret);
        var missing = _tree.Mkcdrec("mkbackuponly", "--layout", _tree.Layout, "--dest", _server.Url("backups").Replace(S3rver.Bucket, "no-such-bucket", StringComparison.Ordinal));
        Assert.NotEqual(0, missing.ExitCode);
        Assert.Contains("bucket 'no-such-bucket' does not exist", missing.Stderr, StringComparison.Ordinal);

        var list = _tree.Mkcdrec("backups", "list", _server.Url("backups"));
        Assert.True(list.ExitCode == 0, list.Stdout + list.Stderr);
        Assert.Contains("0 backup(s)", list.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_store_gone_in_the_middle_of_a_backup_fails_it_clearly_and_the_previous_backup_stays_the_latest()
    {
        var dest = _server.Url("backups");
        var first = _tree.Mkcdrec("mkbackuponly", "--layout", _tree.Layout, "--dest", dest, "--volume-size", "2M", "--level", "1");
        Assert.True(first.ExitCode == 0, first.Stdout + first.Stderr);
        var stored = Directory.GetFiles(_server.Directory, "*", SearchOption.AllDirectories).Length;
        Thread.Sleep(1100);

        // A second, slower backup (32 MiB more, zstd -19 on random data); the server is killed once it has taken a volume.
        _tree.AddRandomFile("more.bin", 32 << 20);
        var second = Task.Run(() => _tree.Mkcdrec("mkbackuponly", "--layout", _tree.Layout, "--dest", dest, "--volume-size", "2M", "--level", "19"));
        var wait = System.Diagnostics.Stopwatch.StartNew();
        while (Directory.GetFiles(_server.Directory, "*", SearchOption.AllDirectories).Length <= stored && wait.Elapsed < TimeSpan.FromMinutes(2) && !second.IsCompleted)
        {
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }

        _server.Stop();
        var r = await second;
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("cannot be reached", r.Stderr, StringComparison.Ordinal);

        using var back = new S3rver(restart: _server);
        FirstIsTheOnlyCompleteBackupAndVerifies(back, first.Stdout);
    }

    /// <summary>
    /// s3rver on an 8 MiB tmpfs. A real store answers a full disk with an error (MinIO: 507 XMinioStorageFull, mapped to
    /// "no room" and not retried: S3UnfinishedUploadsTests); s3rver 3.7.1 dies of the ENOSPC instead, so here the store
    /// is gone in the middle of the second backup: the run fails clearly, and the store started again on the same full
    /// disk still lists the first backup as the only complete one, and it still verifies.
    /// </summary>
    [Fact]
    public void A_store_that_fills_up_fails_the_backup_clearly_and_the_previous_backup_stays_the_only_complete_one()
    {
        using var small = new S3rver(roomBytes: 8 << 20);
        var dest = small.Url("backups");
        var first = _tree.Mkcdrec("mkbackuponly", "--layout", _tree.Layout, "--dest", dest, "--volume-size", "2M", "--level", "1");
        Assert.True(first.ExitCode == 0, first.Stdout + first.Stderr);
        Thread.Sleep(1100);

        _tree.AddRandomFile("more.bin", 12 << 20);
        var full = _tree.Mkcdrec("mkbackuponly", "--layout", _tree.Layout, "--dest", dest, "--volume-size", "2M", "--level", "1");
        Assert.NotEqual(0, full.ExitCode);
        Assert.True(full.Stderr.Contains("Writing the backup volume", StringComparison.Ordinal)
            && full.Stderr.Contains("The previous backups are intact", StringComparison.Ordinal), full.Stderr);

        small.Stop();
        using var back = new S3rver(restart: small);
        FirstIsTheOnlyCompleteBackupAndVerifies(back, first.Stdout);
    }

    /// <summary>The store lists one complete backup, the one the first run named, and it verifies as HOST/latest.</summary>
    private void FirstIsTheOnlyCompleteBackupAndVerifies(S3rver store, string firstRunOutput)
    {
        var list = _tree.Mkcdrec("--json", "backups", "list", store.Url("backups"));
        Assert.True(list.ExitCode == 0, list.Stdout + list.Stderr);
        var backups = JsonDocument.Parse(list.Stdout).RootElement.GetProperty("backups").EnumerateArray().ToList();
        var complete = Assert.Single(backups, b => b.GetProperty("complete").GetBoolean());
        Assert.Matches(@"into " + complete.GetProperty("name").GetString() + " at", firstRunOutput);
        var verify = _tree.Mkcdrec("verify", store.Url("backups/s3host/latest"));
        Assert.True(verify.ExitCode == 0, verify.Stdout + verify.Stderr);
        Assert.Contains("as it streams (no spool)", verify.Stdout, StringComparison.Ordinal);
        Assert.Contains("chunk hashes checked as it streamed in", verify.Stdout, StringComparison.Ordinal);
    }

    private void WriteCredentials(string key, string secret) =>
        File.WriteAllText(Path.Combine(_tree.Home, ".aws", "credentials"), $"[default]\naws_access_key_id = {key}\naws_secret_access_key = {secret}\n");
}
