using Mkcdrec.TestVm;

namespace Mkcdrec.Cli.Tests;

/// <summary>
/// `mkcdrec fetch`, `mkcdrec verify URL` and `mkcdrec recover --backup URL` through the real command line, against a
/// loopback HTTP server on 127.0.0.1 started by the test.
/// </summary>
public sealed class FetchCliTests : IDisposable
{
    private readonly string _dir = Path.Combine("/tmp", "mkcdrec-fetchcli-" + Guid.NewGuid().ToString("N")[..10]);
    private readonly LoopbackHttpServer _server;

    public FetchCliTests()
    {
        Directory.CreateDirectory(Path.Combine(_dir, "src"));
        Directory.CreateDirectory(Path.Combine(_dir, "www"));
        Directory.CreateDirectory(Path.Combine(_dir, "tmp"));
        var rnd = new Random(3);
        var data = new byte[2_500_000];
        rnd.NextBytes(data);
        File.WriteAllBytes(Path.Combine(_dir, "src", "data.bin"), data);
        _server = new LoopbackHttpServer(Path.Combine(_dir, "www"));
    }

    public void Dispose()
    {
        _server.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    // TMPDIR: where a temporary spool goes.
    private (int Code, string Out, string Err) Mkcdrec(params string[] args) =>
        CliTests.Mkcdrec(new Dictionary<string, string> { ["TMPDIR"] = Path.Combine(_dir, "tmp") }, [.. args, "--log", Path.Combine(_dir, "log.txt")]);

    private string Backup()
    {
        var bk = Path.Combine(_dir, "www", "bk");
        var r = Mkcdrec("archive", "create", "--root", Path.Combine(_dir, "src"), "--dest", bk, "--compress", "none", "--volume-size", "1M");
        Assert.True(r.Code == 0, r.Err);
        return bk;
    }

    [Fact]
    public void Verify_takes_a_url_fetches_into_a_temporary_spool_and_removes_it()
    {
        Backup();
        var r = Mkcdrec("verify", _server.Url("bk"));
        Assert.True(r.Code == 0, r.Out + r.Err);
        Assert.Contains($"Fetched the backup from {_server.Url("bk/")} into {Path.Combine(_dir, "tmp")}/mkcdrec-backup-", r.Out, StringComparison.Ordinal);
        Assert.Contains("every content hash matches", r.Out, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(_dir, "tmp")));
    }

    [Fact]
    public void Fetch_and_verify_with_a_spool_keep_it_and_the_second_fetch_reuses_the_volumes()
    {
        var bk = Backup();
        var spool = Path.Combine(_dir, "spool");
        var r = Mkcdrec("--json", "fetch", _server.Url("bk"), "--spool", spool);
        Assert.True(r.Code == 0, r.Out + r.Err);
        Assert.Matches("\"files\":4,.*\"reused\":0,\"retries\":0", r.Out);
        Assert.Equal(Directory.GetFiles(bk).Select(Path.GetFileName).Order(), Directory.GetFiles(spool).Select(Path.GetFileName).Order());

        r = Mkcdrec("verify", _server.Url("bk"), "--spool", spool);
        Assert.True(r.Code == 0, r.Out + r.Err);
        Assert.Contains("3 volume(s) already there", r.Out, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(spool, "manifest.json")));

        // Another backup into the same named spool: refused (exit 7), the backup there stays.
        var other = Path.Combine(_dir, "www", "other");
        Directory.CreateDirectory(other);
        foreach (var f in Directory.GetFiles(bk))
        {
            File.Copy(f, Path.Combine(other, Path.GetFileName(f)));
        }

        File.AppendAllText(Path.Combine(other, "manifest.json"), "\n");
        r = Mkcdrec("fetch", _server.Url("other"), "--spool", spool);
        Assert.Equal(7, r.Code);
        Assert.Contains("already holds another backup", r.Err, StringComparison.Ordinal);
        Assert.Equal(File.ReadAllBytes(Path.Combine(bk, "manifest.json")), File.ReadAllBytes(Path.Combine(spool, "manifest.json")));
    }

    [Fact]
    public void Failures_and_misuse_have_documented_exit_codes_and_name_the_url()
    {
        var r = Mkcdrec("verify", _server.Url("missing"));
        Assert.Equal(5, r.Code);
        Assert.Contains($"Cannot fetch {_server.Url("missing/manifest.json")}: HTTP 404 Not Found", r.Err, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(_dir, "tmp")));

        r = Mkcdrec("fetch", Path.Combine(_dir, "src"), "--spool", Path.Combine(_dir, "s"));
        Assert.Equal(2, r.Code);
        Assert.Contains("not an http://, https://, sftp://, nfs:// or s3:// URL", r.Err, StringComparison.Ordinal);

        r = Mkcdrec("verify", Path.Combine(_dir, "src"), "--spool", Path.Combine(_dir, "s"));
        Assert.Equal(2, r.Code);
        Assert.Contains("--spool is for a backup given as a URL", r.Err, StringComparison.Ordinal);

        if (Environment.IsPrivilegedProcess)
        {
            // recover fetches before it plans: a bad URL fails before any disk is looked at.
            r = Mkcdrec("recover", "--backup", _server.Url("missing"), "--unattended", "--journal", Path.Combine(_dir, "journal.json"));
            Assert.Equal(5, r.Code);
            Assert.Contains(_server.Url("missing/manifest.json"), r.Err, StringComparison.Ordinal);
        }
    }
}
