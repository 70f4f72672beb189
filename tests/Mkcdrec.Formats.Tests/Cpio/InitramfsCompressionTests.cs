using System.Text;
using Mkcdrec.Formats.Cpio;
using Mkcdrec.Tests.Shared;

namespace Mkcdrec.Formats.Tests.Cpio;

public class InitramfsCompressionTests
{
    private static readonly string[] Names = ["etc", "etc/random", "etc/text", "bin", "bin/sh"];

    /// <summary>An archive with incompressible and compressible data, written through the compressor.</summary>
    private static byte[] Compressed(InitramfsCompressionKind kind, int? level, int size = 1 << 20)
    {
        var random = new byte[size];
        new Random(42).NextBytes(random);
        var text = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Range(0, size / 16).Select(i => $"line {i % 977}\n")));
        var ms = new MemoryStream();
        using (var z = InitramfsCompression.OpenCompressor(ms, kind, level, leaveOpen: true))
        using (var w = new CpioWriter(z, leaveOpen: true))
        {
            w.AddDirectory("etc");
            w.AddFile("etc/random", new MemoryStream(random), random.Length);
            w.AddFile("etc/text", text);
            w.AddDirectory("bin");
            w.AddSymlink("bin/sh", "busybox");
        }

        return ms.ToArray();
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(19)]
    public void Zstd_frames_have_a_kernel_sized_window_and_a_checksum(int level)
    {
        var z = Compressed(InitramfsCompressionKind.Zstd, level, level == 19 ? 256 << 10 : 1 << 20);
        Assert.Equal(InitramfsCompressionKind.Zstd, InitramfsCompression.Detect(z));
        var h = InitramfsCompression.ReadZstdFrameHeader(z);
        Assert.True(h.HasChecksum);
        Assert.InRange(h.WindowSize, 1UL, 8UL << 20);

        // And our own decompressor reads it back.
        using var r = new CpioReader(InitramfsCompression.OpenDecompressor(new MemoryStream(z), InitramfsCompressionKind.Zstd));
        Assert.Equal(Names, r.ReadAll().Select(e => e.Name));
    }

    [Fact]
    public void Zstd_levels_the_kernel_may_not_accept_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => InitramfsCompression.OpenCompressor(new MemoryStream(), InitramfsCompressionKind.Zstd, 20));
        Assert.Throws<ArgumentOutOfRangeException>(() => InitramfsCompression.OpenCompressor(new MemoryStream(), InitramfsCompressionKind.Zstd, 0));
    }

    [Fact]
    public void Zstd_output_decompresses_with_zstd_and_lists_with_cpio()
    {
        Tool.SkipUnlessTool("zstd");
        Tool.SkipUnlessTool("cpio");
        var z = Compressed(InitramfsCompressionKind.Zstd, 3);
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllBytes(file, z);
            Tool.Checked("zstd", ["-t", "-q", file]);
            var info = Tool.Checked("zstd", ["-lv", file]).StdOut;
            Assert.Contains("XXH64", info, StringComparison.Ordinal);
            var raw = Tool.Checked("zstd", ["-d", "-c", "-q", file]).StdOutBytes;
            Assert.Equal(Names, Tool.Checked("cpio", ["-t", "--quiet"], stdin: raw).StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.Equal(Names, CpioReader.ReadAll(raw).Select(e => e.Name));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void Gzip_output_decompresses_with_gzip_and_lists_with_cpio()
    {
        Tool.SkipUnlessTool("gzip");
        Tool.SkipUnlessTool("cpio");
        var gz = Compressed(InitramfsCompressionKind.Gzip, null);
        Assert.Equal(InitramfsCompressionKind.Gzip, InitramfsCompression.Detect(gz));
        Tool.Checked("gzip", ["-t"], stdin: gz);
        var raw = Tool.Checked("gzip", ["-d", "-c"], stdin: gz).StdOutBytes;
        Assert.Equal(Names, Tool.Checked("cpio", ["-t", "--quiet"], stdin: raw).StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Theory]
    [InlineData("zstd", InitramfsCompressionKind.Zstd)]
    [InlineData("gzip", InitramfsCompressionKind.Gzip)]
    public void Images_compressed_by_the_real_tools_are_read(string tool, InitramfsCompressionKind kind)
    {
        Tool.SkipUnlessTool(tool);
        var raw = Compressed(InitramfsCompressionKind.None, null, 1 << 16);
        Assert.Equal(InitramfsCompressionKind.None, InitramfsCompression.Detect(raw));
        var packed = Tool.Checked(tool, ["-c", "-q"], stdin: raw).StdOutBytes;
        var detected = InitramfsCompression.Detect(packed);
        Assert.Equal(kind, detected);
        using var r = new CpioReader(InitramfsCompression.OpenDecompressor(new MemoryStream(packed), detected));
        Assert.Equal(Names, r.ReadAll().Select(e => e.Name));
    }

    [Fact]
    public void Frame_header_parser_matches_what_zstd_reports()
    {
        Tool.SkipUnlessTool("zstd");
        // zstd -19 on a large input: the frame's window as zstd -lv prints it must be what we parse.
        var raw = Compressed(InitramfsCompressionKind.None, null, 1 << 20);
        var packed = Tool.Checked("zstd", ["-c", "-q", "-19", "--no-content-size"], stdin: raw).StdOutBytes;
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllBytes(file, packed);
            var info = Tool.Checked("zstd", ["-lv", file]).StdOut;
            var h = InitramfsCompression.ReadZstdFrameHeader(packed);
            var m = System.Text.RegularExpressions.Regex.Match(info, @"Window Size:\s*([\d.]+)\s*(\w+)\s*\((\d+) B\)");
            Assert.True(m.Success, info);
            Assert.Equal(ulong.Parse(m.Groups[3].Value), h.WindowSize);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
