using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Mkcdrec.Core.Destinations.S3;

/// <summary>One request as AWS Signature Version 4 sees it. <paramref name="Path"/> is the path as sent (already
/// URI-encoded, S3 style: each segment once); <paramref name="Headers"/> are the headers to sign, host included.</summary>
public sealed record SigV4Request(
    string Method,
    string Path,
    IReadOnlyList<KeyValuePair<string, string>> Query,
    IReadOnlyList<KeyValuePair<string, string>> Headers,
    string PayloadHash);

/// <summary>
/// AWS Signature Version 4 for the Authorization header (docs/destinations.md): canonical request, string to sign,
/// signing key, signature. Written by hand: the SDKs that do it are too large for the rescue binary or not AOT-safe.
/// Checked against AWS's published test vectors.
/// </summary>
public static class SigV4
{
    public const string Algorithm = "AWS4-HMAC-SHA256";

    /// <summary>The SHA-256 of an empty body, the payload hash of every request without one.</summary>
    public const string EmptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    public static string AmzDate(DateTime utc) => utc.ToUniversalTime().ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);

    /// <summary>The Authorization header's value for <paramref name="request"/> signed at <paramref name="amzDate"/>
    /// (which must also be in the request's x-amz-date header).</summary>
    public static string Authorization(SigV4Request request, AwsCredentials credentials, string region, string service, string amzDate)
    {
        var scope = $"{amzDate[..8]}/{region}/{service}/aws4_request";
        var canonical = CanonicalRequest(request, out var signedHeaders);
        var stringToSign = $"{Algorithm}\n{amzDate}\n{scope}\n{Hex(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)))}";
        var key = SigningKey(credentials.SecretAccessKey, amzDate[..8], region, service);
        var signature = Hex(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(stringToSign)));
        return $"{Algorithm} Credential={credentials.AccessKeyId}/{scope}, SignedHeaders={signedHeaders}, Signature={signature}";
    }

    public static string CanonicalRequest(SigV4Request r, out string signedHeaders)
    {
        var headers = r.Headers
            .GroupBy(h => h.Key.ToLowerInvariant(), StringComparer.Ordinal)
            .Select(g => (Name: g.Key, Value: string.Join(',', g.Select(h => TrimValue(h.Value)))))
            .OrderBy(h => h.Name, StringComparer.Ordinal)
            .ToList();
        signedHeaders = string.Join(';', headers.Select(h => h.Name));
        var sb = new StringBuilder();
        sb.Append(r.Method).Append('\n');
        sb.Append(r.Path.Length == 0 ? "/" : r.Path).Append('\n');
        sb.Append(CanonicalQuery(r.Query)).Append('\n');
        foreach (var (name, value) in headers)
        {
            sb.Append(name).Append(':').Append(value).Append('\n');
        }

        sb.Append('\n').Append(signedHeaders).Append('\n').Append(r.PayloadHash);
        return sb.ToString();
    }

    /// <summary>Query parameters URI-encoded and sorted by name, then value; a name without value keeps its '='.</summary>
    public static string CanonicalQuery(IEnumerable<KeyValuePair<string, string>> query) =>
        string.Join('&', query
            .Select(p => (Key: UriEncode(p.Key, encodeSlash: true), Value: UriEncode(p.Value, encodeSlash: true)))
            .OrderBy(p => p.Key, StringComparer.Ordinal)
            .ThenBy(p => p.Value, StringComparer.Ordinal)
            .Select(p => p.Key + "=" + p.Value));

    /// <summary>RFC 3986 encoding as SigV4 wants it: unreserved characters kept, every other byte of the UTF-8 as %XX
    /// (upper-case hex); '/' kept in paths, encoded in query values.</summary>
    public static string UriEncode(string s, bool encodeSlash)
    {
        var sb = new StringBuilder(s.Length);
        Span<byte> utf8 = stackalloc byte[4];
        foreach (var rune in s.EnumerateRunes())
        {
            if (rune.IsAscii && (char.IsAsciiLetterOrDigit((char)rune.Value) || rune.Value is '-' or '_' or '.' or '~' || (rune.Value == '/' && !encodeSlash)))
            {
                sb.Append((char)rune.Value);
                continue;
            }

            var n = rune.EncodeToUtf8(utf8);
            for (var i = 0; i < n; i++)
            {
                sb.Append('%').Append(utf8[i].ToString("X2", CultureInfo.InvariantCulture));
            }
        }

        return sb.ToString();
    }

    public static string Hex(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(bytes);

    private static byte[] SigningKey(string secret, string date, string region, string service)
    {
        var k = HMACSHA256.HashData(Encoding.UTF8.GetBytes("AWS4" + secret), Encoding.UTF8.GetBytes(date));
        k = HMACSHA256.HashData(k, Encoding.UTF8.GetBytes(region));
        k = HMACSHA256.HashData(k, Encoding.UTF8.GetBytes(service));
        return HMACSHA256.HashData(k, "aws4_request"u8);
    }

    // Header values: outer spaces trimmed, runs of spaces inside collapsed to one.
    private static string TrimValue(string v)
    {
        var sb = new StringBuilder(v.Length);
        var space = false;
        foreach (var c in v.Trim())
        {
            if (c == ' ')
            {
                space = true;
                continue;
            }

            if (space)
            {
                sb.Append(' ');
                space = false;
            }

            sb.Append(c);
        }

        return sb.ToString();
    }
}
