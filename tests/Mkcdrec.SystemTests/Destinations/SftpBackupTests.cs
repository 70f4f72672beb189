using System.Text.Json;
using System.Text.RegularExpressions;
using Mkcdrec.Model.Manifest;
using Mkcdrec.TestVm;
using Mkcdrec.TestVm.Servers;

namespace Mkcdrec.SystemTests.Destinations;

/// <summary>
/// The mkcdrec binary backs a tree up to OpenSSH's sshd on loopback over SFTP (through OpenSSH's own client and a
/// configuration file of the test's: throwaway host and user keys). The server's directory is on this machine, so the
/// stored backup is checked where it lies: verify, and GNU tar with zstd restoring every file. Refusals: an unknown
/// and a changed host key, a key the server does not take, a destination that fills up mid-backup.
/// </summary>
public sealed class SftpBackupTests : IDisposable
{
    private readonly Sshd _server = new();
    private readonly SourceTree _tree = new("mkcdrec-sftpbackup-");
    private readonly string _store;

    public SftpBackupTests()
    {
        _store = Path.Combine(_tree.Dir, "store");
        Directory.CreateDirectory(_store);
    }

    public void Dispose()
    {
        _server.Dispose();
        HostProcess.Run("umount", [_store]);
        _tree.Dispose();
    }

    [Fact]
    public void Backups_go_to_an_sftp_server_complete_and_listed_and_gnu_tar_restores_every_file()
    {
        var dest = _server.Url(_store);
        for (var run = 0; run < 2; run++)
        {
            var backup = _tree.Mkcdrec("mkbackuponly", "--layout", _tree.Layout, "--dest", dest, "--volume-size", "2M", "--level", "1");
            Assert.True(backup.ExitCode == 0, backup.Stdout + backup.Stderr);
            Assert.Matches(@"into s3host/\d{8}T\d{6}Z at sftp://sftp-test/", backup.Stdout);
            Thread.Sleep(1100);
        }

        var list = _tree.Mkcdrec("--json", "backups", "list", dest);
        Assert.True(list.ExitCode == 0, list.Stdout + list.Stderr);
        var backups = JsonDocument.Parse(list.Stdout).RootElement.GetProperty("backups").EnumerateArray().ToList();
        Assert.Equal(2, backups.Count);
        Assert.All(backups, b => Assert.True(b.GetProperty("complete").GetBoolean()));
        Assert.Empty(Directory.GetFiles(_store, "*.partial", SearchOption.AllDirectories));

        var newest = Path.Combine(_store, backups[^1].GetProperty("name").GetString()!);
        var verify = _tree.Mkcdrec("verify", newest);
        Assert.True(verify.ExitCode == 0, verify.Stdout + verify.Stderr);
        _tree.AssertTarRestoresEveryFile(newest, minVolumes: 3);

        // The same directory listed as a local destination (what a USB disk holding it would show).
        var local = _tree.Mkcdrec("--json", "backups", "list", _store);
        Assert.True(local.ExitCode == 0, local.Stdout + local.Stderr);
        Assert.Equal(backups.Select(b => b.GetProperty("name").GetString()),
            JsonDocument.Parse(local.Stdout).RootElement.GetProperty("backups").EnumerateArray().Select(b => b.GetProperty("name").GetString()));
    }

    [Fact]
    public void The_latest_backup_is_fetched_back_over_sftp_and_verified_and_gnu_tar_restores_the_fetched_copy()
    {
        var dest = _server.Url(_store);
        var backup = _tree.Mkcdrec("mkbackuponly", "--layout", _tree.Layout, "--dest", dest, "--volume-size", "2M", "--level", "1");
        Assert.True(backup.ExitCode == 0, backup.Stdout + backup.Stderr);

        // verify reads the volumes where they lie, each once, straight from sshd; fetch copies them for GNU tar.
        var verify = _tree.Mkcdrec("verify", _server.Url(_store + "/s3host/latest"));
        Assert.True(verify.ExitCode == 0, verify.Stdout + verify.Stderr);
        Assert.Matches($@"Reading the backup sftp://{Regex.Escape(Sshd.Alias + _store)}/s3host/\d{{8}}T\d{{6}}Z as it streams \(no spool\)", verify.Stdout);
        var streamed = Regex.Count(verify.Stdout, "chunk hashes checked as it streamed in");
        var spool = Path.Combine(_tree.Dir, "spool");
        var fetch = _tree.Mkcdrec("fetch", _server.Url(_store + "/s3host/latest"), "--spool", spool);
        Assert.True(fetch.ExitCode == 0, fetch.Stdout + fetch.Stderr);
        Assert.Contains($"Fetched the backup from sftp://{Sshd.Alias}{_store}/s3host/", fetch.Stdout, StringComparison.Ordinal);
        _tree.AssertTarRestoresEveryFile(spool, minVolumes: 3);
        Assert.Equal(BackupManifest.Parse(File.ReadAllBytes(Path.Combine(spool, BackupFiles.Manifest)), "m").Archives.Sum(a => a.Volumes.Count), streamed);

        var gone = _tree.Mkcdrec("fetch", _server.Url(_store + "/otherhost/latest"), "--spool", spool + "2");
        Assert.NotEqual(0, gone.ExitCode);
        Assert.Contains("There is no complete backup of 'otherhost'", gone.Stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(spool + "2") && Directory.EnumerateFileSystemEntries(spool + "2").Any());
    }

    [Fact]
    public async Task A_server_gone_in_the_middle_of_a_backup_fails_it_clearly_and_the_previous_backup_stays_the_latest()
    {
        var first = _tree.Mkcdrec("mkbackuponly", "--layout", _tree.Layout, "--dest", _server.Url(_store), "--volume-size", "2M", "--level", "1");
        Assert.True(first.ExitCode == 0, first.Stdout + first.Stderr);
        var stored = Directory.GetFiles(_store, "*", SearchOption.AllDirectories).Length;
        Thread.Sleep(1100);

        // A second, slower backup (32 MiB more, zstd -19 on random data); sshd and its sessions are killed once a volume is being written.
        _tree.AddRandomFile("more.bin", 32 << 20);
        var second = Task.Run(() => _tree.Mkcdrec("mkbackuponly", "--layout", _tree.Layout, "--dest", _server.Url(_store), "--volume-size", "2M", "--level", "19"));
        var wait = System.Diagnostics.Stopwatch.StartNew();
        while (Directory.GetFiles(_store, "*", SearchOption.AllDirectories).Length <= stored && wait.Elapsed < TimeSpan.FromMinutes(2) && !second.IsCompleted)
        {
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }

        _server.Stop();
        var r = await second;
        Assert.NotEqual(0, r.ExitCode);
        Assert.True(r.Stderr.Contains($"The SSH connection to {Sshd.Alias} ended unexpectedly", StringComparison.Ordinal)
            && r.Stderr.Contains("The previous backups are intact", StringComparison.Ordinal), r.Stderr);

        using var again = new Sshd(); // the server back (with keys of its own), the same directory
        var list = _tree.Mkcdrec("--json", "backups", "list", again.Url(_store));
        Assert.True(list.ExitCode == 0, list.Stdout + list.Stderr);
        var backups = JsonDocument.Parse(list.Stdout).RootElement.GetProperty("backups").EnumerateArray().ToList();
        var complete = Assert.Single(backups, b => b.GetProperty("complete").GetBoolean());
        Assert.Contains("into " + complete.GetProperty("name").GetString() + " at", first.Stdout, StringComparison.Ordinal);
        var verify = _tree.Mkcdrec("verify", again.Url(_store + "/s3host/latest"));
        Assert.True(verify.ExitCode == 0, verify.Stdout + verify.Stderr);
    }

    [Fact]
    public void An_unknown_or_changed_host_key_and_a_refused_user_key_stop_before_anything_is_written()
    {
        var unknown = _server.WriteClientConfig("unknown", "");
        var r = _tree.Mkcdrec("mkbackuponly", "--layout", _tree.Layout, "--dest", _server.Url(_store, unknown));
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("is not in known_hosts", r.Stderr, StringComparison.Ordinal);
        Assert.Equal("", File.ReadAllText(Path.Combine(_server.Directory, "unknown.known_hosts"))); // never accepted, never recorded

        var changed = _server.WriteClientConfig("changed", _server.KnownHostsLine(_server.Keygen("other_host_key") + ".pub"));
        r = _tree.Mkcdrec("mkbackuponly", "--layout", _tree.Layout, "--dest", _server.Url(_store, changed));
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("has CHANGED", r.Stderr, StringComparison.Ordinal);

        _server.Keygen("stranger_key");
        var stranger = _server.WriteClientConfig("stranger", _server.KnownHostsLine(Path.Combine(_server.Directory, "host_key.pub")), "stranger_key");
        r = _tree.Mkcdrec("mkbackuponly", "--layout", _tree.Layout, "--dest", _server.Url(_store, stranger));
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("refused the login", r.Stderr, StringComparison.Ordinal);

        Assert.Empty(Directory.GetFileSystemEntries(_store));
    }

    [Fact]
    public void A_destination_that_fills_up_fails_the_backup_clearly_and_leaves_the_previous_one_as_it_was()
    {
        HostProcess.Checked("mount", "-t", "tmpfs", "-o", "size=8m", "mkcdrec-test", _store);
        var first = _tree.Mkcdrec("mkbackuponly", "--layout", _tree.Layout, "--dest", _server.Url(_store), "--level", "1");
        Assert.True(first.ExitCode == 0, first.Stdout + first.Stderr);
        var before = Directory.GetFiles(_store, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();

        Thread.Sleep(1100);
        _tree.AddRandomFile("more.bin", 6 << 20);
        var full = _tree.Mkcdrec("mkbackuponly", "--layout", _tree.Layout, "--dest", _server.Url(_store), "--level", "1");
        Assert.NotEqual(0, full.ExitCode);
        Assert.Contains("full disk", full.Stderr, StringComparison.Ordinal);
        Assert.Contains("The previous backups are intact", full.Stderr, StringComparison.Ordinal);

        Assert.Equal(before, Directory.GetFiles(_store, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal));
        var list = _tree.Mkcdrec("backups", "list", _server.Url(_store));
        Assert.Contains("1 backup(s)", list.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("INCOMPLETE", list.Stdout, StringComparison.Ordinal);
        var only = Path.GetDirectoryName(before.Single(f => f.EndsWith(BackupFiles.Manifest, StringComparison.Ordinal)))!;
        Assert.Equal(0, _tree.Mkcdrec("verify", only).ExitCode);
    }
}
