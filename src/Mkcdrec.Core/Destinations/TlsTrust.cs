using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Mkcdrec.Core.Destinations;

/// <summary>
/// Which https servers mkcdrec believes (docs/destinations.md, "HTTPS and your own CA"): the system's CA bundle, or only
/// the CAs of a PEM file (--ca-file, ca-file in mkcdrec.conf, ca.pem on the keys medium). The host name in the URL is
/// checked either way. A refused certificate is remembered so the error can say what was wrong with it.
/// </summary>
public sealed class TlsTrust
{
    /// <summary>The system's trust store (OpenSSL's default CA file and directory), as without any option; a new one each
    /// time, so a refusal it remembers is its own connection's.</summary>
    public static TlsTrust System => new(null, null);

    private readonly X509Certificate2Collection? _roots;
    private volatile TlsRefusal? _lastRefusal;

    private TlsTrust(string? caFile, X509Certificate2Collection? roots)
    {
        CaFile = caFile;
        _roots = roots;
    }

    /// <summary>The PEM file whose CAs alone are trusted; null: the system's.</summary>
    public string? CaFile { get; }

    /// <summary>Reads every certificate of a PEM file; a missing file or one without a certificate is refused before anything is fetched.</summary>
    public static TlsTrust FromFile(string path)
    {
        var full = Path.GetFullPath(path);
        if (!File.Exists(full))
        {
            throw new MkcdrecException(ExitCode.BadInput, $"The CA file '{path}' does not exist.",
                "Give --ca-file (or ca-file in mkcdrec.conf) the PEM file of the CA that signed the server's certificate (-----BEGIN CERTIFICATE----- …).");
        }

        var roots = new X509Certificate2Collection();
        try
        {
            roots.ImportFromPemFile(full);
        }
        catch (CryptographicException e)
        {
            throw NoCertificate(path, e.Message, e);
        }

        return roots.Count == 0 ? throw NoCertificate(path, "it holds no -----BEGIN CERTIFICATE----- block", null) : new TlsTrust(full, roots);
    }

    /// <summary>Makes the handler's TLS connections check certificates this way; returns it.</summary>
    public SocketsHttpHandler Apply(SocketsHttpHandler handler)
    {
        handler.SslOptions.RemoteCertificateValidationCallback = Validate;
        if (_roots is not null)
        {
            var policy = new X509ChainPolicy
            {
                TrustMode = X509ChainTrustMode.CustomRootTrust,
                // No revocation check: a private CA rarely publishes a CRL or OCSP responder, and a rescue system has no
                // network path to one it cannot reach anyway; the admin chose this CA file on purpose.
                RevocationMode = X509RevocationMode.NoCheck,
            };
            policy.CustomTrustStore.AddRange(_roots);
            handler.SslOptions.CertificateChainPolicy = policy;
        }

        return handler;
    }

    /// <summary>True when <paramref name="e"/> is a failed TLS handshake (a refused certificate among them): trying again will not help.</summary>
    public static bool IsHandshakeFailure(Exception e)
    {
        for (Exception? x = e; x is not null; x = x.InnerException)
        {
            if (x is AuthenticationException)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The error for a failed handshake with <paramref name="server"/> (host:port): what was wrong with its certificate and what to do.</summary>
    public MkcdrecException Refused(string server, Exception e)
    {
        var r = _lastRefusal;
        if (r is null)
        {
            var inner = e.InnerException?.Message ?? e.Message;
            return new MkcdrecException(ExitCode.Environment, $"The TLS handshake with {server} failed before a certificate could be checked ({inner}).",
                "Check that the server speaks https on that port (an http:// server given as https:// fails this way) and that it offers TLS 1.2 or 1.3.", e);
        }

        return new MkcdrecException(ExitCode.Refused, $"The TLS certificate of {server} was refused: {r.Reason}.", r.Hint(CaFile), e);
    }

    private bool Validate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (errors == SslPolicyErrors.None)
        {
            return true;
        }

        var host = sender is SslStream s ? s.TargetHostName : "";
        _lastRefusal = TlsRefusal.Describe(host, certificate, chain, errors, CaFile);
        return false;
    }

    private static MkcdrecException NoCertificate(string path, string why, Exception? e) =>
        new(ExitCode.BadInput, $"The CA file '{path}' has no certificate mkcdrec can read: {why}.",
            "Give a PEM file with the CA's certificate (-----BEGIN CERTIFICATE----- … -----END CERTIFICATE-----; several may follow each other), not a key or a DER file (openssl x509 -inform der -in CA.der -out ca.pem converts one).", e);
}
