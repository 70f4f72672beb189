using System.Buffers.Binary;
using System.Text;
using Mkcdrec.Formats.Kernel;

namespace Mkcdrec.Formats.Tests.Kernel;

public class BzImageTests
{
    /// <summary>A synthetic image: boot sector, setup header, and the version string at pointer + 0x200.</summary>
    private static byte[] Image(string? version, ushort protocol = 0x020F, int setupSects = 27, int pointer = 0x3000, int length = 32 * 1024)
    {
        var b = new byte[length];
        b[0x1F1] = (byte)setupSects;
        BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(0x1FE), 0xAA55);
        Encoding.ASCII.GetBytes("HdrS").CopyTo(b, 0x202);
        BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(0x206), protocol);
        if (version is not null)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(0x20E), (ushort)pointer);
            Encoding.ASCII.GetBytes(version + "\0").CopyTo(b, pointer + 0x200);
        }

        return b;
    }

    [Fact]
    public void Reads_the_release_from_the_kernel_version_string()
    {
        const string v = "6.1.0-56-amd64 (debian-kernel@lists.debian.org) #1 SMP PREEMPT_DYNAMIC Debian 6.1.158-1 (2025-11-09)";
        var h = BzImage.Read(Image(v));
        Assert.Equal(v, h.Version);
        Assert.Equal("6.1.0-56-amd64", h.Release);
        Assert.Equal("2.15", h.BootProtocolText);
        Assert.Equal(27, h.SetupSectors);
    }

    [Fact]
    public void A_zero_pointer_or_an_old_protocol_means_no_version()
    {
        Assert.Null(BzImage.Read(Image(null)).Version);
        Assert.Null(BzImage.Read(Image("5.10.0", protocol: 0x0104)).Release);
    }

    [Theory]
    [InlineData(0x1FE, "boot sector signature")]
    [InlineData(0x202, "HdrS")]
    public void Not_a_kernel_is_refused_saying_why(int corrupt, string expected)
    {
        var b = Image("6.1.0");
        b[corrupt] ^= 0xFF;
        var e = Assert.Throws<InvalidDataException>(() => BzImage.Read(b));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void A_pointer_past_the_setup_code_or_an_unterminated_string_is_refused()
    {
        Assert.Contains("past the setup code", Assert.Throws<InvalidDataException>(() => BzImage.Read(Image("6.1.0", setupSects: 4, pointer: 0x3000))).Message);
        var b = Image("6.1.0");
        b.AsSpan(0x3200).Fill((byte)'x');
        Assert.Contains("not NUL-terminated", Assert.Throws<InvalidDataException>(() => BzImage.Read(b)).Message);
        Assert.Contains("only 16 bytes", Assert.Throws<InvalidDataException>(() => BzImage.Read(new byte[16])).Message);
    }

    [Fact]
    public void Agrees_with_file_about_the_installed_kernels()
    {
        var kernels = Directory.Exists("/boot") ? Directory.GetFiles("/boot", "vmlinuz-*") : [];
        Assert.SkipWhen(kernels.Length == 0, "no /boot/vmlinuz-* on this machine");
        foreach (var k in kernels)
        {
            using var s = File.OpenRead(k);
            var h = BzImage.Read(s);
            // Debian names the file after the release: /boot/vmlinuz-<uname -r>.
            Assert.Equal(Path.GetFileName(k)["vmlinuz-".Length..], h.Release);
        }
    }
}
