using System.Net;

namespace Mkcdrec.Core.Destinations.S3;

/// <summary>
/// Signs every request that passes (GET and HEAD of a backup's files) for an S3 bucket, so the HTTP(S) fetcher
/// (BackupFetcher: resume, room check, manifest last) reads a backup from S3 as from any web server. A clock the store
/// finds skewed is corrected from its Date once; the store's refusals become its own clear errors; 5xx answers pass
/// through for the fetcher's retries.
/// </summary>
public sealed class S3SigningHandler(S3Location location, AwsCredentials credentials, HttpMessageHandler inner, Func<DateTime>? clock = null)
    : DelegatingHandler(inner)
{
    private readonly Func<DateTime> _clock = clock ?? (() => DateTime.UtcNow);
    private TimeSpan _clockOffset;

    protected override HttpResponseMessage Send(HttpRequestMessage request, CancellationToken cancellationToken) =>
        SendAsync(request, cancellationToken).GetAwaiter().GetResult();

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            S3RequestSigning.Apply(request, S3RequestSigning.CanonicalPath(request.RequestUri!), [], SigV4.EmptyPayloadHash, credentials, location.Region,
                _clock() + _clockOffset);
            var response = await base.SendAsync(request, cancellationToken);
            if (response.IsSuccessStatusCode || (int)response.StatusCode >= 500
                || response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.RequestedRangeNotSatisfiable or HttpStatusCode.NotModified)
            {
                return response;
            }

            var error = S3Errors.Read(response);
            response.Dispose();
            if (error.Code == "RequestTimeTooSkewed" && error.ServerDate is { } serverDate && attempt == 1)
            {
                _clockOffset = serverDate.UtcDateTime - _clock();
                continue;
            }

            throw S3Errors.ToException(location, Uri.UnescapeDataString(request.RequestUri!.AbsolutePath), error);
        }
    }
}
