using System.Globalization;
using Mkcdrec.Model.Manifest;

namespace Mkcdrec.Core.Archive;

public enum Compression
{
    Zstd,
    Gzip,
    None,
}

/// <summary>What the engine tells its caller as it goes (DESIGN #5): progress and per-item problems. Every method has a no-op default.</summary>
public interface IArchiveEvents
{
    /// <summary>Called now and then with running totals.</summary>
    void Progress(long entries, long bytes, string currentPath)
    {
    }

    /// <summary>What the run will process in total, when known beforehand (extract: from the manifest), for a percentage.</summary>
    void Totals(long entries, long bytes)
    {
    }

    /// <summary>A problem with one item that did not stop the run (vanished, changed, skipped socket, unreadable).</summary>
    void Problem(string path, string message)
    {
    }

    /// <summary>A step begins (for logs).</summary>
    void Step(string message)
    {
    }
}

public sealed class NullArchiveEvents : IArchiveEvents
{
    public static readonly NullArchiveEvents Instance = new();
}

public sealed record CreateOptions
{
    public required string Root { get; init; }

    public required string Destination { get; init; }

    public string FilesystemId { get; init; } = "root";

    public Compression Compression { get; init; } = Compression.Zstd;

    /// <summary>Compression level: zstd 1..19 (default 3), gzip 1..9 (default 6).</summary>
    public int? Level { get; init; }

    /// <summary>Compression threads (zstd workers); 0 = one per processor.</summary>
    public int Threads { get; init; }

    /// <summary>Encrypt with this passphrase (raw bytes); null = no encryption.</summary>
    public byte[]? Passphrase { get; init; }

    public int Iterations { get; init; } = Formats.Crypto.OpenSslEnc.DefaultIterations;

    /// <summary>Maximum bytes per volume; 0 = one volume.</summary>
    public long VolumeSize { get; init; }

    public IReadOnlyList<string> Excludes { get; init; } = [];

    public bool DefaultExcludes { get; init; } = true;

    public long ChunkSize { get; init; } = 16 << 20;

    /// <summary>
    /// Make an increment on top of this archive of the parent backup (same filesystem id and excludes): only what
    /// changed since it is archived, the rest listed as unchanged; directories carry GNU dumpdirs (docs/incremental.md).
    /// A task: the parent's manifest may still be read while the walk starts listing the tree (waited for at the root).
    /// </summary>
    public Task<ParentArchive>? Parent { get; init; }

    /// <summary>The manifest file (in <see cref="Destination"/>) the archive is recorded in; a whole-system backup records into a
    /// staging name and renames it to manifest.json when every archive is done.</summary>
    public string ManifestName { get; init; } = Model.Manifest.BackupFiles.Manifest;

    /// <summary>Where the volumes go, by file name, when not into <see cref="Destination"/> (a destination off the machine):
    /// each is streamed there as it is produced and nothing is staged or moved locally.</summary>
    public Func<string, Platform.IOutputFile>? VolumeSink { get; init; }
}

public static class VolumeSizes
{
    /// <summary>The media sizes <see cref="Parse"/> knows by name, for shell completion.</summary>
    public static readonly IReadOnlyList<string> Names = ["cd", "dvd", "dvd-dl", "bd", "bd-dl"];

    /// <summary>Parses cd, dvd, dvd-dl, bd, bd-dl or a byte count with an optional K/M/G/T suffix (powers of 1024).</summary>
    public static long Parse(string text)
    {
        var t = text.Trim().ToLowerInvariant();
        switch (t)
        {
            case "cd":
                return 700L * 1024 * 1024;
            case "dvd":
                return 4_700_000_000L - (64L << 20); // a DVD holds 4.7e9 bytes; keep room for the ISO's own structures
            case "dvd-dl":
                return 8_500_000_000L - (64L << 20);
            case "bd":
                return 25_000_000_000L - (256L << 20);
            case "bd-dl":
                return 50_000_000_000L - (256L << 20);
        }

        long mult = 1;
        if (t.Length > 0 && "kmgt".Contains(t[^1], StringComparison.Ordinal))
        {
            mult = t[^1] switch { 'k' => 1L << 10, 'm' => 1L << 20, 'g' => 1L << 30, _ => 1L << 40 };
            t = t[..^1];
        }

        if (!long.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n <= 0)
        {
            throw new MkcdrecException(ExitCode.Usage, $"'{text}' is not a volume size.", "Use cd, dvd, dvd-dl, bd, bd-dl or a number of bytes (suffixes K, M, G, T).");
        }

        var bytes = n * mult;
        if (bytes < 1 << 20)
        {
            throw new MkcdrecException(ExitCode.Usage, $"Volume size {bytes} bytes is too small.", "Use at least 1M.");
        }

        // ISO9660 level 1/2 cannot hold a file of 4 GiB or more; keep every volume under it unless asked for bd.
        return bytes;
    }

    /// <summary>The largest file ISO9660 (without level 3 multi-extent) can hold.</summary>
    public const long Iso9660MaxFile = (4L << 30) - 1;
}
