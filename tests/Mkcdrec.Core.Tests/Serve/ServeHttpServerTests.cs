using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using Mkcdrec.Core.Serve;

namespace Mkcdrec.Core.Tests.Serve;

/// <summary>serve's HTTP server on 127.0.0.1 with HttpClient: files, ranges, and everything it must not answer.</summary>
public sealed class ServeHttpServerTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mkcdrec-serve-http-").FullName;
    private readonly ConcurrentQueue<ServedRequest> _served = new();
    private readonly ConcurrentQueue<string> _reported = new();
    private readonly ServeHttpServer _server;
    private readonly HttpClient _http = new();
    private readonly string _base;

    public ServeHttpServerTests()
    {
        Directory.CreateDirectory(Path.Combine(_dir, "netboot"));
        Directory.CreateDirectory(Path.Combine(_dir, "backups", "web1", "t1"));
        File.WriteAllBytes(Path.Combine(_dir, "netboot", "vmlinuz"), [.. Enumerable.Range(0, 1000).Select(i => (byte)i)]);
        File.WriteAllText(Path.Combine(_dir, "backups", "web1", "t1", "manifest.json"), "{}");
        File.WriteAllText(Path.Combine(_dir, "backups", "web1", "t1", ".manifest.json.staging"), "partial");
        File.WriteAllText(Path.Combine(_dir, "secret"), "outside");
        (_server, var port) = Listening();
        _base = $"http://127.0.0.1:{port}";
    }

    // HttpListener takes no port 0: a port found free can be taken by a parallel test before the server binds it (seen
    // once, in the arm64 tier's slow emulated run), so another one is tried.
    private (ServeHttpServer Server, int Port) Listening()
    {
        for (var attempt = 1; ; attempt++)
        {
            var port = FreePort();
            try
            {
                return (new ServeHttpServer("127.0.0.1", port, Path.Combine(_dir, "netboot"), Path.Combine(_dir, "backups"), _served.Enqueue,
                    (client, phase) => _reported.Enqueue(client + " " + phase)), port);
            }
            catch (MkcdrecException e) when (attempt < 5 && e.Message.Contains("already in use", StringComparison.Ordinal))
            {
            }
        }
    }

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<HttpResponseMessage> Get(string path, RangeHeaderValue? range = null, HttpMethod? method = null)
    {
        using var req = new HttpRequestMessage(method ?? HttpMethod.Get, _base + path);
        req.Headers.Range = range;
        return await _http.SendAsync(req, Ct);
    }

    [Fact]
    public async Task The_kernel_and_a_backup_file_are_served_and_counted_for_the_client()
    {
        using var k = await Get("/vmlinuz");
        Assert.Equal(HttpStatusCode.OK, k.StatusCode);
        Assert.Equal(1000, (await k.Content.ReadAsByteArrayAsync(Ct)).Length);
        using var m = await Get("/backup/web1/t1/manifest.json");
        Assert.Equal("{}", await m.Content.ReadAsStringAsync(Ct));
        SpinWait.SpinUntil(() => _served.Count == 2, 5000);
        Assert.Contains(new ServedRequest("127.0.0.1", "/vmlinuz", 1000, 200), _served);
        Assert.Contains(new ServedRequest("127.0.0.1", "/backup/web1/t1/manifest.json", 2, 200), _served);
    }

    [Fact]
    public async Task A_client_that_goes_away_mid_file_is_counted_for_what_it_got_and_leaves_no_fault_behind()
    {
        var big = Path.Combine(_dir, "backups", "web1", "t1", "root.tar.001");
        File.WriteAllBytes(big, new byte[64 << 20]);
        var faults = new ConcurrentQueue<Exception>();
        // Only the server's own: other tests run at the same time in this process.
        EventHandler<UnobservedTaskExceptionEventArgs> seen = (_, e) =>
        {
            if (e.Exception.ToString().Contains(nameof(ServeHttpServer), StringComparison.Ordinal))
            {
                faults.Enqueue(e.Exception);
            }
        };
        TaskScheduler.UnobservedTaskException += seen;
        try
        {
            using (var req = new HttpRequestMessage(HttpMethod.Get, _base + "/backup/web1/t1/root.tar.001"))
            using (var res = await _http.SendAsync(req, HttpCompletionOption.ResponseHeadersRead, Ct))
            {
                await using var body = await res.Content.ReadAsStreamAsync(Ct);
                await body.ReadExactlyAsync(new byte[1 << 20], Ct);
            } // the connection is dropped with most of the file unsent

            Assert.True(SpinWait.SpinUntil(() => _served.Any(r => r.Path.EndsWith("root.tar.001", StringComparison.Ordinal)), 10_000), "the broken-off request was not counted");
            var got = _served.Single(r => r.Path.EndsWith("root.tar.001", StringComparison.Ordinal));
            Assert.InRange(got.Bytes, 1 << 20, (64 << 20) - 1);
            Assert.Equal(200, got.Status);
            using var next = await Get("/vmlinuz"); // still serving
            Assert.Equal(HttpStatusCode.OK, next.StatusCode);
            for (var i = 0; i < 3; i++)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
            }

            Assert.Empty(faults);
        }
        finally
        {
            TaskScheduler.UnobservedTaskException -= seen;
        }
    }

    [Fact]
    public async Task A_range_resumes_a_download()
    {
        using var r = await Get("/vmlinuz", new RangeHeaderValue(990, null));
        Assert.Equal(HttpStatusCode.PartialContent, r.StatusCode);
        Assert.Equal("bytes 990-999/1000", r.Content.Headers.ContentRange!.ToString());
        Assert.Equal(Enumerable.Range(990, 10).Select(i => (byte)i), await r.Content.ReadAsByteArrayAsync(Ct));
        using var beyond = await Get("/vmlinuz", new RangeHeaderValue(1000, null));
        Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, beyond.StatusCode);
    }

    [Theory]
    [InlineData("/backup/web1/t1/.manifest.json.staging")] // a backup being written
    [InlineData("/backup/web1/t1/")]                        // no listing
    [InlineData("/backup/%2E%2E/secret")]                   // out of the backup root
    [InlineData("/backup/web1/../../secret")]
    [InlineData("/secret")]
    [InlineData("/initrd.img")]                              // not there
    public async Task Nothing_else_is_served(string path)
    {
        using var r = await Get(path);
        Assert.Equal(HttpStatusCode.NotFound, r.StatusCode);
    }

    [Theory]
    [InlineData("/backup/../secret")]
    [InlineData("/backup/web1/../../secret")]
    [InlineData("/backup/web1/t1/..\\..\\secret")]
    [InlineData("/backup//secret")]
    [InlineData("/backup/web1")] // a directory
    public void Paths_out_of_the_backup_root_resolve_to_nothing(string path) => Assert.Null(_server.Resolve(path));

    [Fact]
    public async Task Only_get_and_head_are_answered()
    {
        using var head = await Get("/vmlinuz", method: HttpMethod.Head);
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal(1000, head.Content.Headers.ContentLength);
        using var put = await Get("/backup/web1/t1/manifest.json", method: HttpMethod.Put);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, put.StatusCode);
        Assert.Equal("{}", File.ReadAllText(Path.Combine(_dir, "backups", "web1", "t1", "manifest.json")));
    }

    [Fact]
    public async Task A_rescue_system_reports_its_phase_as_a_short_printable_line()
    {
        using var ok = await _http.PostAsync(_base + "/report", new StringContent("phase=recovery+FAILED+(exit%204)%1b[2J"), Ct);
        Assert.Equal(HttpStatusCode.NoContent, ok.StatusCode);
        Assert.Equal(["127.0.0.1 recovery FAILED (exit 4)[2J"], _reported); // the escape character dropped
        using var big = await _http.PostAsync(_base + "/report", new StringContent("phase=" + new string('x', 600)), Ct);
        Assert.Equal(HttpStatusCode.BadRequest, big.StatusCode);
        using var elsewhere = await _http.PostAsync(_base + "/backup/web1/t1/manifest.json", new StringContent("phase=x"), Ct);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, elsewhere.StatusCode);
        Assert.Single(_reported);
        Assert.DoesNotContain(_served, r => r.Path == "/report"); // no file served
    }

    [Theory]
    [InlineData(null, 0, 1000)]
    [InlineData("bytes=0-99", 0, 100)]
    [InlineData("bytes=900-", 900, 100)]
    [InlineData("bytes=-10", 990, 10)]
    [InlineData("bytes=500-5000", 500, 500)]
    [InlineData("bytes=1000-", 0, -1)]
    [InlineData("bytes=9-3", 0, -1)]
    [InlineData("bytes=0-1,5-6", 0, 1000)] // several ranges: the whole file, as RFC 9110 allows
    public void Ranges_are_read_as_rfc_9110_says(string? header, long from, long length) =>
        Assert.Equal((from, length), ServeHttpServer.Range(header, 1000));

    public void Dispose()
    {
        _http.Dispose();
        _server.Dispose();
        Directory.Delete(_dir, recursive: true);
    }
}
