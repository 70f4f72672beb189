namespace Mkcdrec.Core.Destinations.S3;

/// <summary>Puts the SigV4 headers (x-amz-date, x-amz-content-sha256, a session token, Authorization) on an S3 request.</summary>
public static class S3RequestSigning
{
    /// <param name="canonicalPath">The request's path as S3 canonicalizes it (each key segment URI-encoded once).</param>
    public static void Apply(HttpRequestMessage request, string canonicalPath, IReadOnlyList<KeyValuePair<string, string>> query, string payloadHash,
        AwsCredentials credentials, string region, DateTime utcNow)
    {
        var amzDate = SigV4.AmzDate(utcNow);
        var headers = new List<KeyValuePair<string, string>>
        {
            new("host", request.RequestUri!.Authority),
            new("x-amz-content-sha256", payloadHash),
            new("x-amz-date", amzDate),
        };
        if (credentials.SessionToken is { } token)
        {
            headers.Add(new("x-amz-security-token", token));
        }

        var auth = SigV4.Authorization(new SigV4Request(request.Method.Method, canonicalPath, query, headers, payloadHash), credentials, region, "s3", amzDate);
        foreach (var (name, value) in headers.Where(h => h.Key != "host"))
        {
            request.Headers.Remove(name);
            request.Headers.TryAddWithoutValidation(name, value);
        }

        request.Headers.Remove("Authorization");
        request.Headers.TryAddWithoutValidation("Authorization", auth);
    }

    /// <summary>The canonical path of a request URI: each segment decoded and encoded again the SigV4 way.</summary>
    public static string CanonicalPath(Uri uri) =>
        string.Join('/', uri.AbsolutePath.Split('/').Select(s => SigV4.UriEncode(Uri.UnescapeDataString(s), encodeSlash: true)));
}
