using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace Mkcdrec.Formats.Kernel;

/// <summary>What an arm64 kernel Image says about itself.</summary>
/// <param name="ImageSize">image_size: the bytes the kernel needs from its load address (0 for kernels before 3.17).</param>
/// <param name="Version">The banner after "Linux version " up to its end of line ("6.1.0-57-arm64 (debian-kernel@…) …"), or null.</param>
public sealed record Arm64ImageHeader(ulong ImageSize, string? Version)
{
    /// <summary>The release as <c>uname -r</c> prints it: the version's first word (the /lib/modules directory name).</summary>
    public string? Release => Version is null ? null : Version.Split(' ', 2)[0];
}

/// <summary>
/// Reads an arm64 Linux kernel Image (Documentation/arch/arm64/booting.rst): a 64-byte header with image_size at 16 and
/// the magic "ARM\x64" at 56, and no pointer to a version string, so the release is taken from the kernel's banner
/// ("Linux version RELEASE (…") in its read-only data. A gzip-compressed Image (vmlinuz of some distributions) is
/// read through its compression.
/// </summary>
public static class Arm64Image
{
    public const int HeaderSize = 64;
    public const int MagicOffset = 56;
    public const uint Magic = 0x644D5241; // "ARM\x64" little-endian
    private const int MaxVersionLength = 512;
    private static readonly byte[] Banner = "Linux version "u8.ToArray();

    /// <summary>True when the first bytes are an arm64 Image header, or gzip (which may hold one: <see cref="Read"/> says).</summary>
    public static bool LooksLikeOne(ReadOnlySpan<byte> head) =>
        (head.Length >= HeaderSize && BinaryPrimitives.ReadUInt32LittleEndian(head[MagicOffset..]) == Magic) || IsGzip(head);

    /// <summary>Reads the header and finds the banner; a gzip-compressed Image needs a seekable stream (a file).</summary>
    /// <exception cref="InvalidDataException">Not an arm64 Image (or a gzip stream holding none).</exception>
    public static Arm64ImageHeader Read(Stream image)
    {
        ArgumentNullException.ThrowIfNull(image);
        var head = new byte[HeaderSize];
        var n = image.ReadAtLeast(head, HeaderSize, throwOnEndOfStream: false);
        if (IsGzip(head.AsSpan(0, n)) && image.CanSeek)
        {
            image.Seek(-n, SeekOrigin.Current);
            using var unzipped = new GZipStream(image, CompressionMode.Decompress, leaveOpen: true);
            return Read(unzipped);
        }

        if (n < HeaderSize)
        {
            throw new InvalidDataException($"arm64 Image: only {n} bytes; its header is {HeaderSize}.");
        }

        var magic = BinaryPrimitives.ReadUInt32LittleEndian(head.AsSpan(MagicOffset));
        if (magic != Magic)
        {
            throw new InvalidDataException($"arm64 Image: the magic at byte {MagicOffset} is 0x{magic:X8}, not 0x{Magic:X8} (\"ARM\\x64\"): not an arm64 Linux kernel image.");
        }

        return new Arm64ImageHeader(BinaryPrimitives.ReadUInt64LittleEndian(head.AsSpan(16)), FindVersion(new BufferedStream(image, 1 << 20)));
    }

    private static bool IsGzip(ReadOnlySpan<byte> head) => head.Length >= 2 && head[0] == 0x1F && head[1] == 0x8B;

    /// <summary>The text after the first "Linux version " up to the end of its line, when it is printable.</summary>
    private static string? FindVersion(Stream s)
    {
        var matched = 0;
        int b;
        while ((b = s.ReadByte()) >= 0)
        {
            matched = b == Banner[matched] ? matched + 1 : (b == Banner[0] ? 1 : 0);
            if (matched < Banner.Length)
            {
                continue;
            }

            var text = new StringBuilder();
            while ((b = s.ReadByte()) is > 0 and not '\n' && text.Length < MaxVersionLength)
            {
                text.Append((char)b);
            }

            var v = text.ToString();
            if (v.Length > 0 && !v.StartsWith(' ') && v.All(c => c is >= ' ' and <= '~'))
            {
                return v;
            }

            matched = 0;
        }

        return null;
    }
}
