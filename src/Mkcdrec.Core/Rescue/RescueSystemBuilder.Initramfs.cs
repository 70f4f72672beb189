using Mkcdrec.Core.Archive;
using Mkcdrec.Core.Platform;
using Mkcdrec.Formats.Cpio;
using ZstdSharp;
using ZstdSharp.Unsafe;

namespace Mkcdrec.Core.Rescue;

/// <summary>The output: the kernel copied and the image tree written as a compressed cpio initramfs.</summary>
public sealed partial class RescueSystemBuilder
{
    /// <summary>Copies the kernel to the work directory (created when missing); returns its path there.</summary>
    private string WriteKernel(string workDirectory, string kernel)
    {
        Directory.CreateDirectory(workDirectory);
        var kernelOut = Path.Combine(workDirectory, KernelFileName);
        using (var src = files.OpenRead(kernel))
        {
            AtomicFile.Write(kernelOut, src.CopyTo);
        }

        return kernelOut;
    }

    /// <summary>Writes the tree as a compressed cpio archive; returns its path, its size and the size of the cpio before compression.</summary>
    private (string Path, long Bytes, long UncompressedBytes) WriteInitramfs(RescueImageTree tree, RescueSystemOptions options)
    {
        var initrd = Path.Combine(options.WorkDirectory, InitramfsFileName);
        long raw = 0;
        AtomicFile.Write(initrd, output =>
        {
            using var z = OpenCompressor(output, options);
            using var w = new CpioWriter(z, leaveOpen: true);
            tree.WriteTo(w, files.OpenRead, DateTimeOffset.UtcNow.ToUnixTimeSeconds());
            w.Finish();
            raw = w.Position;
        });
        return (initrd, new FileInfo(initrd).Length, raw);
    }

    private static Stream OpenCompressor(Stream output, RescueSystemOptions options)
    {
        if (options.Compression == InitramfsCompressionKind.Zstd && NativeZstd.Available)
        {
            // The system's libzstd is 2-3x faster than the managed port at the same level (the archive engine uses it too).
            // The level check and the frame rules (window <= 8 MiB, checksum) are the same as InitramfsCompression's.
            var level = options.CompressionLevel ?? InitramfsCompression.DefaultZstdLevel;
            InitramfsCompression.CheckZstdLevel(level);
            var n = new NativeZstd.CompressStream(output, level, Math.Max(1, Environment.ProcessorCount));
            n.Set(NativeZstd.ChecksumFlag, 1);
            return n;
        }

        var z = InitramfsCompression.OpenCompressor(output, options.Compression, options.CompressionLevel, leaveOpen: true);
        if (z is CompressionStream cs)
        {
            cs.SetParameter(ZSTD_cParameter.ZSTD_c_nbWorkers, Math.Max(1, Environment.ProcessorCount));
        }

        return z;
    }
}
