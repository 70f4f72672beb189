using System.Net;
using System.Text;
using Mkcdrec.Core.Destinations.Routing;
using Mkcdrec.Core.Destinations.S3;

namespace Mkcdrec.Core.Tests.Destinations;

/// <summary>
/// A GET whose body stops coming after the headers (a dead connection, a stuck proxy): HttpClient's timeout is over by
/// then, so the read itself gives up after the read timeout, and a volume read takes the transfer up again from the
/// byte where it stopped with a range GET.
/// </summary>
public sealed class S3StalledReadTests
{
    private static readonly S3Location Where = new(new Uri("http://s3.test:9000"), "backups", "servers", "us-east-1", PathStyle: true);
    private static readonly byte[] Volume = Encoding.ASCII.GetBytes("0123456789 the rest of the volume, sent after a range GET");

    /// <summary>Sends its bytes, then nothing until the read is cancelled.</summary>
    private sealed class StallingStream(byte[] first) : MemoryStream(first)
    {
        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var n = Read(buffer.Span);
            if (n > 0)
            {
                return n;
            }

            await Task.Delay(Timeout.Infinite, cancellationToken);
            return 0;
        }
    }

    private sealed class FakeS3 : HttpMessageHandler
    {
        public List<string> Requests { get; } = [];

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(Send(request, cancellationToken));

        protected override HttpResponseMessage Send(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var range = request.Headers.Range?.Ranges.Single().From;
            Requests.Add($"{request.Method} {request.RequestUri!.PathAndQuery}" + (range is null ? "" : $" from {range}"));
            if (request.RequestUri.Query.Contains("list-type=2", StringComparison.Ordinal))
            {
                return new HttpResponseMessage(HttpStatusCode.OK)
                {
                    Content = new StringContent("<?xml version=\"1.0\" encoding=\"UTF-8\"?><ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
                        + $"<IsTruncated>false</IsTruncated><Contents><Key>servers/web1/T/fs.tar.001</Key><Size>{Volume.Length}</Size>"
                        + "<LastModified>2026-12-04T10:00:00.000Z</LastModified></Contents></ListBucketResult>", Encoding.UTF8, "application/xml"),
                };
            }

            return range is { } from
                ? new HttpResponseMessage(HttpStatusCode.PartialContent) { Content = new ByteArrayContent(Volume[(int)from..]) }
                : new HttpResponseMessage(HttpStatusCode.OK) { Content = new StreamContent(new StallingStream(Volume[..10])) };
        }
    }

    [Fact]
    public async Task A_get_whose_body_stops_coming_fails_after_the_read_timeout_naming_the_object()
    {
        using var client = new S3Client(Where, new AwsCredentials("AK", "SK"), handler: new FakeS3(), readTimeout: TimeSpan.FromMilliseconds(300));
        using var body = client.GetObject("servers/web1/T/fs.tar.001");
        var buffer = new byte[100];
        Assert.Equal(10, body.Read(buffer, 0, buffer.Length));
        var started = DateTime.UtcNow;
        var stalled = Task.Run(() => body.Read(buffer.AsSpan()), TestContext.Current.CancellationToken);
        Assert.Same(stalled, await Task.WhenAny(stalled, Task.Delay(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken))); // else it never gave up
        var e = await Assert.ThrowsAsync<IOException>(() => stalled);
        Assert.InRange(DateTime.UtcNow - started, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(30));
        Assert.Equal("no byte of 'servers/web1/T/fs.tar.001' from http://s3.test:9000/ came for 0.3 s", e.Message);
    }

    [Fact]
    public async Task A_volume_read_takes_a_stalled_transfer_up_again_where_it_stopped()
    {
        var fake = new FakeS3();
        var warnings = new List<string>();
        using var volumes = new StoreVolumes(new S3BackupStore(new S3Client(Where, new AwsCredentials("AK", "SK"), handler: fake, readTimeout: TimeSpan.FromMilliseconds(200)), "test"),
            "web1/T", warnings.Add) { RetryPause = TimeSpan.FromMilliseconds(5) };
        using var read = volumes.Open("unused", "fs.tar.001");
        using var got = new MemoryStream();
        var copy = Task.Run(() => read.CopyTo(got), TestContext.Current.CancellationToken);
        Assert.Same(copy, await Task.WhenAny(copy, Task.Delay(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken))); // else it was never taken up again
        await copy;

        Assert.Equal(Volume, got.ToArray());
        Assert.Equal(["GET /backups/servers/web1/T/fs.tar.001", "GET /backups/servers/web1/T/fs.tar.001 from 10"], fake.Requests.Where(r => !r.Contains("list-type", StringComparison.Ordinal)));
        Assert.Contains(warnings, w => w.Contains("broke off at byte 10 (no byte of", StringComparison.Ordinal));
    }
}
