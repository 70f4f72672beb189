using Mkcdrec.Core.Destinations.S3;

namespace Mkcdrec.Core.Tests.Destinations;

/// <summary>
/// The signer against AWS's published vectors: the Signature Version 4 test suite (get-vanilla, post-vanilla,
/// get-vanilla-query-order-key-case) and the four worked examples of the S3 API reference ("Signature Calculations for
/// the Authorization Header: Transferring Payload in a Single Chunk"). A signer that is nearly right fails these.
/// </summary>
public sealed class SigV4Tests
{
    private static readonly AwsCredentials Suite = new("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
    private static readonly AwsCredentials S3Example = new("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
    private const string S3Host = "examplebucket.s3.amazonaws.com";
    private const string S3Date = "20130524T000000Z";

    [Theory]
    [InlineData("GET", "", "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31")]
    [InlineData("POST", "", "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b")]
    [InlineData("GET", "Param2=value2&Param1=value1", "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500")]
    public void Signature_version_4_test_suite(string method, string query, string signature)
    {
        var r = new SigV4Request(method, "/", Query(query), [new("Host", "example.amazonaws.com"), new("X-Amz-Date", "20150830T123600Z")], SigV4.EmptyPayloadHash);
        var auth = SigV4.Authorization(r, Suite, "us-east-1", "service", "20150830T123600Z");
        Assert.Equal($"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature={signature}", auth);
    }

    [Fact]
    public void S3_example_get_object_with_a_range()
    {
        var r = new SigV4Request("GET", "/test.txt", [], S3Headers(new KeyValuePair<string, string>("Range", "bytes=0-9")), SigV4.EmptyPayloadHash);
        Assert.Equal(
            "GET\n/test.txt\n\nhost:examplebucket.s3.amazonaws.com\nrange:bytes=0-9\nx-amz-content-sha256:" + SigV4.EmptyPayloadHash + "\nx-amz-date:20130524T000000Z\n\n"
            + "host;range;x-amz-content-sha256;x-amz-date\n" + SigV4.EmptyPayloadHash,
            SigV4.CanonicalRequest(r, out _));
        Assert.EndsWith("SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41",
            SigV4.Authorization(r, S3Example, "us-east-1", "s3", S3Date));
    }

    [Fact]
    public void S3_example_put_object_with_a_dollar_in_the_key_signed_payload()
    {
        const string payload = "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072";
        Assert.Equal(payload, SigV4.Hex(System.Security.Cryptography.SHA256.HashData("Welcome to Amazon S3."u8)));

        // Through the addressing code: the key is encoded once ($ → %24), virtual-host style.
        var location = new S3Location(new Uri("https://s3.amazonaws.com"), "examplebucket", "", "us-east-1", PathStyle: false);
        var (uri, path) = location.Address("test$file.text", []);
        Assert.Equal("/test%24file.text", path);
        Assert.Equal(S3Host, uri.Authority);

        KeyValuePair<string, string>[] headers = [new("Host", uri.Authority), new("Date", "Fri, 24 May 2013 00:00:00 GMT"), new("x-amz-content-sha256", payload),
            new("x-amz-date", S3Date), new("x-amz-storage-class", "REDUCED_REDUNDANCY")];
        var r = new SigV4Request("PUT", path, [], headers, payload);
        Assert.EndsWith("Signature=98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd", SigV4.Authorization(r, S3Example, "us-east-1", "s3", S3Date));
    }

    [Theory]
    [InlineData("lifecycle", "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543")]
    [InlineData("max-keys=2&prefix=J", "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7")]
    public void S3_examples_on_the_bucket(string query, string signature)
    {
        var r = new SigV4Request("GET", "/", Query(query), S3Headers(), SigV4.EmptyPayloadHash);
        Assert.EndsWith("SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=" + signature, SigV4.Authorization(r, S3Example, "us-east-1", "s3", S3Date));
    }

    [Theory]
    [InlineData("a b", false, "a%20b")]
    [InlineData("a+b", true, "a%2Bb")]
    [InlineData("100%", true, "100%25")]
    [InlineData("host-2026-12-03/vol.001", false, "host-2026-12-03/vol.001")]
    [InlineData("a/b", true, "a%2Fb")]
    [InlineData("A-z_0.9~", true, "A-z_0.9~")]
    [InlineData("ключ", false, "%D0%BA%D0%BB%D1%8E%D1%87")]
    [InlineData("=&?#*", true, "%3D%26%3F%23%2A")]
    public void Uri_encoding_keeps_only_unreserved_characters(string s, bool encodeSlash, string expected) =>
        Assert.Equal(expected, SigV4.UriEncode(s, encodeSlash));

    [Fact]
    public void Canonical_query_sorts_by_encoded_name_then_value_and_keeps_empty_values()
    {
        Assert.Equal("a=%2B&a=x%20y&b=2&uploads=", SigV4.CanonicalQuery([new("b", "2"), new("a", "x y"), new("uploads", ""), new("a", "+")]));
    }

    [Fact]
    public void Header_values_are_trimmed_and_inner_runs_of_spaces_collapsed()
    {
        var r = new SigV4Request("GET", "/", [], [new("My-Header1", "  a   b   c  "), new("host", "h")], SigV4.EmptyPayloadHash);
        Assert.Contains("my-header1:a b c\n", SigV4.CanonicalRequest(r, out var signed), StringComparison.Ordinal);
        Assert.Equal("host;my-header1", signed);
    }

    [Fact]
    public void The_secret_never_shows_in_the_credentials_text()
    {
        Assert.DoesNotContain(S3Example.SecretAccessKey, S3Example.ToString(), StringComparison.Ordinal);
        Assert.Contains(S3Example.AccessKeyId, S3Example.ToString(), StringComparison.Ordinal);
    }

    private static KeyValuePair<string, string>[] S3Headers(params KeyValuePair<string, string>[] extra) =>
        [new("Host", S3Host), new("x-amz-content-sha256", SigV4.EmptyPayloadHash), new("x-amz-date", S3Date), .. extra];

    private static List<KeyValuePair<string, string>> Query(string q) =>
        [.. q.Split('&', StringSplitOptions.RemoveEmptyEntries).Select(p => p.Split('=', 2)).Select(kv => new KeyValuePair<string, string>(kv[0], kv.Length > 1 ? kv[1] : ""))];
}
