using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using Mkcdrec.Core.Platform;
using Mkcdrec.Model.Manifest;

namespace Mkcdrec.Core.Archive;

/// <summary>
/// Downloads a backup directory served over HTTP(S) into a local spool, so verify and recover read it like any backup
/// directory: the manifest first, room checked, every file committed atomically, manifest.json last; broken transfers
/// resume (docs/recovery.md, "A backup on an HTTP(S) server").
/// </summary>
public sealed partial class BackupFetcher
{
    /// <summary>Where the rescue system keeps a fetched backup (in RAM), unless --spool says otherwise.</summary>
    public const string RescueSpool = "/run/mkcdrec/backup";

    /// <summary>The file whose presence marks the rescue system (written by the rescue image builder).</summary>
    public const string RescueMarker = "/etc/mkcdrec/rescue.conf";

    private const string TempSuffix = ".partial";
    private const int BufferSize = 1 << 20;

    private readonly ILog _log;
    private readonly IArchiveEvents _events;
    private readonly HttpMessageHandler? _handler;

    public BackupFetcher(ILog log, IArchiveEvents? events = null, HttpMessageHandler? handler = null)
    {
        _log = log;
        _events = events ?? NullArchiveEvents.Instance;
        _handler = handler;
    }

    /// <summary>True when <paramref name="location"/> is an http:// or https:// URL rather than a directory.</summary>
    public static bool IsUrl(string location) =>
        location.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || location.StartsWith("https://", StringComparison.OrdinalIgnoreCase);

    /// <summary>The spool to use when none is given: <see cref="RescueSpool"/> in the rescue system, else a new temporary directory.</summary>
    public static (string Path, bool Temporary) DefaultSpool()
    {
        if (File.Exists(RescueMarker))
        {
            return (RescueSpool, false);
        }

        return (Path.Combine(Path.GetTempPath(), "mkcdrec-backup-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6))), true);
    }

    /// <summary>The URL as it may be shown and logged: without user name and password.</summary>
    public static string Redact(Uri u) => string.IsNullOrEmpty(u.UserInfo) ? u.AbsoluteUri : u.AbsoluteUri.Replace(u.UserInfo + "@", "", StringComparison.Ordinal);

    /// <summary>Checks and normalizes the backup URL: http(s), no query or fragment, no trailing /manifest.json; ends with '/'.</summary>
    public static Uri ParseUrl(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var u) || (u.Scheme != Uri.UriSchemeHttp && u.Scheme != Uri.UriSchemeHttps) || string.IsNullOrEmpty(u.Host))
        {
            throw new MkcdrecException(ExitCode.Usage, $"'{url}' is not an http:// or https:// URL.",
                "Give the URL of the backup directory, e.g. http://192.168.1.10/backups/host1/ (the directory that holds manifest.json).");
        }

        if (u.Query.Length > 0 || u.Fragment.Length > 0)
        {
            throw new MkcdrecException(ExitCode.Usage, $"The backup URL '{Redact(u)}' has a query or fragment (?… or #…).",
                "Give the plain URL of the backup directory; the file names are appended to it.");
        }

        var path = u.AbsolutePath;
        if (path.EndsWith("/" + BackupFiles.Manifest, StringComparison.Ordinal))
        {
            path = path[..^BackupFiles.Manifest.Length];
        }

        if (!path.EndsWith('/'))
        {
            path += "/";
        }

        return new UriBuilder(u) { Path = path }.Uri;
    }

    /// <summary>Checks a file name from the manifest: relative, inside the backup directory, no '..' (it becomes a spool path and a URL).</summary>
    public static string CheckRelativeName(string name, string what)
    {
        var parts = name.Split('/');
        if (name.Length == 0 || name.StartsWith('/') || name.Contains('\\', StringComparison.Ordinal) || name.Contains('\0', StringComparison.Ordinal) ||
            parts.Any(p => p.Length == 0 || p == "." || p == ".."))
        {
            throw new MkcdrecException(ExitCode.BadInput, $"The manifest names {what} '{name}', which is not a plain file name inside the backup directory.",
                "The manifest is damaged or not made by mkcdrec; fetch a backup written by mkcdrec mkbackuponly or archive create.");
        }

        return name;
    }

    /// <summary>Downloads the backup (see the class summary); throws <see cref="MkcdrecException"/> naming the URL on failure.</summary>
    public BackupFetchResult Fetch(BackupFetchOptions o) => FetchAsync(o, CancellationToken.None).GetAwaiter().GetResult();

    public async Task<BackupFetchResult> FetchAsync(BackupFetchOptions o, CancellationToken ct)
    {
        var baseUri = ParseUrl(o.Url);
        var shown = o.Display ?? Redact(baseUri);
        var spool = Path.GetFullPath(o.SpoolDirectory);
        var sw = Stopwatch.StartNew();
        Directory.CreateDirectory(spool);
        using var handler = _handler is null ? NewHandler(o) : null;
        var inner = _handler ?? handler!;
        using var client = new HttpClient(o.WrapHandler?.Invoke(inner) ?? inner, disposeHandler: false) { Timeout = Timeout.InfiniteTimeSpan };
        client.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("mkcdrec", typeof(BackupFetcher).Assembly.GetName().Version?.ToString(3) ?? "0"));
        if (!string.IsNullOrEmpty(baseUri.UserInfo))
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic",
                Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(Uri.UnescapeDataString(baseUri.UserInfo))));
        }

        var stats = new Transfer();
        _events.Step($"fetching the backup from {shown} into {spool}");
        _log.Info($"fetch: {shown} -> {spool}");

        // 1. The manifest, under its temporary name until every volume is there.
        var manifestPath = Path.Combine(spool, BackupFiles.Manifest);
        var manifestTemp = TempPathFor(manifestPath);
        var manifest = await FetchManifestAsync(client, baseUri, shown, manifestTemp, o, stats, ct);

        try
        {
            return await FetchRestAsync(client, baseUri, shown, spool, manifest, manifestPath, manifestTemp, o, stats, sw, ct);
        }
        catch
        {
            File.Delete(manifestTemp); // a failed fetch leaves no manifest: the spool never looks like a complete backup
            throw;
        }
    }

    /// <summary>Downloads manifest.json to <paramref name="manifestTemp"/> and parses it; what is not a manifest is removed and refused.</summary>
    private async Task<BackupManifest> FetchManifestAsync(HttpClient client, Uri baseUri, string shown, string manifestTemp, BackupFetchOptions o, Transfer stats, CancellationToken ct)
    {
        await DownloadAsync(client, baseUri, BackupFiles.Manifest, manifestTemp, null, o, stats, ct, optional: false);
        try
        {
            return BackupManifest.Parse(File.ReadAllBytes(manifestTemp), shown + BackupFiles.Manifest);
        }
        catch (InvalidDataException e)
        {
            File.Delete(manifestTemp);
            throw new MkcdrecException(ExitCode.BadInput, $"{shown}{BackupFiles.Manifest} is not a backup manifest: {e.Message}",
                "Check the URL: it must name the backup directory (the one with manifest.json, as mkbackuponly or archive create wrote it).", e);
        }
    }

    /// <summary>The hidden temporary name a file is downloaded under (same directory, so the rename is atomic).</summary>
    public static string TempPathFor(string path) => Path.Combine(Path.GetDirectoryName(path)!, "." + Path.GetFileName(path) + TempSuffix);

    private static SocketsHttpHandler NewHandler(BackupFetchOptions o) => o.Tls.Apply(new SocketsHttpHandler
    {
        ConnectTimeout = o.RequestTimeout,
        AutomaticDecompression = DecompressionMethods.None, // volumes are already compressed; sizes must be the file's
        AllowAutoRedirect = true, // never from https to http (the handler refuses that downgrade)
        MaxAutomaticRedirections = 5,
        MaxResponseHeadersLength = 64, // KiB: a server's headers are small; more is not a backup server
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
    });

    private static string Mib(long bytes) => (bytes / 1048576.0).ToString("0.0", System.Globalization.CultureInfo.InvariantCulture);
}
