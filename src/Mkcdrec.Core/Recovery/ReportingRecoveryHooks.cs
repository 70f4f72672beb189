using System.Globalization;
using Mkcdrec.Core.Platform;

namespace Mkcdrec.Core.Recovery;

/// <summary>
/// `recover --report-url URL`: tells a server (mkcdrec serve's /report, given to rescue systems it boots as
/// mkcdrec.report=) each phase of the recovery as it starts, and its end, so serve's status view shows where every
/// client is. A report that fails or takes over 5 s is logged and dropped: it never holds up or fails the recovery.
/// Every other hook call goes to <paramref name="inner"/> (the drill's, when there is one).
/// </summary>
public sealed class ReportingRecoveryHooks(string url, IRecoveryHooks? inner, ILog log, HttpMessageHandler? handler = null) : IRecoveryHooks, IDisposable
{
    private readonly HttpClient _http = new(handler ?? new SocketsHttpHandler(), disposeHandler: true) { Timeout = TimeSpan.FromSeconds(5) };

    public string AfterRestorePhase => inner?.AfterRestorePhase ?? "after restore hooks";

    public void PhaseStarted(string phase, RecoveryOutput output)
    {
        Post("recovery: " + phase);
        inner?.PhaseStarted(phase, output);
    }

    public void AfterRestore(Model.Manifest.ArchiveRecord archive, string directory, RecoveryOutput output) => inner?.AfterRestore(archive, directory, output);

    public void AfterFinalize(string targetRoot, IReadOnlyList<string> written, RecoveryOutput output) => inner?.AfterFinalize(targetRoot, written, output);

    public void Finished(RecoverResult result, RecoveryOutput output)
    {
        inner?.Finished(result, output);
        Post(string.Create(CultureInfo.InvariantCulture, $"recovery: done in {result.Elapsed.TotalSeconds:0} s, {result.RestoredBytes / 1048576.0:0} MiB restored"));
    }

    private void Post(string phase)
    {
        try
        {
            using var body = new FormUrlEncodedContent([new KeyValuePair<string, string>("phase", phase)]);
            using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = body };
            using var response = _http.Send(request);
            if (!response.IsSuccessStatusCode)
            {
                log.Warn($"recover: {url} answered {(int)response.StatusCode} to the report '{phase}'");
            }
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or InvalidOperationException or NotSupportedException)
        {
            log.Warn($"recover: could not report '{phase}' to {url}: {e.Message}");
        }
    }

    public void Dispose() => _http.Dispose();
}
