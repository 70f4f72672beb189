using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Xml.Linq;

namespace Mkcdrec.Core.Destinations.S3;

/// <summary>One object in a listing.</summary>
public sealed record S3Object(string Key, long Size, DateTimeOffset LastModified);

/// <summary>A multipart upload begun and neither completed nor aborted (its parts are stored, and billed, until aborted).</summary>
public sealed record S3Upload(string Key, string UploadId, DateTimeOffset Initiated);

/// <summary>
/// The S3 REST calls a backup needs, over HttpClient with SigV4 (<see cref="SigV4"/>): objects put whole or in parts,
/// read as streams, listed, deleted. Payloads are signed (their SHA-256), so the store checks every byte it keeps.
/// Plain requests, no aws-chunked encoding: S3-compatible stores all take that. Transient failures (5xx, a dropped
/// connection) are retried; a clock the store finds skewed (a rescue system's RTC) is corrected from its Date header.
/// </summary>
public sealed partial class S3Client : IDisposable
{
    private const int Attempts = 4;
    private static readonly KeyValuePair<string, string>[] NoQuery = [];

    private readonly HttpClient _http;
    private readonly AwsCredentials _credentials;
    private readonly Action<string> _warn;
    private readonly Func<DateTime> _clock;
    private readonly TimeSpan _readTimeout;
    private readonly TlsTrust _tls;
    private TimeSpan _clockOffset;

    /// <param name="warn">Told of each retry (a line for the log).</param>
    /// <param name="clock">This machine's UTC time (tests: a rescue system's wrong clock).</param>
    /// <param name="readTimeout">How long a streamed GET may send nothing before it is given up (default a minute).</param>
    /// <param name="tls">Which https endpoints are believed (--ca-file); default the system's CAs. Not used with <paramref name="handler"/>.</param>
    public S3Client(S3Location location, AwsCredentials credentials, Action<string>? warn = null, HttpMessageHandler? handler = null, Func<DateTime>? clock = null,
        TimeSpan? readTimeout = null, TlsTrust? tls = null)
    {
        _tls = tls ?? TlsTrust.System;
        _readTimeout = readTimeout ?? TimeSpan.FromMinutes(1);
        _clock = clock ?? (() => DateTime.UtcNow);
        Location = location;
        _credentials = credentials;
        _warn = warn ?? (_ => { });
        _http = new HttpClient(handler ?? _tls.Apply(new SocketsHttpHandler { PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30) }), disposeHandler: handler is null)
        {
            Timeout = TimeSpan.FromMinutes(10),
        };
    }

    public S3Location Location { get; }

    /// <summary>The credentials requests are signed with (their ToString hides the secret).</summary>
    public AwsCredentials Credentials => _credentials;

    public void PutObject(string key, ReadOnlyMemory<byte> data) =>
        Send(HttpMethod.Put, key, NoQuery, data).Dispose();

    public string CreateMultipartUpload(string key)
    {
        using var r = Send(HttpMethod.Post, key, [new("uploads", "")], ReadOnlyMemory<byte>.Empty);
        return Element(ReadXml(r, key).Root!, "UploadId") ?? throw Unexpected(key, "CreateMultipartUpload answered without an UploadId");
    }

    /// <summary>Uploads part <paramref name="partNumber"/> (1-based) and returns its ETag.</summary>
    public string UploadPart(string key, string uploadId, int partNumber, ReadOnlyMemory<byte> data)
    {
        using var r = Send(HttpMethod.Put, key, [new("partNumber", partNumber.ToString(CultureInfo.InvariantCulture)), new("uploadId", uploadId)], data);
        return r.Headers.ETag?.Tag ?? (r.Headers.TryGetValues("ETag", out var e) ? e.First() : throw Unexpected(key, $"part {partNumber} was stored without an ETag"));
    }

    public void CompleteMultipartUpload(string key, string uploadId, IReadOnlyList<string> etags)
    {
        var xml = new StringBuilder("<CompleteMultipartUpload>");
        for (var i = 0; i < etags.Count; i++)
        {
            xml.Append(CultureInfo.InvariantCulture, $"<Part><PartNumber>{i + 1}</PartNumber><ETag>{WebUtility.HtmlEncode(etags[i])}</ETag></Part>");
        }

        xml.Append("</CompleteMultipartUpload>");
        using var r = Send(HttpMethod.Post, key, [new("uploadId", uploadId)], Encoding.UTF8.GetBytes(xml.ToString()));

        // S3 may answer 200 and still report an error in the body (the completion failed after the headers went out).
        var doc = ReadXml(r, key);
        if (doc.Root?.Name.LocalName == "Error")
        {
            throw S3Errors.FromXml(this, key, HttpStatusCode.InternalServerError, doc);
        }
    }

    public void AbortMultipartUpload(string key, string uploadId) =>
        Send(HttpMethod.Delete, key, [new("uploadId", uploadId)], ReadOnlyMemory<byte>.Empty).Dispose();

    /// <summary>The object's content from byte <paramref name="offset"/> on, as a stream read from the network as it is consumed.</summary>
    public Stream GetObject(string key, long offset = 0)
    {
        var r = Send(HttpMethod.Get, key, NoQuery, ReadOnlyMemory<byte>.Empty, streamResponse: true, rangeFrom: offset);
        if (offset > 0 && r.StatusCode != HttpStatusCode.PartialContent)
        {
            r.Dispose();
            throw Unexpected(key, $"asked for the bytes from {offset} on, it answered {(int)r.StatusCode} instead of 206 Partial Content");
        }

        return new S3ResponseStream(r, _readTimeout, $"'{key}' from {Location.Endpoint}");
    }

    /// <summary>The object's size, or null when there is no such object.</summary>
    public long? HeadObject(string key)
    {
        using var r = Send(HttpMethod.Head, key, NoQuery, ReadOnlyMemory<byte>.Empty, allowNotFound: true);
        return r.StatusCode == HttpStatusCode.NotFound ? null : r.Content.Headers.ContentLength ?? 0;
    }

    public void DeleteObject(string key) => Send(HttpMethod.Delete, key, NoQuery, ReadOnlyMemory<byte>.Empty).Dispose();

    /// <summary>Every object whose key starts with <paramref name="prefix"/> (ListObjectsV2, page by page).</summary>
    public IEnumerable<S3Object> List(string prefix)
    {
        string? token = null;
        do
        {
            var query = new List<KeyValuePair<string, string>> { new("list-type", "2"), new("prefix", prefix) };
            if (token is not null)
            {
                query.Add(new("continuation-token", token));
            }

            XDocument doc;
            using (var r = Send(HttpMethod.Get, null, query, ReadOnlyMemory<byte>.Empty))
            {
                doc = ReadXml(r, prefix);
            }

            var (objects, next) = Page(prefix, () => S3Listing.ObjectsPage(doc));
            foreach (var o in objects)
            {
                yield return o;
            }

            token = next;
        }
        while (token is not null);
    }

    /// <summary>The multipart uploads in progress under <paramref name="prefix"/> (ListMultipartUploads, page by page).</summary>
    public IEnumerable<S3Upload> ListMultipartUploads(string prefix)
    {
        (string Key, string Id)? marker = null;
        do
        {
            var query = new List<KeyValuePair<string, string>> { new("prefix", prefix), new("uploads", "") };
            if (marker is { } m)
            {
                query.Add(new("key-marker", m.Key));
                query.Add(new("upload-id-marker", m.Id));
            }

            XDocument doc;
            using (var r = Send(HttpMethod.Get, null, query, ReadOnlyMemory<byte>.Empty, allowNotImplemented: true))
            {
                if (r.StatusCode == HttpStatusCode.NotImplemented)
                {
                    _warn($"S3 store {Location.Endpoint} cannot list unfinished multipart uploads (NotImplemented): any an interrupted run left stay until the bucket's lifecycle rule removes them");
                    yield break;
                }

                doc = ReadXml(r, prefix);
            }

            var (uploads, next) = Page(prefix, () => S3Listing.UploadsPage(doc));
            foreach (var u in uploads)
            {
                yield return u;
            }

            marker = next;
        }
        while (marker is not null);
    }

    public void Dispose() => _http.Dispose();

    internal HttpResponseMessage Send(HttpMethod method, string? key, IReadOnlyList<KeyValuePair<string, string>> query, ReadOnlyMemory<byte> body,
        bool streamResponse = false, bool allowNotFound = false, bool allowNotImplemented = false, long rangeFrom = 0)
    {
        var payloadHash = body.IsEmpty ? SigV4.EmptyPayloadHash : SigV4.Hex(SHA256.HashData(body.Span));
        var (uri, path) = Location.Address(key, query);
        for (var attempt = 1; ; attempt++)
        {
            HttpResponseMessage response;
            try
            {
                using var request = Signed(method, uri, path, query, body, payloadHash);
                if (rangeFrom > 0)
                {
                    request.Headers.Range = new RangeHeaderValue(rangeFrom, null); // not signed: SigV4 signs only the headers it lists
                }

                response = _http.Send(request, streamResponse ? HttpCompletionOption.ResponseHeadersRead : HttpCompletionOption.ResponseContentRead);
            }
            catch (HttpRequestException e) when (TlsTrust.IsHandshakeFailure(e))
            {
                throw _tls.Refused(uri.Authority, e); // a refused certificate is not a dropped connection: no retry
            }
            catch (HttpRequestException e) when (attempt < Attempts)
            {
                Backoff(attempt, e.Message);
                continue;
            }
            catch (HttpRequestException e)
            {
                throw S3Errors.Unreachable(this, e);
            }

            if (response.IsSuccessStatusCode || (allowNotFound && response.StatusCode == HttpStatusCode.NotFound)
                || (allowNotImplemented && response.StatusCode == HttpStatusCode.NotImplemented))
            {
                return response;
            }

            var error = S3Errors.Read(response);
            response.Dispose();
            if (error.Code == "RequestTimeTooSkewed" && error.ServerDate is { } serverDate && attempt < Attempts)
            {
                _clockOffset = serverDate.UtcDateTime - _clock();
                continue;
            }

            if (((int)error.Status >= 500 || error.Code is "SlowDown" or "RequestTimeout") && !S3Errors.IsFinal(error) && attempt < Attempts)
            {
                Backoff(attempt, error.Code ?? error.Status.ToString());
                continue;
            }

            throw S3Errors.ToException(this, key ?? query.FirstOrDefault(q => q.Key == "prefix").Value ?? "", error);
        }
    }

    private HttpRequestMessage Signed(HttpMethod method, Uri uri, string path, IReadOnlyList<KeyValuePair<string, string>> query, ReadOnlyMemory<byte> body, string payloadHash)
    {
        var request = new HttpRequestMessage(method, uri);
        S3RequestSigning.Apply(request, path, query, payloadHash, _credentials, Location.Region, _clock() + _clockOffset);
        if (!body.IsEmpty || method == HttpMethod.Put || method == HttpMethod.Post)
        {
            request.Content = new ReadOnlyMemoryContent(body);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        }

        return request;
    }

    private void Backoff(int attempt, string why)
    {
        _warn($"S3 request to {Location.Endpoint} failed ({why}); trying again ({attempt + 1} of {Attempts})");
        Thread.Sleep(TimeSpan.FromMilliseconds(500 * (1 << attempt)));
    }

    private XDocument ReadXml(HttpResponseMessage r, string key)
    {
        var text = r.Content.ReadAsStringAsync().GetAwaiter().GetResult();
        try
        {
            return S3Listing.ParseXml(text);
        }
        catch (InvalidDataException e)
        {
            throw Unexpected(key, "the answer is not XML: " + e.Message);
        }
    }

    internal static string? Element(XContainer parent, string localName) => S3Listing.Element(parent, localName);

    /// <summary>Reads one listing page; an answer that is XML but not the listing the API documents is an unexpected answer.</summary>
    private T Page<T>(string prefix, Func<T> read)
    {
        try
        {
            return read();
        }
        catch (InvalidDataException e)
        {
            throw Unexpected(prefix, "the listing is not what the S3 API documents: " + e.Message);
        }
    }

    private MkcdrecException Unexpected(string key, string what) =>
        new(ExitCode.CommandFailed, $"The S3 store at {Location.Endpoint} gave an unexpected answer for '{key}': {what}.",
            "Check that the endpoint is an S3-compatible object store (docs/destinations.md) and try again.");
}
