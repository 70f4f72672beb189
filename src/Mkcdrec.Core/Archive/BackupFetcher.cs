using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using Mkcdrec.Core.Platform;
using Mkcdrec.Model.Manifest;

namespace Mkcdrec.Core.Archive;

/// <summary>What <see cref="BackupFetcher"/> downloads, where to, and how hard it tries.</summary>
public sealed class BackupFetchOptions
{
    /// <summary>The backup directory as an http:// or https:// URL (a trailing /manifest.json is accepted).</summary>
    public required string Url { get; init; }

    /// <summary>The local directory the backup is downloaded into (created when missing).</summary>
    public required string SpoolDirectory { get; init; }

    /// <summary>How often a failed transfer is tried again (network errors, truncated bodies, HTTP 5xx/408/429).</summary>
    public int Retries { get; init; } = 4;

    /// <summary>The wait before the first retry; doubled for each further one.</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>A transfer that delivers no byte for this long is broken (and tried again).</summary>
    public TimeSpan StallTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How long connecting and receiving the response headers may take.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// The spool may hold another backup, which the fetch replaces (the default spools: the rescue system's, a temporary
    /// one). False for a directory the user named: a different manifest there is refused, never overwritten.
    /// </summary>
    public bool ReplaceOtherBackup { get; init; }

    /// <summary>Room left free in the spool beyond the backup itself.</summary>
    public long SpareBytes { get; init; } = 4L << 20;
}

/// <summary>What a fetch did.</summary>
public sealed class BackupFetchResult
{
    public required string Directory { get; init; }

    public required BackupManifest Manifest { get; init; }

    /// <summary>Files downloaded (manifest, layout, volumes).</summary>
    public int Files { get; set; }

    /// <summary>Bytes received over the network (retried parts count again).</summary>
    public long Bytes { get; set; }

    /// <summary>Volumes already complete in the spool from an earlier fetch of the same manifest.</summary>
    public int Reused { get; set; }

    /// <summary>Transfers that broke and were tried again.</summary>
    public int Retries { get; set; }

    public TimeSpan Elapsed { get; set; }

    public double MiBPerSecond => Bytes / 1048576.0 / Math.Max(Elapsed.TotalSeconds, 1e-3);
}

/// <summary>
/// Downloads a backup directory served over HTTP(S) into a local spool, so verify and recover read it like any backup
/// directory: the manifest first, room checked, every file committed atomically, manifest.json last; broken transfers
/// resume (docs/recovery.md, "A backup on an HTTP(S) server").
/// </summary>
public sealed class BackupFetcher
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
        var shown = Redact(baseUri);
        var spool = Path.GetFullPath(o.SpoolDirectory);
        var sw = Stopwatch.StartNew();
        Directory.CreateDirectory(spool);
        using var handler = _handler is null ? NewHandler(o) : null;
        using var client = new HttpClient(_handler ?? handler!, disposeHandler: false) { Timeout = Timeout.InfiniteTimeSpan };
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
        await DownloadAsync(client, baseUri, BackupFiles.Manifest, manifestTemp, null, o, stats, ct, optional: false);
        BackupManifest manifest;
        try
        {
            manifest = BackupManifest.Parse(File.ReadAllBytes(manifestTemp), shown + BackupFiles.Manifest);
        }
        catch (InvalidDataException e)
        {
            File.Delete(manifestTemp);
            throw new MkcdrecException(ExitCode.BadInput, $"{shown}{BackupFiles.Manifest} is not a backup manifest: {e.Message}",
                "Check the URL: it must name the backup directory (the one with manifest.json, as mkbackuponly or archive create wrote it).", e);
        }

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

    private async Task<BackupFetchResult> FetchRestAsync(HttpClient client, Uri baseUri, string shown, string spool, BackupManifest manifest, string manifestPath,
        string manifestTemp, BackupFetchOptions o, Transfer stats, Stopwatch sw, CancellationToken ct)
    {
        var volumes = manifest.Archives.SelectMany(a => a.Volumes).ToList();
        foreach (var v in volumes)
        {
            CheckRelativeName(v.File, "the volume");
            if (v.Size < 0)
            {
                throw new MkcdrecException(ExitCode.BadInput, $"The manifest at {shown} gives volume {v.File} a negative size.", "The manifest is damaged; fetch another backup.");
            }
        }

        // 2. What the spool already holds from an earlier fetch of the same manifest stays; anything else is fetched again.
        var same = File.Exists(manifestPath) && FilesEqual(manifestPath, manifestTemp);
        if (!same && File.Exists(manifestPath) && !o.ReplaceOtherBackup)
        {
            throw new MkcdrecException(ExitCode.Refused, $"{spool} already holds another backup (its manifest.json differs from the one at {shown}).",
                "Give --spool an empty directory (or the one this backup was fetched into before); the backup there was left as it was.");
        }

        var missing = new List<VolumeRecord>();
        foreach (var v in volumes.DistinctBy(v => v.File))
        {
            var path = Path.Combine(spool, v.File);
            if (same && new FileInfo(path) is { Exists: true } f && f.Length == v.Size)
            {
                stats.Reused++;
            }
            else
            {
                missing.Add(v);
            }
        }

        // 3. Room for what is missing, before any volume is fetched.
        var need = missing.Sum(v => v.Size);
        var free = FreeBytes(spool);
        if (free >= 0 && need + o.SpareBytes > free)
        {
            throw new MkcdrecException(ExitCode.Environment,
                $"The backup at {shown} needs {Mib(need)} MiB ({missing.Count} volume(s)) in {spool}, which has {Mib(free)} MiB free.",
                "Give --spool DIR on a filesystem with enough room, e.g. a spare disk mounted at /mnt/spool (never a disk the recovery will overwrite); no volume was fetched.");
        }

        if (missing.Count > 0 || !same)
        {
            // manifest.json in the spool means "complete": it goes until every volume is there (never an old manifest over new volumes).
            File.Delete(manifestPath);
        }

        _events.Totals(missing.Count, need);
        _log.Info($"fetch: {volumes.Count} volume(s), {missing.Count} to fetch ({Mib(need)} MiB), {stats.Reused} already in the spool; {Mib(free)} MiB free in {spool}");

        // 4. The layout beside the manifest: the one it names (required), else layout.json when the server has it.
        var layoutName = manifest.Layout is { Length: > 0 } l ? CheckRelativeName(l, "the layout") : BackupFiles.Layout;
        var layoutPath = Path.Combine(spool, layoutName);
        var layoutTemp = TempPathFor(layoutPath);
        if (await DownloadAsync(client, baseUri, layoutName, layoutTemp, null, o, stats, ct, optional: manifest.Layout is null))
        {
            AtomicFile.Replace(layoutTemp, layoutPath);
        }
        else if (File.Exists(layoutPath) && (same || o.ReplaceOtherBackup))
        {
            File.Delete(layoutPath); // an older backup's layout must not pass for this one's
        }

        // 5. Every missing volume: temporary name, size checked, renamed.
        foreach (var v in missing)
        {
            var path = Path.Combine(spool, v.File);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            var temp = TempPathFor(path);
            await DownloadAsync(client, baseUri, v.File, temp, v.Size, o, stats, ct, optional: false);
            AtomicFile.Replace(temp, path);
            stats.FilesDone++;
            stats.DoneBytes += v.Size;
        }

        AtomicFile.Replace(manifestTemp, manifestPath);
        var result = new BackupFetchResult
        {
            Directory = spool,
            Manifest = manifest,
            Files = stats.Files,
            Bytes = stats.Bytes,
            Reused = stats.Reused,
            Retries = stats.Retries,
            Elapsed = sw.Elapsed,
        };
        _log.Info($"fetch: {result.Files} file(s), {Mib(result.Bytes)} MiB in {result.Elapsed.TotalSeconds:0.0} s ({result.MiBPerSecond:0.0} MiB/s), {result.Retries} retry(ies), {result.Reused} volume(s) reused");
        return result;
    }

    /// <summary>Free bytes for an unprivileged writer in the filesystem of <paramref name="dir"/> (statvfs); -1 when unknown.</summary>
    public static long FreeBytes(string dir)
    {
        try
        {
            return new DriveInfo(dir).AvailableFreeSpace;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return -1;
        }
    }

    /// <summary>The hidden temporary name a file is downloaded under (same directory, so the rename is atomic).</summary>
    public static string TempPathFor(string path) => Path.Combine(Path.GetDirectoryName(path)!, "." + Path.GetFileName(path) + TempSuffix);

    private static SocketsHttpHandler NewHandler(BackupFetchOptions o) => new()
    {
        ConnectTimeout = o.RequestTimeout,
        AutomaticDecompression = DecompressionMethods.None, // volumes are already compressed; sizes must be the file's
        AllowAutoRedirect = true,
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
    };

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
        var shown = Redact(uri);
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

        HttpResponseMessage resp;
        using (var headers = CancellationTokenSource.CreateLinkedTokenSource(ct))
        {
            headers.CancelAfter(o.RequestTimeout);
            try
            {
                resp = await client.SendAsync(req, HttpCompletionOption.ResponseHeadersRead, headers.Token);
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

        using (resp)
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

            var length = resp.Content.Headers.ContentLength;
            if (size is { } expected && length is { } l && start + l != expected)
            {
                throw new AttemptFailed($"the server has {start + l} bytes, the manifest says {expected}: the server's copy is not this backup's volume", transient: false);
            }

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

            file.Flush(flushToDisk: true);
        }
    }

    private static string ByteCountText(long? n) => n is { } v ? v.ToString(System.Globalization.CultureInfo.InvariantCulture) : "?";

    private static bool FilesEqual(string a, string b)
    {
        var fa = new FileInfo(a);
        var fb = new FileInfo(b);
        if (fa.Length != fb.Length)
        {
            return false;
        }

        using var sa = fa.OpenRead();
        using var sb = fb.OpenRead();
        return SHA256.HashData(sa).AsSpan().SequenceEqual(SHA256.HashData(sb));
    }

    private static string Mib(long bytes) => (bytes / 1048576.0).ToString("0.0", System.Globalization.CultureInfo.InvariantCulture);
}
