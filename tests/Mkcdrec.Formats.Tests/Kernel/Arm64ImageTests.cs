using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using Mkcdrec.Formats.Kernel;

namespace Mkcdrec.Formats.Tests.Kernel;

public class Arm64ImageTests
{
    private const string Banner = "6.1.0-57-arm64 (debian-kernel@lists.debian.org) (gcc-12 (Debian 12.2.0-14+deb12u1) 12.2.0) #1 SMP Debian 6.1.192-3 (2025-11-20)";

    /// <summary>A synthetic Image: the 64-byte header, code, a decoy "Linux version" without a release, then the banner.</summary>
    public static byte[] Image(string? version, uint magic = Arm64Image.Magic, int length = 3 << 20)
    {
        var b = new byte[length];
        BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(16), (ulong)length + 65536);
        BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(Arm64Image.MagicOffset), magic);
        Encoding.ASCII.GetBytes("%s: Linux version  \0").CopyTo(b, 1 << 20);
        if (version is not null)
        {
            Encoding.ASCII.GetBytes("Linux version " + version + "\n\0").CopyTo(b, (2 << 20) + 5);
        }

        return b;
    }

    [Fact]
    public void Reads_the_release_from_the_banner()
    {
        var h = Arm64Image.Read(new MemoryStream(Image(Banner)));
        Assert.Equal(Banner, h.Version);
        Assert.Equal("6.1.0-57-arm64", h.Release);
        Assert.Equal((ulong)(3 << 20) + 65536, h.ImageSize);
    }

    [Fact]
    public void A_gzip_compressed_image_is_read_through_its_compression()
    {
        var z = new MemoryStream();
        using (var g = new GZipStream(z, CompressionLevel.Fastest, leaveOpen: true))
        {
            g.Write(Image(Banner));
        }

        Assert.True(Arm64Image.LooksLikeOne(z.ToArray()));
        z.Position = 0;
        Assert.Equal("6.1.0-57-arm64", Arm64Image.Read(z).Release);
    }

    [Fact]
    public void An_image_without_a_banner_has_no_version_and_other_files_are_refused()
    {
        Assert.Null(Arm64Image.Read(new MemoryStream(Image(null))).Release);
        var e = Assert.Throws<InvalidDataException>(() => Arm64Image.Read(new MemoryStream(Image(Banner, magic: 0x53726448))));
        Assert.Contains("not an arm64 Linux kernel image", e.Message, StringComparison.Ordinal);
        Assert.Contains("only 10 bytes", Assert.Throws<InvalidDataException>(() => Arm64Image.Read(new MemoryStream(new byte[10]))).Message, StringComparison.Ordinal);
        Assert.False(Arm64Image.LooksLikeOne(new byte[64]));
    }

    /// <summary>Debian's own arm64 kernel (.ci/install-deps extracts it): named after the release its banner gives.</summary>
    [Fact]
    public void Reads_debians_arm64_kernel()
    {
        const string boot = "/var/cache/mkcdrec-tools/arm64/root/boot";
        Assert.SkipUnless(Directory.Exists(boot), $"{boot} is missing (.ci/install-deps extracts Debian's arm64 kernel there)");
        var kernel = Directory.GetFiles(boot, "vmlinuz-*").Single();
        using var s = File.OpenRead(kernel);
        var h = Arm64Image.Read(s);
        Assert.Equal(Path.GetFileName(kernel)["vmlinuz-".Length..], h.Release);
        Assert.Contains("debian", h.Version, StringComparison.Ordinal);
        Assert.True(h.ImageSize > (ulong)new FileInfo(kernel).Length, $"image_size {h.ImageSize}");
    }
}
