using System.Globalization;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace Mkcdrec.Core.Destinations;

/// <summary>What was wrong with a server certificate (from SslPolicyErrors and the chain's status), in words, and what to do.</summary>
public sealed record TlsRefusal(string Reason, bool NameMismatch, bool Untrusted, bool Expired)
{
    /// <summary>Describes the refusal of <paramref name="certificate"/> presented for <paramref name="host"/>.</summary>
    public static TlsRefusal Describe(string host, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors, string? caFile)
    {
        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable) || certificate is null)
        {
            return new TlsRefusal("the server sent no certificate", false, true, false);
        }

        using var cert = new X509Certificate2(certificate);
        var parts = new List<string>();
        var names = Names(cert);
        var mismatch = errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch);
        if (mismatch)
        {
            parts.Add($"it is for {(names.Count == 0 ? "no host name" : string.Join(", ", names))}, not for '{host}' (the host in the URL)");
        }

        var status = errors.HasFlag(SslPolicyErrors.RemoteCertificateChainErrors) && chain is not null
            ? chain.ChainStatus.Aggregate(X509ChainStatusFlags.NoError, (a, s) => a | s.Status)
            : X509ChainStatusFlags.NoError;
        var expired = status.HasFlag(X509ChainStatusFlags.NotTimeValid);
        if (expired)
        {
            var now = DateTime.Now;
            parts.Add(cert.NotAfter < now ? $"it expired on {Day(cert.NotAfter)}" : cert.NotBefore > now ? $"it is not valid before {Day(cert.NotBefore)}" : "a certificate of its chain is outside its validity dates");
        }

        var untrusted = (status & (X509ChainStatusFlags.UntrustedRoot | X509ChainStatusFlags.PartialChain)) != 0;
        if (untrusted)
        {
            var by = cert.SubjectName.RawData.AsSpan().SequenceEqual(cert.IssuerName.RawData) ? $"it is self-signed ({cert.Subject})" : $"it is signed by '{cert.Issuer}'";
            parts.Add(caFile is null ? $"{by}, a CA this system does not trust" : $"{by}, which is not a CA in {caFile}");
        }

        var other = status & ~(X509ChainStatusFlags.NotTimeValid | X509ChainStatusFlags.UntrustedRoot | X509ChainStatusFlags.PartialChain);
        if (other != X509ChainStatusFlags.NoError)
        {
            var said = chain!.ChainStatus.Where(s => (s.Status & other) != 0).Select(s => s.StatusInformation.Trim()).Where(s => s.Length > 0).Distinct();
            parts.Add($"its chain is not valid ({other}: {string.Join("; ", said)})");
        }

        if (parts.Count == 0)
        {
            parts.Add($"the certificate check failed ({errors})");
        }

        return new TlsRefusal(string.Join("; ", parts), mismatch, untrusted, expired);
    }

    /// <summary>What to do about it: the CA file, the host name in the URL, the server's certificate.</summary>
    public string Hint(string? caFile)
    {
        var todo = new List<string>();
        if (Untrusted)
        {
            todo.Add(caFile is null
                ? "If the server's certificate comes from your own CA, give --ca-file FILE with that CA's certificate (PEM; or ca-file in mkcdrec.conf, ca.pem on the keys medium)"
                : $"Give --ca-file the certificate of the CA that signed the server's certificate ({caFile} does not hold it)");
        }

        if (NameMismatch)
        {
            todo.Add("check the host name in the URL: it must be one the certificate names (its subject alternative names)");
        }

        if (Expired)
        {
            todo.Add("renew the server's certificate (and check this machine's clock: date)");
        }

        if (todo.Count == 0)
        {
            todo.Add("Check the server's certificate (openssl s_client -connect HOST:PORT -showcerts) and the CA file");
        }

        var text = string.Join("; ", todo);
        return char.ToUpperInvariant(text[0]) + text[1..] + ". Nothing was read from or sent to the server.";
    }

    /// <summary>The DNS names and IP addresses the certificate is for (its SAN; else its subject's CN).</summary>
    private static List<string> Names(X509Certificate2 cert)
    {
        var names = new List<string>();
        foreach (var ext in cert.Extensions.Where(x => x.Oid?.Value == "2.5.29.17"))
        {
            var san = ext as X509SubjectAlternativeNameExtension ?? new X509SubjectAlternativeNameExtension(ext.RawData, ext.Critical);
            names.AddRange(san.EnumerateDnsNames());
            names.AddRange(san.EnumerateIPAddresses().Select(a => a.ToString()));
        }

        if (names.Count == 0 && cert.GetNameInfo(X509NameType.SimpleName, forIssuer: false) is { Length: > 0 } cn)
        {
            names.Add(cn);
        }

        return names;
    }

    private static string Day(DateTime t) => t.ToUniversalTime().ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);
}
