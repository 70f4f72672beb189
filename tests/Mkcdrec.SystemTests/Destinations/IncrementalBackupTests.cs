using System.Text.Json;
using Mkcdrec.Model.Manifest;
using Mkcdrec.TestVm;
using Mkcdrec.TestVm.Servers;

namespace Mkcdrec.SystemTests.Destinations;

/// <summary>
/// `mkbackuponly --incremental` with the built binary: a full backup and three increments in a directory of this
/// machine and at an S3 store (s3rver); each increment names its parent; stock GNU tar and mkcdrec each restore the
/// chain, and the result has every file of the live tree (sha256sum). A broken chain is refused before anything is
/// written; --max-increments starts a new chain.
/// </summary>
public sealed class IncrementalBackupTests : IDisposable
{
    private readonly SourceTree _tree = new("mkcdrec-incremental-");

    public void Dispose() => _tree.Dispose();

    /// <summary>What changes before each increment: a new file, a deletion, a rename, a metadata-only change.</summary>
    private static readonly string[] Changes =
    [
        "echo one > added-1 && rm etc/deep/er/'with space.conf' && mv random.bin moved.bin",
        "chmod 600 etc/hostname && mkdir -p new/dir && echo two > new/dir/added-2 && rm link",
        "mv new renamed && echo three >> etc/hostname && ln etc/hostname hardlink",
    ];

    [Fact]
    public void A_chain_in_a_directory_restores_by_gnu_tar_and_by_mkcdrec_and_a_broken_link_is_refused()
    {
        var dest = Path.Combine(_tree.Dir, "backups");
        var names = MakeChain(dest, extra: []);
        var dirs = names.Select(n => Path.Combine(dest, n)).ToList();

        var verify = _tree.Mkcdrec("verify", dirs[^1]);
        Assert.True(verify.ExitCode == 0, verify.Stdout + verify.Stderr);
        Assert.Contains("chain: a full backup and 3 increment(s)", verify.Stdout, StringComparison.Ordinal);

        var ours = Path.Combine(_tree.Dir, "restored-by-mkcdrec");
        var extract = _tree.Mkcdrec("archive", "extract", "--from", dirs[^1], "--to", ours);
        Assert.True(extract.ExitCode == 0, extract.Stdout + extract.Stderr);
        _tree.AssertSameFilesAsSource(ours);

        // Stock GNU tar, the links oldest first, with --listed-incremental=/dev/null: deletions and renames applied.
        var gnu = Path.Combine(_tree.Dir, "restored-by-gnu-tar");
        Directory.CreateDirectory(gnu);
        foreach (var d in dirs)
        {
            HostProcess.Checked("sh", "-c", $"cat {d}/*.tar.zst.* | zstd -dq | tar --listed-incremental=/dev/null -xf - -C {gnu}");
        }

        _tree.AssertSameFilesAsSource(gnu);
        Assert.False(File.Exists(Path.Combine(gnu, "random.bin"))); // renamed away in the first increment
        Assert.True(File.Exists(Path.Combine(gnu, "renamed", "dir", "added-2")));

        // The middle link replaced by another backup: its manifest is not the one the next increment was made on.
        var middle = Path.Combine(dirs[2], BackupFiles.Manifest);
        File.AppendAllText(middle, " ");
        var broken = Path.Combine(_tree.Dir, "never-written");
        var refused = _tree.Mkcdrec("archive", "extract", "--from", dirs[^1], "--to", broken);
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains($"is broken at {dirs[^1]}: its parent {names[2]} is not the backup it was made on", refused.Stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(broken));

        // A link gone: named in the refusal of verify.
        Directory.Delete(dirs[1], recursive: true);
        var missing = _tree.Mkcdrec("verify", dirs[2]);
        Assert.NotEqual(0, missing.ExitCode);
        Assert.Contains($"its parent {names[1]} cannot be read", missing.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void A_chain_at_an_s3_store_streams_back_and_max_increments_starts_a_new_one()
    {
        using var server = new S3rver();
        Directory.CreateDirectory(Path.Combine(_tree.Home, ".aws"));
        File.WriteAllText(Path.Combine(_tree.Home, ".aws", "credentials"), $"[default]\naws_access_key_id = {S3rver.AccessKey}\naws_secret_access_key = {S3rver.Secret}\n");
        var dest = server.Url("backups");
        var names = MakeChain(dest, extra: ["--encrypt", "--passphrase-file", WritePassphrase()]);

        var verify = _tree.Mkcdrec("verify", server.Url("backups/s3host/latest"), "--passphrase-file", WritePassphrase());
        Assert.True(verify.ExitCode == 0, verify.Stdout + verify.Stderr);
        Assert.Contains("chain: a full backup and 3 increment(s)", verify.Stdout, StringComparison.Ordinal);
        Assert.Contains($"s3://mkcdrec-test/backups/{names[0]}", verify.Stdout, StringComparison.Ordinal);

        var restored = Path.Combine(_tree.Dir, "streamed-chain");
        var extract = _tree.Mkcdrec("archive", "extract", "--from", server.Url("backups/s3host/latest"), "--to", restored, "--passphrase-file", WritePassphrase());
        Assert.True(extract.ExitCode == 0, extract.Stdout + extract.Stderr);
        _tree.AssertSameFilesAsSource(restored);

        // Fetched into a spool, an increment comes with its chain (SPOOL/parents/HOST/TIME), and restores from there.
        var spool = Path.Combine(_tree.Dir, "spool");
        var fetch = _tree.Mkcdrec("fetch", server.Url("backups/s3host/latest"), "--spool", spool);
        Assert.True(fetch.ExitCode == 0, fetch.Stdout + fetch.Stderr);
        Assert.All(names.SkipLast(1), n => Assert.True(File.Exists(Path.Combine(spool, "parents", n, BackupFiles.Manifest)), n));
        var fromSpool = Path.Combine(_tree.Dir, "from-spool");
        var spooled = _tree.Mkcdrec("archive", "extract", "--from", spool, "--to", fromSpool, "--passphrase-file", WritePassphrase());
        Assert.True(spooled.ExitCode == 0, spooled.Stdout + spooled.Stderr);
        _tree.AssertSameFilesAsSource(fromSpool);

        Thread.Sleep(1100);
        var next = _tree.Mkcdrec("mkbackuponly", "--layout", _tree.Layout, "--dest", dest, "--incremental", "--max-increments", "3",
            "--encrypt", "--passphrase-file", WritePassphrase());
        Assert.True(next.ExitCode == 0, next.Stdout + next.Stderr);
        var log = File.ReadAllText(Path.Combine(_tree.Dir, "mkcdrec.log"));
        Assert.Contains($"{names[3]} is increment 3 of its chain (at most 3): this run makes a full backup", log, StringComparison.Ordinal);

        // Retention by chains: the dry run names the older chain whole and deletes nothing; the prune then deletes it.
        var dry = _tree.Mkcdrec("backups", "prune", dest, "--keep-full", "1", "--dry-run");
        Assert.True(dry.ExitCode == 0, dry.Stdout + dry.Stderr);
        Assert.All(names, n => Assert.Contains("would delete " + n, dry.Stdout, StringComparison.Ordinal));
        Assert.Contains($"would delete {names[2]} (", dry.Stdout, StringComparison.Ordinal);
        Assert.Contains($"an increment of the older full backup {names[0]}", dry.Stdout, StringComparison.Ordinal);
        Assert.Equal(5, Listed(dest).Count);
        var prune = _tree.Mkcdrec("backups", "prune", dest, "--keep-full", "1");
        Assert.True(prune.ExitCode == 0, prune.Stdout + prune.Stderr);
        Assert.Contains("Deleted 4 backup(s)", prune.Stdout, StringComparison.Ordinal);
        var left = Assert.Single(Listed(dest));
        Assert.DoesNotContain(left, names);
        var list = _tree.Mkcdrec("backups", "list", dest);
        Assert.Contains($"{left}", list.Stdout, StringComparison.Ordinal);
        Assert.Matches(@"\d+ file\(s\) +complete, full backup", list.Stdout);
    }

    /// <summary>Four runs of mkbackuponly --incremental with <see cref="Changes"/> between them; returns the backups' names, oldest first.</summary>
    private List<string> MakeChain(string dest, string[] extra)
    {
        var names = new List<string>();
        for (var run = 0; run <= Changes.Length; run++)
        {
            if (run > 0)
            {
                HostProcess.Checked("sh", "-c", $"cd {_tree.Source} && {Changes[run - 1]}");
            }

            Thread.Sleep(1100); // a name of its own, and past the clock margin of the parent's start
            var r = _tree.Mkcdrec(["mkbackuponly", "--layout", _tree.Layout, "--dest", dest, "--incremental", "--volume-size", "2M", .. extra]);
            Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr);
            names.Add(System.Text.RegularExpressions.Regex.Match(r.Stdout, @"s3host/\d{8}T\d{6}Z").Value);
        }

        Assert.Equal(names, Listed(dest));
        var levels = JsonDocument.Parse(_tree.Mkcdrec("--json", "backups", "list", dest).Stdout).RootElement.GetProperty("backups").EnumerateArray()
            .Select(b => (b.GetProperty("level").GetInt32(), b.TryGetProperty("parent", out var parent) && parent.ValueKind == JsonValueKind.String ? parent.GetString() : null)).ToList();
        Assert.Equal([(0, null), (1, names[0]), (2, names[1]), (3, names[2])], levels);
        return names;
    }

    private List<string> Listed(string dest)
    {
        var list = _tree.Mkcdrec("--json", "backups", "list", dest);
        Assert.True(list.ExitCode == 0, list.Stdout + list.Stderr);
        return [.. JsonDocument.Parse(list.Stdout).RootElement.GetProperty("backups").EnumerateArray().Select(b => b.GetProperty("name").GetString()!)];
    }

    private string WritePassphrase()
    {
        var file = Path.Combine(_tree.Dir, "passphrase");
        File.WriteAllText(file, "chain passphrase\n");
        return file;
    }
}
