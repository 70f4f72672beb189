using System.Text.Json;
using Mkcdrec.TestVm.Servers;

namespace Mkcdrec.SystemTests.Destinations;

/// <summary>
/// An s3:// destination whose endpoint is https (s3rver with a certificate a test CA signed): mkbackuponly --dest,
/// backups list and fetch HOST/latest trust it with --ca-file (the S3 client's own requests and the fetcher's signed
/// GETs), and refuse it without, saying why.
/// </summary>
public sealed class S3HttpsTests : IDisposable
{
    private readonly SourceTree _tree = new("mkcdrec-s3https-");
    private readonly TestCa _ca;
    private readonly S3rver _server;

    public S3HttpsTests()
    {
        try
        {
            _ca = new TestCa(_tree.Dir, "mkcdrec-s3-ca");
            _server = new S3rver(tls: _ca.Issue("s3rver", "IP:127.0.0.1"));
        }
        catch
        {
            _tree.Dispose(); // xUnit disposes only what it constructed
            throw;
        }

        Directory.CreateDirectory(Path.Combine(_tree.Home, ".aws"));
        File.WriteAllText(Path.Combine(_tree.Home, ".aws", "credentials"), $"[default]\naws_access_key_id = {S3rver.AccessKey}\naws_secret_access_key = {S3rver.Secret}\n");
    }

    public void Dispose()
    {
        _server.Dispose();
        _tree.Dispose();
    }

    [Fact]
    public void A_backup_to_an_https_endpoint_is_stored_listed_and_fetched_with_the_ca_file_and_refused_without_it()
    {
        var dest = _server.Url("backups");
        Assert.StartsWith("https://", _server.Endpoint.AbsoluteUri, StringComparison.Ordinal);

        var refused = _tree.Mkcdrec("mkbackuponly", "--layout", _tree.Layout, "--dest", dest);
        Assert.True(refused.ExitCode == 7, refused.Stdout + refused.Stderr);
        Assert.Contains($"The TLS certificate of 127.0.0.1:{_server.Endpoint.Port} was refused: it is signed by 'CN=mkcdrec-s3-ca', a CA this system does not trust",
            refused.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("trying again", refused.Stderr, StringComparison.Ordinal);

        var backup = _tree.Mkcdrec("mkbackuponly", "--layout", _tree.Layout, "--dest", dest, "--volume-size", "2M", "--level", "1", "--ca-file", _ca.Certificate);
        Assert.True(backup.ExitCode == 0, backup.Stdout + backup.Stderr);

        var list = _tree.Mkcdrec("--json", "backups", "list", dest, "--ca-file", _ca.Certificate);
        Assert.True(list.ExitCode == 0, list.Stdout + list.Stderr);
        var b = Assert.Single(JsonDocument.Parse(list.Stdout).RootElement.GetProperty("backups").EnumerateArray());
        Assert.True(b.GetProperty("complete").GetBoolean());
        Assert.Equal(7, _tree.Mkcdrec("backups", "list", dest).ExitCode);

        var spool = Path.Combine(_tree.Dir, "spool");
        var fetch = _tree.Mkcdrec("fetch", _server.Url("backups/s3host/latest"), "--spool", spool, "--ca-file", _ca.Certificate);
        Assert.True(fetch.ExitCode == 0, fetch.Stdout + fetch.Stderr);
        _tree.AssertTarRestoresEveryFile(spool, minVolumes: 3);
    }
}
