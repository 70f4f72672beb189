using System.Buffers.Binary;
using System.IO.Compression;
using ZstdSharp;
using ZstdSharp.Unsafe;

namespace Mkcdrec.Formats.Cpio;

public enum InitramfsCompressionKind
{
    None,
    Gzip,
    Zstd,
}

/// <summary>The parts of a zstd frame header the kernel checks before it decompresses an initramfs.</summary>
/// <param name="WindowSize">Bytes of history the decoder must keep (the kernel allocates this).</param>
public readonly record struct ZstdFrameHeader(ulong WindowSize, bool HasChecksum, bool SingleSegment, ulong? ContentSize);

/// <summary>
/// Compressed initramfs output and input. The kernel unpacks gzip and zstd initramfs images (when built
/// with CONFIG_RD_GZIP / CONFIG_RD_ZSTD; both are on in distribution kernels).
/// </summary>
/// <remarks>
/// zstd: levels 1..19 only (window at most 8 MiB) and always the content checksum, so a corrupt image fails
/// loudly at boot; the kernel's constraints are in docs/rescue-formats.md ("Compression").
/// </remarks>
public static class InitramfsCompression
{
    public const int MaxZstdLevel = 19;
    /// <summary>Level 6: measured on the reference rescue image (80.5 MiB cpio), zstd -T2 on this machine: level 3 26.5 MiB
    /// in 0.8 s, 6 24.7 MiB in 2.1 s, 9 23.8 MiB in 3.7 s, 15 23.5 MiB in 16.8 s, 19 21.0 MiB in 64 s. Past 6 each
    /// MiB saved costs many seconds of mkbackup, and under TCG several times that.</summary>
    public const int DefaultZstdLevel = 6;

    /// <summary>The largest zstd window we produce: 8 MiB (window log 23).</summary>
    public const int MaxZstdWindowLog = 23;

    // zstd frame header layout (RFC 8878 section 3.1.1).
    private const uint ZstdMagic = 0xFD2FB528;
    private const int ZstdDescriptorOffset = 4;
    private const int ZstdWindowDescriptorOffset = 5;

    private static ReadOnlySpan<byte> GzipMagic => [0x1f, 0x8b];

    /// <summary>
    /// Wraps <paramref name="output"/> in a compressor; write the cpio archive into the returned stream
    /// and dispose it to finish the compressed stream.
    /// </summary>
    public static Stream OpenCompressor(Stream output, InitramfsCompressionKind kind, int? level = null, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(output);
        switch (kind)
        {
            case InitramfsCompressionKind.None:
                return leaveOpen ? new NonClosingStream(output) : output;
            case InitramfsCompressionKind.Gzip:
                var gzLevel = level switch
                {
                    null => CompressionLevel.Optimal,
                    <= 1 => CompressionLevel.Fastest,
                    >= 9 => CompressionLevel.SmallestSize,
                    _ => CompressionLevel.Optimal,
                };
                return new GZipStream(output, gzLevel, leaveOpen);
            case InitramfsCompressionKind.Zstd:
                var zLevel = level ?? DefaultZstdLevel;
                CheckZstdLevel(zLevel);

                // Levels 1..19 use a window of at most 2^23 bytes by zstd's own parameter tables
                // (levels 20..22 grow it to 32..128 MiB); the tests read the frame header to hold us to it.
                var z = new CompressionStream(output, zLevel, leaveOpen: leaveOpen);
                z.SetParameter(ZSTD_cParameter.ZSTD_c_checksumFlag, 1);
                return z;
            default:
                throw new ArgumentOutOfRangeException(nameof(kind));
        }
    }

    /// <summary>Refuses a zstd level whose window the kernel's initramfs unpacker may not accept (only 1..19).</summary>
    public static void CheckZstdLevel(int level)
    {
        if (level is < 1 or > MaxZstdLevel)
        {
            throw new ArgumentOutOfRangeException(nameof(level), $"zstd level {level}: an initramfs the kernel can unpack needs a level in 1..{MaxZstdLevel} (window at most 8 MiB).");
        }
    }

    /// <summary>Which compression the data starts with (gzip, zstd, or none — an uncompressed cpio archive).</summary>
    public static InitramfsCompressionKind Detect(ReadOnlySpan<byte> start)
    {
        if (start.Length >= 2 && start[..2].SequenceEqual(GzipMagic))
        {
            return InitramfsCompressionKind.Gzip;
        }

        if (start.Length >= 4 && BinaryPrimitives.ReadUInt32LittleEndian(start) == ZstdMagic)
        {
            return InitramfsCompressionKind.Zstd;
        }

        return InitramfsCompressionKind.None;
    }

    /// <summary>Opens a decompressor for an initramfs image of the given kind.</summary>
    public static Stream OpenDecompressor(Stream input, InitramfsCompressionKind kind, bool leaveOpen = false) => kind switch
    {
        InitramfsCompressionKind.None => leaveOpen ? new NonClosingStream(input) : input,
        InitramfsCompressionKind.Gzip => new GZipStream(input, CompressionMode.Decompress, leaveOpen),
        InitramfsCompressionKind.Zstd => new DecompressionStream(input, leaveOpen: leaveOpen),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    /// <summary>Parses a zstd frame header (what the kernel checks before decompressing).</summary>
    public static ZstdFrameHeader ReadZstdFrameHeader(ReadOnlySpan<byte> frame)
    {
        if (frame.Length < ZstdWindowDescriptorOffset || BinaryPrimitives.ReadUInt32LittleEndian(frame) != ZstdMagic)
        {
            throw new InvalidDataException("zstd: no frame magic 28B52FFD at byte offset 0.");
        }

        var fhd = frame[ZstdDescriptorOffset];
        var fcsFlag = fhd >> 6;
        var singleSegment = (fhd & 0x20) != 0;
        var checksum = (fhd & 0x04) != 0;
        var dictIdFlag = fhd & 0x03;
        var pos = ZstdWindowDescriptorOffset;
        ulong window = 0;
        if (!singleSegment)
        {
            if (frame.Length <= pos)
            {
                throw new InvalidDataException($"zstd: frame header truncated at byte offset {pos} (window descriptor).");
            }

            var wd = frame[pos++];
            var windowLog = 10 + (wd >> 3);
            var windowBase = 1UL << windowLog;
            window = windowBase + (windowBase / 8 * (ulong)(wd & 7));
        }

        pos += dictIdFlag switch { 0 => 0, 1 => 1, 2 => 2, _ => 4 };
        var fcsSize = fcsFlag switch { 0 => singleSegment ? 1 : 0, 1 => 2, 2 => 4, _ => 8 };
        ulong? contentSize = null;
        if (fcsSize > 0)
        {
            if (frame.Length < pos + fcsSize)
            {
                throw new InvalidDataException($"zstd: frame header truncated at byte offset {pos} (frame content size).");
            }

            var f = frame.Slice(pos, fcsSize);
            contentSize = fcsSize switch
            {
                1 => f[0],
                2 => BinaryPrimitives.ReadUInt16LittleEndian(f) + 256UL,
                4 => BinaryPrimitives.ReadUInt32LittleEndian(f),
                _ => BinaryPrimitives.ReadUInt64LittleEndian(f),
            };
        }

        if (singleSegment)
        {
            window = contentSize ?? 0;
        }

        return new ZstdFrameHeader(window, checksum, singleSegment, contentSize);
    }

    /// <summary>Passes everything through but leaves the inner stream open on dispose.</summary>
    private sealed class NonClosingStream(Stream inner) : Stream
    {
        public override bool CanRead => inner.CanRead;

        public override bool CanSeek => inner.CanSeek;

        public override bool CanWrite => inner.CanWrite;

        public override long Length => inner.Length;

        public override long Position { get => inner.Position; set => inner.Position = value; }

        public override void Flush() => inner.Flush();

        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);

        public override int Read(Span<byte> buffer) => inner.Read(buffer);

        public override long Seek(long offset, SeekOrigin origin) => inner.Seek(offset, origin);

        public override void SetLength(long value) => inner.SetLength(value);

        public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);

        public override void Write(ReadOnlySpan<byte> buffer) => inner.Write(buffer);
    }
}
