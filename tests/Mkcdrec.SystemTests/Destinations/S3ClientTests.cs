using System.Security.Cryptography;
using Mkcdrec.Core;
using Mkcdrec.Core.Destinations;
using Mkcdrec.Core.Destinations.S3;
using Mkcdrec.TestVm.Servers;

namespace Mkcdrec.SystemTests.Destinations;

/// <summary>The S3 client against a real S3 REST server (s3rver), which checks the key id and time of each request (the signature itself: SigV4Tests).</summary>
public sealed class S3ClientTests : IDisposable
{
    private readonly S3rver _server = new();
    private readonly List<string> _warnings = [];

    public void Dispose() => _server.Dispose();

    [Fact]
    public void Objects_with_awkward_keys_go_up_list_come_back_and_go_away()
    {
        using var s3 = Client("hosts/web1");
        var keys = new[] { "plain.txt", "with space+plus$dollar.txt", "ключ/deep/(x)*!'.bin" };
        foreach (var k in keys)
        {
            s3.PutObject(s3.Location.Key(k), System.Text.Encoding.UTF8.GetBytes("content of " + k));
        }

        var listed = s3.List("hosts/web1/").ToList();
        Assert.Equal(keys.Select(k => "hosts/web1/" + k).Order(StringComparer.Ordinal), listed.Select(o => o.Key).Order(StringComparer.Ordinal));
        foreach (var k in keys)
        {
            using var r = new StreamReader(s3.GetObject(s3.Location.Key(k)));
            Assert.Equal("content of " + k, r.ReadToEnd());
            Assert.Equal(("content of " + k).Length, s3.HeadObject(s3.Location.Key(k)) - (System.Text.Encoding.UTF8.GetByteCount(k) - k.Length));
        }

        s3.DeleteObject(s3.Location.Key(keys[1]));
        Assert.Null(s3.HeadObject(s3.Location.Key(keys[1])));
        Assert.Equal(2, s3.List("hosts/web1/").Count());
        Assert.Empty(s3.List("hosts/web2/"));
    }

    [Fact]
    public void A_volume_streams_up_in_parts_and_exists_only_once_committed()
    {
        using var s3 = Client("");
        var data = RandomNumberGenerator.GetBytes((23 << 20) + 12345);
        using (var f = new S3UploadFile(s3, "vol.001", S3UploadFile.MinPartSize))
        {
            for (var off = 0; off < data.Length; off += 1 << 20)
            {
                f.Write(data.AsSpan(off, Math.Min(1 << 20, data.Length - off)));
            }

            Assert.Equal(4, f.PartsUploaded);
            Assert.Null(s3.HeadObject("vol.001"));
            f.Commit();
            Assert.Equal(5, f.PartsUploaded);
        }

        Assert.Equal(data.Length, s3.HeadObject("vol.001"));
        using (var got = s3.GetObject("vol.001"))
        {
            Assert.Equal(SHA256.HashData(data), SHA256.HashData(got));
        }

        // A read broken off is taken up again with a range GET from the byte where it stopped.
        using (var tail = s3.GetObject("vol.001", 17_000_001))
        {
            Assert.Equal(SHA256.HashData(data.AsSpan(17_000_001)), SHA256.HashData(tail));
        }

        // Abandoned mid-way (the backup failed): no object appears, the complete one is untouched.
        using (var f = new S3UploadFile(s3, "vol.002", S3UploadFile.MinPartSize))
        {
            f.Write(data.AsSpan(0, 12 << 20));
            Assert.Equal(2, f.PartsUploaded);
        }

        Assert.Null(s3.HeadObject("vol.002"));
        Assert.Equal(["vol.001"], s3.List("").Select(o => o.Key));

        // Smaller than a part: one PUT.
        using (var f = new S3UploadFile(s3, "manifest.json", S3UploadFile.MinPartSize))
        {
            f.Write("{}"u8);
            f.Commit();
            Assert.Equal(0, f.PartsUploaded);
        }

        Assert.Equal(2, s3.HeadObject("manifest.json"));
    }

    // s3rver checks the access key and the request time, not V4 signatures (its code says so): the published vectors
    // (SigV4Tests) prove the signatures.
    [Fact]
    public void Wrong_credentials_are_refused_with_what_to_check_and_the_secret_is_never_shown()
    {
        using var s3 = Client("", new AwsCredentials("AKNOTKNOWN", "not-the-secret-9f2c"));
        var e = Assert.Throws<MkcdrecException>(() => s3.PutObject("x", "x"u8.ToArray()));
        Assert.Equal(ExitCode.BadInput, e.Code);
        Assert.Contains("refused the credentials", e.Message, StringComparison.Ordinal);
        Assert.Contains("InvalidAccessKeyId", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("not-the-secret-9f2c", e.Message + e.Hint, StringComparison.Ordinal);
        Assert.Contains("AWS_ACCESS_KEY_ID", e.Hint, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_bucket_is_named_with_how_to_create_it()
    {
        var url = DestinationUrl.Parse($"s3://no-such-bucket/x?endpoint={_server.Endpoint.AbsoluteUri.TrimEnd('/')}");
        using var s3 = new S3Client(S3Location.From(url, "us-east-1"), new(S3rver.AccessKey, S3rver.Secret));
        var e = Assert.Throws<MkcdrecException>(() => s3.PutObject("x/y", "y"u8.ToArray()));
        Assert.Contains("bucket 'no-such-bucket' does not exist", e.Message, StringComparison.Ordinal);
        Assert.Contains("aws s3 mb s3://no-such-bucket", e.Hint, StringComparison.Ordinal);
    }

    [Fact]
    public void A_rescue_system_clock_hours_off_is_corrected_from_the_store()
    {
        using var s3 = Client("", clock: () => DateTime.UtcNow.AddHours(-7));
        s3.PutObject("late.txt", "x"u8.ToArray());
        Assert.Equal(1, s3.HeadObject("late.txt"));
    }

    [Fact]
    public void A_store_that_is_gone_is_retried_then_named()
    {
        using var s3 = Client("");
        _server.Stop();
        var e = Assert.Throws<MkcdrecException>(() => s3.PutObject("x", "x"u8.ToArray()));
        Assert.Equal(ExitCode.Environment, e.Code);
        Assert.Contains("cannot be reached", e.Message, StringComparison.Ordinal);
        Assert.Equal(3, _warnings.Count);
    }

    private S3Client Client(string prefix, AwsCredentials? credentials = null, Func<DateTime>? clock = null) =>
        new(S3Location.From(DestinationUrl.Parse(_server.Url(prefix)), "us-east-1"), credentials ?? new(S3rver.AccessKey, S3rver.Secret), _warnings.Add, clock: clock);
}
