using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Mkcdrec.Core.Destinations;

namespace Mkcdrec.Core.Tests.Destinations;

/// <summary>
/// The CA file (--ca-file, ca.pem of a secrets directory) and what a refused certificate is called: chains built here with
/// CustomRootTrust over certificates made in memory, as SslStream builds them with the handler's policy.
/// (HttpsFetchTests in the system tier drives the same against openssl s_server.)
/// </summary>
public sealed class TlsTrustTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mkcdrec-tls-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static X509Certificate2 Ca(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var req = new CertificateRequest("CN=" + name, key, HashAlgorithmName.SHA256);
        req.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        req.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, true));
        return req.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-10), DateTimeOffset.UtcNow.AddDays(10));
    }

    private static X509Certificate2 Server(X509Certificate2 ca, string dns, DateTimeOffset notAfter)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var req = new CertificateRequest("CN=" + dns, key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName(dns);
        san.AddIpAddress(System.Net.IPAddress.Loopback);
        req.CertificateExtensions.Add(san.Build());
        return req.Create(ca, DateTimeOffset.UtcNow.AddDays(-5), notAfter, [1, 2, 3, 4]);
    }

    private string Pem(string name, params X509Certificate2[] certs)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, string.Concat(certs.Select(c => c.ExportCertificatePem() + "\n")));
        return path;
    }

    /// <summary>The chain SslStream would build for <paramref name="server"/> with the CA file's policy, described.</summary>
    private static TlsRefusal Refusal(X509Certificate2 server, string host, string? caFile, X509Certificate2[] roots, SslPolicyErrors extra = SslPolicyErrors.None)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.CustomTrustStore.AddRange(roots);
        var errors = chain.Build(server) ? extra : extra | SslPolicyErrors.RemoteCertificateChainErrors;
        return TlsRefusal.Describe(host, server, chain, errors, caFile);
    }

    [Fact]
    public void A_pem_file_with_several_cas_is_read_and_a_missing_or_certificate_less_file_is_refused()
    {
        var both = Pem("both.pem", Ca("one"), Ca("two"));
        Assert.Equal(both, TlsTrust.FromFile(both).CaFile);
        Assert.Null(TlsTrust.System.CaFile);

        var missing = Assert.Throws<MkcdrecException>(() => TlsTrust.FromFile(Path.Combine(_dir, "none.pem")));
        Assert.Equal(ExitCode.BadInput, missing.Code);
        Assert.Contains("does not exist", missing.Message, StringComparison.Ordinal);

        var keyOnly = Path.Combine(_dir, "key.pem");
        using (var k = ECDsa.Create())
        {
            File.WriteAllText(keyOnly, k.ExportPkcs8PrivateKeyPem());
        }

        var none = Assert.Throws<MkcdrecException>(() => TlsTrust.FromFile(keyOnly));
        Assert.Contains("has no certificate mkcdrec can read", none.Message, StringComparison.Ordinal);
        Assert.Contains("not a key or a DER file", none.Hint, StringComparison.Ordinal);
    }

    [Fact]
    public void Ca_pem_of_a_secrets_directory_is_trusted_and_ca_file_wins_over_it()
    {
        var keys = Directory.CreateDirectory(Path.Combine(_dir, "keys")).FullName;
        Assert.Null(DestinationCredentials.From(keys).Trust.CaFile);

        var onMedium = Pem("keys/ca.pem", Ca("medium"));
        var c = DestinationCredentials.From(keys);
        Assert.Equal(onMedium, c.Trust.CaFile);
        Assert.Contains("ca.pem", c.Describe(), StringComparison.Ordinal);

        var given = Pem("given.pem", Ca("given"));
        Assert.Equal(given, c.WithCaFile(given).Trust.CaFile);
        Assert.Same(c, c.WithCaFile(null));
        Assert.Equal(given, DestinationCredentials.Own.WithCaFile(given).AskingFor(null).Trust.CaFile);
        Assert.Null(DestinationCredentials.Own.Trust.CaFile);
    }

    [Fact]
    public void A_certificate_of_the_ca_passes_and_one_of_another_ca_is_named_with_its_issuer_and_the_ca_file()
    {
        var ca = Ca("mkcdrec-unit-ca");
        var good = Server(ca, "backup.example", DateTimeOffset.UtcNow.AddDays(5));
        using (var chain = new X509Chain())
        {
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            chain.ChainPolicy.CustomTrustStore.Add(ca);
            Assert.True(chain.Build(good), string.Join("; ", chain.ChainStatus.Select(s => s.Status)));
        }

        var r = Refusal(good, "backup.example", "/etc/mkcdrec/ca.pem", [Ca("another-ca")]);
        Assert.True(r.Untrusted);
        Assert.Equal("it is signed by 'CN=mkcdrec-unit-ca', which is not a CA in /etc/mkcdrec/ca.pem", r.Reason);
        Assert.StartsWith("Give --ca-file the certificate of the CA that signed the server's certificate (/etc/mkcdrec/ca.pem does not hold it).", r.Hint("/etc/mkcdrec/ca.pem"), StringComparison.Ordinal);
    }

    [Fact]
    public void An_expired_certificate_and_a_name_mismatch_say_so_and_what_to_do()
    {
        var ca = Ca("mkcdrec-unit-ca");
        var expired = Server(ca, "backup.example", DateTimeOffset.UtcNow.AddDays(-1));
        var r = Refusal(expired, "127.0.0.2", "ca.pem", [ca], SslPolicyErrors.RemoteCertificateNameMismatch);
        Assert.True(r.Expired && r.NameMismatch && !r.Untrusted);
        Assert.Contains("it is for backup.example, 127.0.0.1, not for '127.0.0.2' (the host in the URL)", r.Reason, StringComparison.Ordinal);
        Assert.Contains($"it expired on {expired.NotAfter.ToUniversalTime():yyyy-MM-dd}", r.Reason, StringComparison.Ordinal);
        var hint = r.Hint("ca.pem");
        Assert.Contains("Check the host name in the URL", hint, StringComparison.Ordinal);
        Assert.Contains("renew the server's certificate", hint, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_a_ca_file_a_self_signed_certificate_is_named_as_such()
    {
        var self = Ca("lonely.example");
        var r = Refusal(self, "lonely.example", null, []);
        Assert.Equal("it is self-signed (CN=lonely.example), a CA this system does not trust", r.Reason);
        Assert.Contains("give --ca-file FILE", r.Hint(null), StringComparison.Ordinal);
    }

    [Fact]
    public void Only_a_failed_handshake_counts_as_one_and_without_a_recorded_certificate_the_error_says_check_the_port()
    {
        var handshake = new HttpRequestException("The SSL connection could not be established", new AuthenticationException("remote party closed"));
        Assert.True(TlsTrust.IsHandshakeFailure(handshake));
        Assert.False(TlsTrust.IsHandshakeFailure(new HttpRequestException("Connection refused", new IOException("refused"))));

        var e = TlsTrust.System.Refused("backup.example:443", handshake);
        Assert.Equal(ExitCode.Environment, e.Code);
        Assert.Contains("The TLS handshake with backup.example:443 failed before a certificate could be checked (remote party closed).", e.Message, StringComparison.Ordinal);
        Assert.Contains("speaks https on that port", e.Hint, StringComparison.Ordinal);
    }
}
