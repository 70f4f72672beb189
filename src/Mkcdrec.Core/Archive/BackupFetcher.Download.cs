using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using Mkcdrec.Core.Platform;
using Mkcdrec.Model.Manifest;

namespace Mkcdrec.Core.Archive;

/// <summary>One file's download: retries with growing delays, range requests that continue a broken transfer, sizes checked.</summary>
public sealed partial class BackupFetcher
{
    private sealed class Transfer
    {
        public int Files;
        public long Bytes;
        public int Reused;
        public int Retries;
        public int FilesDone;
        public long DoneBytes;
    }

    /// <summary>A failed attempt: <see cref="Transient"/> ones are tried again.</summary>
    private sealed class AttemptFailed(string message, bool transient, Exception? inner = null) : Exception(message, inner)
    {
        public bool Transient { get; } = transient;

        public bool NotFound { get; init; }
    }

    /// <summary>Downloads one file into <paramref name="temp"/>; false when <paramref name="optional"/> and the server has no such file.</summary>
    private async Task<bool> DownloadAsync(HttpClient client, Uri baseUri, string name, string temp, long? size, BackupFetchOptions o, Transfer stats, CancellationToken ct, bool optional)
    {
        var uri = new Uri(baseUri, string.Join('/', name.Split('/').Select(Uri.EscapeDataString)));
        var shown = o.WrapHandler is not null && o.Display is { } d ? d.TrimEnd('/') + "/" + name : Redact(uri); // s3://…, sftp://…: never the handler's address
        File.Delete(temp);
        var sw = Stopwatch.StartNew();
        try
        {
            for (var attempt = 0; ; attempt++)
            {
                try
                {
                    await AttemptAsync(client, uri, shown, temp, size, o, stats, ct);
                    stats.Files++;
                    _log.Info($"fetch: {shown}: {new FileInfo(temp).Length} bytes in {sw.Elapsed.TotalSeconds:0.00} s");
                    return true;
                }
                catch (AttemptFailed e) when (e.NotFound && optional)
                {
                    _log.Info($"fetch: {shown}: not on the server (optional)");
                    File.Delete(temp);
                    return false;
                }
                catch (AttemptFailed e) when (e.Transient && attempt < o.Retries)
                {
                    var delay = o.RetryDelay * Math.Pow(2, attempt);
                    stats.Retries++;
                    _events.Problem(shown, $"{e.Message}; trying again in {delay.TotalSeconds:0.#} s ({attempt + 1} of {o.Retries})");
                    _log.Warn($"fetch: {shown}: {e.Message}; retry {attempt + 1} of {o.Retries} in {delay.TotalSeconds:0.#} s");
                    await Task.Delay(delay, ct);
                }
                catch (AttemptFailed e)
                {
                    var tries = e.Transient ? $" (after {attempt + 1} attempts)" : "";
                    throw new MkcdrecException(ExitCode.Environment, $"Cannot fetch {shown}: {e.Message}{tries}.",
                        e.NotFound && name == BackupFiles.Manifest
                            ? "Check the URL: it must name the backup directory that holds manifest.json (as mkbackuponly or archive create wrote it)."
                            : e.NotFound
                                ? "The server lacks a file the manifest lists: copy the whole backup directory to the server, then try again."
                                : "Check the network (ip addr, ip route) and that the server is up, then try again; nothing partial was kept.",
                        e.InnerException);
                }
            }
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }

    /// <summary>One try: continues <paramref name="temp"/> with a range request when it holds a part already.</summary>
    private async Task AttemptAsync(HttpClient client, Uri uri, string shown, string temp, long? size, BackupFetchOptions o, Transfer stats, CancellationToken ct)
    {
        long have = File.Exists(temp) ? new FileInfo(temp).Length : 0;
        if (size is { } s0 && have > s0)
        {
            have = 0;
        }

        using var req = new HttpRequestMessage(HttpMethod.Get, uri);
        if (have > 0)
        {
            req.Headers.Range = new RangeHeaderValue(have, null);
        }

        using var resp = await SendAsync(client, req, o, ct);
        var start = ContentStart(resp, temp, have);
        var length = resp.Content.Headers.ContentLength;
        if (size is { } expected && length is { } l && start + l != expected)
        {
            throw new AttemptFailed($"the server has {start + l} bytes, the manifest says {expected}: the server's copy is not this backup's volume", transient: false);
        }

        await ReceiveAsync(resp, shown, temp, start, length, size, o, stats, ct);
    }

    /// <summary>Sends the request and waits for the response headers, at most <see cref="BackupFetchOptions.RequestTimeout"/>.</summary>
    private static async Task<HttpResponseMessage> SendAsync(HttpClient client, HttpRequestMessage req, BackupFetchOptions o, CancellationToken ct)
    {
        using var headers = CancellationTokenSource.CreateLinkedTokenSource(ct);
        headers.CancelAfter(o.RequestTimeout);
        try
        {
            return await client.SendAsync(req, HttpCompletionOption.ResponseHeadersRead, headers.Token);
        }
        catch (HttpRequestException e) when (Destinations.TlsTrust.IsHandshakeFailure(e))
        {
            throw o.Tls.Refused(req.RequestUri!.Authority, e); // a certificate does not get better by asking again
        }
        catch (HttpRequestException e)
        {
            throw new AttemptFailed(e.InnerException is { } i ? $"{e.Message} ({i.Message})" : e.Message, transient: true, e);
        }
        catch (OperationCanceledException e) when (!ct.IsCancellationRequested)
        {
            throw new AttemptFailed($"no answer within {o.RequestTimeout.TotalSeconds:0} s", transient: true, e);
        }
    }

    /// <summary>
    /// Where the response's body starts in the file (0, or <paramref name="have"/> for a range answer); an HTTP status that
    /// is no answer, or a range answer from elsewhere, fails the attempt (the latter and 416 start the file again).
    /// </summary>
    private static long ContentStart(HttpResponseMessage resp, string temp, long have)
    {
        var code = (int)resp.StatusCode;
        if (resp.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Gone)
        {
            throw new AttemptFailed($"HTTP {code} {resp.ReasonPhrase}", transient: false) { NotFound = true };
        }

        if (resp.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable)
        {
            File.Delete(temp); // start again from the beginning
            throw new AttemptFailed($"HTTP {code} {resp.ReasonPhrase} for the rest from byte {have}", transient: true);
        }

        if (code >= 500 || resp.StatusCode is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests)
        {
            throw new AttemptFailed($"HTTP {code} {resp.ReasonPhrase}", transient: true);
        }

        if (resp.StatusCode != HttpStatusCode.OK && resp.StatusCode != HttpStatusCode.PartialContent)
        {
            throw new AttemptFailed($"HTTP {code} {resp.ReasonPhrase}", transient: false);
        }

        var start = 0L;
        if (resp.StatusCode == HttpStatusCode.PartialContent)
        {
            start = resp.Content.Headers.ContentRange is { From: { } from } ? from : -1;
            if (start != have)
            {
                File.Delete(temp);
                throw new AttemptFailed($"the server answered the range request from byte {have} with bytes from {start}", transient: true);
            }
        }

        return start;
    }

    /// <summary>Writes the body after <paramref name="start"/> bytes of <paramref name="temp"/>; a stalled, broken or too long body fails the attempt.</summary>
    private async Task ReceiveAsync(HttpResponseMessage resp, string shown, string temp, long start, long? length, long? size, BackupFetchOptions o, Transfer stats, CancellationToken ct)
    {
        using var file = new FileStream(temp, FileMode.OpenOrCreate, FileAccess.Write, FileShare.None, BufferSize);
        file.SetLength(start);
        file.Position = start;
        var got = start;
        try
        {
            using var body = await resp.Content.ReadAsStreamAsync(ct);
            var buf = new byte[BufferSize];
            using var stall = CancellationTokenSource.CreateLinkedTokenSource(ct);
            while (true)
            {
                stall.CancelAfter(o.StallTimeout);
                var n = await body.ReadAsync(buf, stall.Token);
                if (n == 0)
                {
                    break;
                }

                file.Write(buf, 0, n);
                got += n;
                stats.Bytes += n;
                if (size is not null)
                {
                    // Volumes only: the totals are theirs. A retried part counts once.
                    _events.Progress(stats.FilesDone, stats.DoneBytes + got, shown);
                }

                if (size is { } max && got > max)
                {
                    throw new AttemptFailed($"the server sends more than the {max} bytes the manifest gives", transient: false);
                }

                if (size is null && got > o.MaxDocumentBytes)
                {
                    throw new AttemptFailed($"the server sends more than {o.MaxDocumentBytes} bytes for a file the manifest does not size: not a backup's", transient: false);
                }
            }
        }
        catch (OperationCanceledException e) when (!ct.IsCancellationRequested)
        {
            throw new AttemptFailed($"no data for {o.StallTimeout.TotalSeconds:0} s after {got} bytes", transient: true, e);
        }
        catch (Exception e) when (e is IOException or HttpRequestException)
        {
            file.Flush();
            throw new AttemptFailed($"the transfer broke after {got} of {ByteCountText(size ?? (length is { } l2 ? start + l2 : null))} bytes ({e.Message})", transient: true, e);
        }

        if ((size is { } want && got < want) || (length is { } cl && got < start + cl))
        {
            file.Flush();
            throw new AttemptFailed($"the transfer broke after {got} of {ByteCountText(size ?? start + length)} bytes (the connection was closed early)", transient: true);
        }

        FileSync.Sync(file);
    }

    private static string ByteCountText(long? n) => n is { } v ? v.ToString(System.Globalization.CultureInfo.InvariantCulture) : "?";
}
