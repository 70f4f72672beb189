using System.Net;
using System.Net.Http.Headers;

namespace Mkcdrec.Core.Destinations.Routing;

/// <summary>
/// Serves the files of one backup in an <see cref="IBackupStore"/> (SFTP, NFS) to <see cref="Archive.BackupFetcher"/>
/// as if over HTTP, so a fetch from any destination shares the one spool logic: reuse of volumes already there, room
/// checks, progress, retries of a broken transfer. GET only; the whole file each time (the stores do not seek).
/// </summary>
public sealed class StoreHttpHandler(IBackupStore store, string backupName) : HttpMessageHandler
{
    /// <summary>The base URL the fetcher is given; its path is the name inside the backup.</summary>
    public const string BaseUrl = "http://backup-store.invalid/";

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        Task.FromResult(Send(request, cancellationToken));

    protected override HttpResponseMessage Send(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (request.Method != HttpMethod.Get || request.RequestUri is null)
        {
            return new HttpResponseMessage(HttpStatusCode.MethodNotAllowed) { RequestMessage = request };
        }

        var relative = Uri.UnescapeDataString(request.RequestUri.AbsolutePath).TrimStart('/');
        var name = backupName + "/" + relative;
        var found = store.List(name).FirstOrDefault(f => f.Name == name);
        if (found is null || relative.Length == 0)
        {
            return new HttpResponseMessage(HttpStatusCode.NotFound) { RequestMessage = request, ReasonPhrase = $"no {name} at {store.Display}" };
        }

        var content = new StreamContent(store.OpenRead(name), 1 << 20);
        content.Headers.ContentLength = found.Size;
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        return new HttpResponseMessage(HttpStatusCode.OK) { RequestMessage = request, Content = content };
    }
}
