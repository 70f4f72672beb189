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

    /// <summary>The most a file of no known size (manifest.json, layout.json) may have: a rescue system's spool is RAM.</summary>
    public long MaxDocumentBytes { get; init; } = 2L << 30;

    /// <summary>Room left free in the spool beyond the backup itself.</summary>
    public long SpareBytes { get; init; } = 4L << 20;

    /// <summary>Wraps the HTTP handler (an S3 bucket: a handler that signs every request, Destinations.FetchSources).</summary>
    public Func<HttpMessageHandler, HttpMessageHandler>? WrapHandler { get; init; }

    /// <summary>Which https servers are believed (--ca-file, else the system's CAs).</summary>
    public Destinations.TlsTrust Tls { get; init; } = Destinations.TlsTrust.System;

    /// <summary>How the source is shown in messages and the log instead of the URL (s3://bucket/prefix).</summary>
    public string? Display { get; init; }
}

/// <summary>What a fetch did.</summary>
public sealed class BackupFetchResult
{
    public required string Directory { get; init; }

    /// <summary>Where it came from, as shown in messages (no password in it).</summary>
    public string Source { get; init; } = "";

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
