using System.Net;
using System.Xml.Linq;

namespace Mkcdrec.Core.Destinations.S3;

/// <summary>An S3 error answer: the HTTP status, S3's error code and message, and the server's clock.</summary>
public sealed record S3Error(HttpStatusCode Status, string? Code, string? Message, DateTimeOffset? ServerDate);

/// <summary>S3's error answers turned into messages that say what to do (the store, the bucket, the credentials).</summary>
public static class S3Errors
{
    public static S3Error Read(HttpResponseMessage r)
    {
        string? code = null, message = null;
        try
        {
            var text = r.Content.ReadAsStringAsync().GetAwaiter().GetResult();
            if (text.TrimStart().StartsWith('<'))
            {
                var root = S3Listing.ParseXml(text).Root;
                if (root is not null)
                {
                    code = S3Client.Element(root, "Code");
                    message = S3Client.Element(root, "Message");
                }
            }
        }
        catch (Exception e) when (e is InvalidDataException or HttpRequestException or IOException)
        {
            message = "unreadable error answer: " + e.Message;
        }

        // HEAD answers carry no body: the status says it.
        code ??= r.StatusCode switch
        {
            HttpStatusCode.NotFound => "NotFound",
            HttpStatusCode.Forbidden => "AccessDenied",
            _ => null,
        };
        return new S3Error(r.StatusCode, code, message, r.Headers.Date);
    }

    /// <summary>A 5xx answer that trying again will not change: not implemented, or no room left (507; MinIO's XMinioStorageFull).</summary>
    public static bool IsFinal(S3Error e) => e.Status is HttpStatusCode.NotImplemented or HttpStatusCode.InsufficientStorage || IsFull(e);

    private static bool IsFull(S3Error e) =>
        e.Status == HttpStatusCode.InsufficientStorage || e.Code is "EntityTooLarge" or "QuotaExceeded" or "XMinioStorageFull" or "InsufficientCapacity";

    internal static MkcdrecException FromXml(S3Client client, string key, HttpStatusCode status, XDocument doc) =>
        ToException(client, key, new S3Error(status, S3Client.Element(doc.Root!, "Code"), S3Client.Element(doc.Root!, "Message"), null));

    public static MkcdrecException ToException(S3Client client, string key, S3Error e) => ToException(client.Location, key, e);

    public static MkcdrecException ToException(S3Location where, string key, S3Error e)
    {
        var said = $"{e.Code ?? ((int)e.Status).ToString(System.Globalization.CultureInfo.InvariantCulture)}{(e.Message is null ? "" : ": " + e.Message)}";
        return e.Code switch
        {
            "NoSuchBucket" => new(ExitCode.BadInput, $"The bucket '{where.Bucket}' does not exist at {where.Endpoint} ({said}).",
                "Create the bucket (for example: aws s3 mb s3://" + where.Bucket + " --endpoint-url " + where.Endpoint + ") or correct the destination URL."),
            "InvalidAccessKeyId" or "SignatureDoesNotMatch" or "AccessDenied" or "InvalidToken" or "ExpiredToken" =>
                new(ExitCode.BadInput, $"The S3 store at {where.Endpoint} refused the credentials for '{key}' in bucket '{where.Bucket}' ({said}).",
                    "Check the access key and secret (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or the profile in ~/.aws/credentials), "
                    + "the region (?region= or AWS_REGION) and that the key may write to the bucket."),
            "RequestTimeTooSkewed" => new(ExitCode.Environment, $"The S3 store at {where.Endpoint} refused requests because this machine's clock is wrong ({said}).",
                "Set the clock (date -s, or NTP) and try again."),
            "NoSuchKey" or "NotFound" => new(ExitCode.BadInput, $"There is no object '{key}' in bucket '{where.Bucket}' at {where.Endpoint}.",
                "Check the backup's name with: mkcdrec backups list s3://" + where.Bucket + "/" + where.Prefix),
            _ when IsFull(e) => new(ExitCode.Environment, $"The S3 store at {where.Endpoint} has no room for '{key}' ({said}).",
                "Free space in the bucket (mkcdrec backups list shows the backups there; remove old ones with the store's own tools) or raise its quota, then run the backup again."),
            _ => new(ExitCode.CommandFailed, $"The S3 store at {where.Endpoint} refused a request for '{key}' in bucket '{where.Bucket}' ({said}).",
                "Check the store's log and the destination URL (docs/destinations.md), then try again."),
        };
    }

    public static MkcdrecException Unreachable(S3Client client, HttpRequestException e) =>
        new(ExitCode.Environment, $"The S3 store at {client.Location.Endpoint} cannot be reached: {e.Message}",
            "Check the endpoint (?endpoint= in the URL), the network (in the rescue system: ip addr) and that the store is running.", e);
}
