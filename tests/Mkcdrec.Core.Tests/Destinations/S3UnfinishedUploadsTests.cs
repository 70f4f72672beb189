using System.Net;
using System.Text;
using Mkcdrec.Core.Destinations.S3;

namespace Mkcdrec.Core.Tests.Destinations;

/// <summary>
/// Multipart uploads an interrupted run left (their parts stay stored until aborted): listed page by page as the S3
/// API documents ListMultipartUploads, the old ones of the prefix aborted, a store without the call tolerated.
/// </summary>
public sealed class S3UnfinishedUploadsTests
{
    private static readonly S3Location Where = new(new Uri("http://s3.test:9000"), "backups", "servers", "us-east-1", PathStyle: true);

    private sealed class FakeS3(Func<HttpRequestMessage, HttpResponseMessage> answer) : HttpMessageHandler
    {
        public List<string> Requests { get; } = [];

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(Send(request, cancellationToken));

        protected override HttpResponseMessage Send(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Requests.Add($"{request.Method} {request.RequestUri!.PathAndQuery}");
            return answer(request);
        }
    }

    private static HttpResponseMessage Xml(string body) => new(HttpStatusCode.OK) { Content = new StringContent(body, Encoding.UTF8, "application/xml") };

    private static string Page(bool truncated, params (string Key, string Id, string Initiated)[] uploads) =>
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><ListMultipartUploadsResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
        + "<Bucket>backups</Bucket><Prefix>servers/web1/</Prefix>"
        + $"<IsTruncated>{(truncated ? "true" : "false")}</IsTruncated>"
        + (truncated ? $"<NextKeyMarker>{uploads[^1].Key}</NextKeyMarker><NextUploadIdMarker>{uploads[^1].Id}</NextUploadIdMarker>" : "")
        + string.Concat(uploads.Select(u => $"<Upload><Key>{u.Key}</Key><UploadId>{u.Id}</UploadId><Initiator><ID>x</ID></Initiator>"
            + $"<StorageClass>STANDARD</StorageClass><Initiated>{u.Initiated}</Initiated></Upload>"))
        + "</ListMultipartUploadsResult>";

    [Fact]
    public void Old_unfinished_uploads_of_the_prefix_are_listed_over_pages_and_aborted_and_a_recent_one_is_left()
    {
        var fake = new FakeS3(r => r.Method == HttpMethod.Delete ? new HttpResponseMessage(HttpStatusCode.NoContent)
            : r.RequestUri!.Query.Contains("key-marker", StringComparison.Ordinal)
                ? Xml(Page(false, ("servers/web1/20261204T020000Z/fs-r.tar.zst.001", "id-3", "2026-12-04T02:50:00.000Z")))
                : Xml(Page(true, ("servers/web1/20261203T010000Z/fs-r.tar.zst.000", "id-1", "2026-12-03T01:00:00.000Z"),
                    ("servers/web1/20261204T010000Z/fs-r.tar.zst.004", "id-2", "2026-12-04T01:10:00.000Z"))));
        using var store = new S3BackupStore(new S3Client(Where, new AwsCredentials("AK", "SK"), handler: fake), "test");

        var aborted = store.AbortAbandonedUploads("web1/", new DateTimeOffset(2026, 12, 4, 2, 30, 0, TimeSpan.Zero));

        Assert.Equal(["web1/20261203T010000Z/fs-r.tar.zst.000", "web1/20261204T010000Z/fs-r.tar.zst.004"], aborted);
        Assert.Matches(@"^GET /backups/?\?prefix=servers%2Fweb1%2F&uploads=?$", fake.Requests[0]);
        Assert.Contains("key-marker=servers%2Fweb1%2F20261204T010000Z%2Ffs-r.tar.zst.004", fake.Requests[1], StringComparison.Ordinal);
        Assert.Contains("upload-id-marker=id-2", fake.Requests[1], StringComparison.Ordinal);
        Assert.Equal(["DELETE /backups/servers/web1/20261203T010000Z/fs-r.tar.zst.000?uploadId=id-1", "DELETE /backups/servers/web1/20261204T010000Z/fs-r.tar.zst.004?uploadId=id-2"],
            fake.Requests.Where(r => r.StartsWith("DELETE", StringComparison.Ordinal)));
    }

    [Fact]
    public void A_store_without_the_call_answers_not_implemented_once_and_nothing_fails()
    {
        var fake = new FakeS3(_ => new HttpResponseMessage(HttpStatusCode.NotImplemented)
        {
            Content = new StringContent("<Error><Code>NotImplemented</Code><Message>not implemented</Message></Error>", Encoding.UTF8, "application/xml"),
        });
        var warnings = new List<string>();
        using var store = new S3BackupStore(new S3Client(Where, new AwsCredentials("AK", "SK"), warnings.Add, fake), "test");

        Assert.Empty(store.AbortAbandonedUploads("web1/", DateTimeOffset.UtcNow));
        Assert.Single(fake.Requests); // never retried: NotImplemented is an answer, not a hiccup
        Assert.Contains("cannot list unfinished multipart uploads", Assert.Single(warnings), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(507, "XMinioStorageFull", "Storage backend has reached its minimum free drive threshold. Please delete a few objects to proceed.")]
    [InlineData(507, "InsufficientStorage", "Insufficient storage")]
    [InlineData(403, "QuotaExceeded", "The quota has been exceeded")]
    public void A_full_store_is_said_at_once_as_no_room_not_retried(int status, string code, string message)
    {
        var fake = new FakeS3(_ => new HttpResponseMessage((HttpStatusCode)status)
        {
            Content = new StringContent($"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>{code}</Code><Message>{message}</Message>"
                + "<Key>servers/web1/20261204T010000Z/layout.json</Key><BucketName>backups</BucketName></Error>", Encoding.UTF8, "application/xml"),
        });
        using var store = new S3BackupStore(new S3Client(Where, new AwsCredentials("AK", "SK"), _ => { }, fake), "test");

        var e = Assert.Throws<MkcdrecException>(() => store.Put("web1/20261204T010000Z/layout.json", new byte[] { 1, 2, 3 }));
        Assert.Single(fake.Requests);
        Assert.Contains("has no room for", e.Message, StringComparison.Ordinal);
        Assert.Contains(code, e.Message, StringComparison.Ordinal);
        Assert.Contains("raise its quota, then run the backup again", e.Hint, StringComparison.Ordinal);
    }
}
