using System.Security.Cryptography;
using Mkcdrec.SystemTests.Media;
using Mkcdrec.TestVm;
using Mkcdrec.TestVm.Servers;

namespace Mkcdrec.SystemTests.Destinations;

/// <summary>
/// `mkcdrec fetch https://…` against a real TLS server (openssl s_server -WWW on 127.0.0.1) whose certificate a test CA
/// made with openssl signs: with --ca-file (or ca.pem in --secrets) every file arrives intact; without it, for another
/// host name, from another CA and expired, the certificate is refused with what was wrong and what to do, exit code 7,
/// no stack trace and no manifest in the spool.
/// </summary>
public sealed class HttpsFetchTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mkcdrec-https-").FullName;
    private readonly string _www;
    private readonly TestCa _ca;

    public HttpsFetchTests()
    {
        _www = Path.Combine(_dir, "www");
        var backup = Path.Combine(_www, "backup");
        try
        {
            SmallBackup.Create(_dir, backup, files: 3, seed: 15, step: 4099, text: "served over https\n");
            SourceTree.WriteLayout(Path.Combine(backup, "layout.json"), "/"); // s_server answers a missing file with 200 and an error text
            _ca = new TestCa(_dir, "mkcdrec-test-ca");
        }
        catch
        {
            Dispose(); // xUnit disposes only what it constructed
            throw;
        }
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void With_the_ca_file_every_file_arrives_and_without_it_the_certificate_is_refused_with_what_to_do()
    {
        var (cert, key) = _ca.Issue("server", "IP:127.0.0.1,DNS:localhost");
        using var server = new OpensslWwwServer(_www, cert, key);

        var spool = Path.Combine(_dir, "spool");
        var ok = Mkcdrec("fetch", server.Url("backup/"), "--spool", spool, "--ca-file", _ca.Certificate);
        Assert.True(ok.ExitCode == 0, ok.Stdout + ok.Stderr);
        Assert.Equal(Sums(Path.Combine(_www, "backup")), Sums(spool));
        var verify = Mkcdrec("verify", spool);
        Assert.True(verify.ExitCode == 0, verify.Stdout + verify.Stderr);

        // The host name localhost is in the certificate too; the CA as ca.pem of a --secrets directory (the keys medium).
        var keys = Path.Combine(_dir, "keys");
        Directory.CreateDirectory(keys);
        File.Copy(_ca.Certificate, Path.Combine(keys, "ca.pem"));
        var byKeys = Mkcdrec("fetch", server.Url("backup/", "localhost"), "--spool", Path.Combine(_dir, "spool-keys"), "--secrets", keys);
        Assert.True(byKeys.ExitCode == 0, byKeys.Stdout + byKeys.Stderr);
        Assert.Equal(Sums(Path.Combine(_www, "backup")), Sums(Path.Combine(_dir, "spool-keys")));

        var refused = AssertRefused(server.Url("backup/"), null, "it is signed by 'CN=mkcdrec-test-ca', a CA this system does not trust");
        Assert.Contains("give --ca-file FILE with that CA's certificate", refused, StringComparison.Ordinal);
    }

    [Fact]
    public void A_certificate_for_another_host_name_is_refused_naming_the_names_it_is_for()
    {
        var (cert, key) = _ca.Issue("other-host", "DNS:backup.example");
        using var server = new OpensslWwwServer(_www, cert, key);
        var hint = AssertRefused(server.Url("backup/"), _ca.Certificate, "it is for backup.example, not for '127.0.0.1' (the host in the URL)");
        Assert.Contains("Check the host name in the URL", hint, StringComparison.Ordinal);
    }

    [Fact]
    public void A_certificate_signed_by_another_ca_is_refused_naming_its_issuer_and_the_ca_file()
    {
        var other = new TestCa(_dir, "another-ca");
        var (cert, key) = other.Issue("server-of-another-ca", "IP:127.0.0.1");
        using var server = new OpensslWwwServer(_www, cert, key);
        var hint = AssertRefused(server.Url("backup/"), _ca.Certificate, $"it is signed by 'CN=another-ca', which is not a CA in {_ca.Certificate}");
        Assert.Contains("Give --ca-file the certificate of the CA that signed the server's certificate", hint, StringComparison.Ordinal);
    }

    [Fact]
    public void An_expired_certificate_is_refused_saying_when_it_expired()
    {
        var (cert, key) = _ca.Issue("expired", "IP:127.0.0.1", days: -1);
        using var server = new OpensslWwwServer(_www, cert, key);
        var hint = AssertRefused(server.Url("backup/"), _ca.Certificate, "it expired on ");
        Assert.Contains("Renew the server's certificate", hint, StringComparison.Ordinal);
    }

    /// <summary>Fetches <paramref name="url"/> and asserts the refusal: exit 7 at once (no retries), the reason, no stack trace, no manifest; returns stderr.</summary>
    private string AssertRefused(string url, string? caFile, string reason)
    {
        var spool = Path.Combine(_dir, "spool-refused-" + Guid.NewGuid().ToString("N")[..8]);
        var started = DateTime.UtcNow;
        var r = Mkcdrec(["fetch", url, "--spool", spool, .. caFile is null ? Array.Empty<string>() : ["--ca-file", caFile]]);
        Assert.True(r.ExitCode == 7, $"exit {r.ExitCode}: {r.Stdout}{r.Stderr}");
        Assert.Contains("was refused: " + reason, r.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", r.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("trying again", r.Stderr, StringComparison.Ordinal);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(30), "a refused certificate is not retried");
        Assert.False(File.Exists(Path.Combine(spool, "manifest.json")));
        return r.Stderr;
    }

    private HostResult Mkcdrec(params string[] args) =>
        HostProcess.Run(RepoPaths.MkcdrecBinary, ["--log", Path.Combine(_dir, "mkcdrec.log"), .. args], TimeSpan.FromMinutes(2));

    /// <summary>Each file's SHA-256 by name (the spool's hidden temporary files would show up here too).</summary>
    private static SortedDictionary<string, string> Sums(string dir) =>
        new(Directory.GetFiles(dir).ToDictionary(f => Path.GetFileName(f), f => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(f)))), StringComparer.Ordinal);
}
