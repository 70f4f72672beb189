using System.IO.Compression;
using ZstdSharp;
using ZstdSharp.Unsafe;

namespace Mkcdrec.Core.Archive;

/// <summary>The compression stages, both directions.</summary>
public static class ArchivePipeline
{
    public static string Extension(Compression c) => c switch
    {
        Compression.Zstd => ".zst",
        Compression.Gzip => ".gz",
        _ => "",
    };

    public static string Name(Compression c) => c switch
    {
        Compression.Zstd => "zstd",
        Compression.Gzip => "gzip",
        _ => "none",
    };

    /// <summary>The names <see cref="Parse"/> takes, for shell completion.</summary>
    public static IEnumerable<string> Names => Enum.GetValues<Compression>().Select(Name);

    public static Compression Parse(string name) => name.ToLowerInvariant() switch
    {
        "zstd" or "zst" => Compression.Zstd,
        "gzip" or "gz" => Compression.Gzip,
        "none" => Compression.None,
        _ => throw new MkcdrecException(ExitCode.Usage, $"Unknown compression '{name}'.", "Use zstd, gzip or none."),
    };

    public static int DefaultLevel(Compression c) => c switch
    {
        Compression.Zstd => 3,
        Compression.Gzip => 6,
        _ => 0,
    };

    /// <summary>"libzstd 1.5.4" or "ZstdSharp (managed)": which zstd implementation this process uses.</summary>
    public static string ZstdImplementation => NativeZstd.Available ? "libzstd " + NativeZstd.Version : "ZstdSharp (managed)";

    /// <summary>Releases a compression stage without finishing its output (after a failure).</summary>
    public static void Abandon(Stream compressor)
    {
        if (compressor is NativeZstd.CompressStream n)
        {
            n.Abandon();
        }
    }

    public static Stream Compress(Stream output, Compression c, int level, int threads)
    {
        switch (c)
        {
            case Compression.Zstd:
                if (level is < 1 or > 22)
                {
                    throw new MkcdrecException(ExitCode.Usage, $"zstd level {level} is out of range.", "Use a level from 1 to 19 (20-22 need much memory).");
                }

                var workers = threads > 0 ? threads : Environment.ProcessorCount;
                if (NativeZstd.Available)
                {
                    return new NativeZstd.CompressStream(output, level, workers);
                }

                var z = new CompressionStream(output, level, 4 << 20, leaveOpen: true);
                if (workers > 1)
                {
                    z.SetParameter(ZSTD_cParameter.ZSTD_c_nbWorkers, workers);
                }

                return z;
            case Compression.Gzip:
                if (level is < 1 or > 9)
                {
                    throw new MkcdrecException(ExitCode.Usage, $"gzip level {level} is out of range.", "Use a level from 1 to 9.");
                }

                return new GZipStream(output, new ZLibCompressionOptions { CompressionLevel = level }, leaveOpen: true);
            default:
                return output;
        }
    }

    public static Stream Decompress(Stream input, Compression c) => c switch
    {
        Compression.Zstd => NativeZstd.Available
            ? new NativeZstd.DecompressStream(input)
            : new ManagedZstdReadStream(input),
        Compression.Gzip => new GZipStream(input, CompressionMode.Decompress, leaveOpen: true),
        _ => input,
    };
}
