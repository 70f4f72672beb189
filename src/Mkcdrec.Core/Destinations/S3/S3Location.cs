namespace Mkcdrec.Core.Destinations.S3;

/// <summary>
/// How requests for one bucket are addressed: the endpoint, path style (https://endpoint/bucket/key: MinIO, Ceph RGW,
/// most S3-compatible stores, and buckets with dots under TLS) or virtual-host style (https://bucket.endpoint/key: AWS).
/// Without an endpoint: AWS in the region, virtual-host style.
/// </summary>
public sealed record S3Location(Uri Endpoint, string Bucket, string Prefix, string Region, bool PathStyle)
{
    public static S3Location From(DestinationUrl url, string region)
    {
        if (url.Kind != DestinationKind.S3 || url.Bucket is null)
        {
            throw new ArgumentException("not an s3:// destination", nameof(url));
        }

        var prefix = url.Path.Trim('/');
        var style = url.Option("style");
        if (url.Option("endpoint") is { } ep)
        {
            return new(new Uri(ep.TrimEnd('/')), url.Bucket, prefix, region, style != "virtual");
        }

        // A bucket name with dots does not match AWS's wildcard certificate as a host name: path style then.
        var pathStyle = style == "path" || (style is null && url.Bucket.Contains('.', StringComparison.Ordinal));
        return new(new Uri($"https://s3.{region}.amazonaws.com"), url.Bucket, prefix, region, pathStyle);
    }

    /// <summary>The object key of <paramref name="name"/> under the prefix.</summary>
    public string Key(string name) => Prefix.Length == 0 ? name : Prefix + "/" + name;

    /// <summary>The request URI and its canonical (encoded) path for <paramref name="key"/> (null: the bucket itself).</summary>
    public (Uri Uri, string Path) Address(string? key, IReadOnlyList<KeyValuePair<string, string>> query)
    {
        var encodedKey = key is null ? "" : SigV4.UriEncode(key, encodeSlash: false);
        var path = PathStyle ? "/" + Bucket + "/" + encodedKey : "/" + encodedKey;
        var host = PathStyle ? Endpoint.Authority : Bucket + "." + Endpoint.Authority;
        var q = query.Count == 0 ? "" : "?" + SigV4.CanonicalQuery(query);
        return (new Uri($"{Endpoint.Scheme}://{host}{path}{q}"), path);
    }

    public override string ToString() => $"s3://{Bucket}/{Prefix} at {Endpoint}";
}
