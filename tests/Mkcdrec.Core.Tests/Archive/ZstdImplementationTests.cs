using System.Diagnostics;
using Mkcdrec.Core.Archive;

namespace Mkcdrec.Core.Tests.Archive;

/// <summary>The system libzstd stage and the managed ZstdSharp fallback read each other's output, and the zstd CLI reads ours.</summary>
public sealed class ZstdImplementationTests : IDisposable
{
    private readonly string _dir = TreeFixture.NewTempDir();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static byte[] Sample()
    {
        var rnd = new Random(7);
        var data = new byte[24 << 20];
        for (var i = 0; i < data.Length; i += 4096)
        {
            if ((i / 4096) % 3 == 0)
            {
                rnd.NextBytes(data.AsSpan(i, 4096)); // incompressible pages between text-like ones
            }
            else
            {
                for (var j = 0; j < 4096; j++)
                {
                    data[i + j] = (byte)('a' + ((i / 4096) + (j % 61)) % 26);
                }
            }
        }

        return data;
    }

    [Fact]
    public void Uses_the_system_libzstd_here()
    {
        // Debian's base system ships libzstd1; without it the pipeline silently falls back to ZstdSharp.
        Assert.StartsWith("libzstd 1.", ArchivePipeline.ZstdImplementation);
    }

    [Fact]
    public void Native_multithreaded_output_is_read_by_zstd_cli_and_by_zstdsharp()
    {
        var data = Sample();
        var file = Path.Combine(_dir, "x.zst");
        using (var f = File.Create(file))
        using (var z = ArchivePipeline.Compress(f, Compression.Zstd, 3, 2))
        {
            // odd-sized writes, as the tar writer's buffer flushes are not aligned
            for (var off = 0; off < data.Length; off += 777_777)
            {
                z.Write(data.AsSpan(off, Math.Min(777_777, data.Length - off)));
            }
        }

        Assert.True(new FileInfo(file).Length < data.Length * 3 / 4);
        var psi = new ProcessStartInfo("zstd", ["-q", "-t", file]) { RedirectStandardError = true };
        using (var p = Process.Start(psi)!)
        {
            var err = p.StandardError.ReadToEnd();
            p.WaitForExit();
            Assert.True(p.ExitCode == 0, err);
        }

        using (var f = File.OpenRead(file))
        using (var z = new ZstdSharp.DecompressionStream(f))
        {
            Assert.True(ReadAll(z).AsSpan().SequenceEqual(data));
        }

        using (var f = File.OpenRead(file))
        using (var z = ArchivePipeline.Decompress(f, Compression.Zstd))
        {
            Assert.True(ReadAll(z).AsSpan().SequenceEqual(data));
        }
    }

    [Fact]
    public void Zstdsharp_output_is_read_natively_and_truncation_is_an_error()
    {
        var data = Sample();
        var ms = new MemoryStream();
        using (var z = new ZstdSharp.CompressionStream(ms, 3, leaveOpen: true))
        {
            z.Write(data);
        }

        var bytes = ms.ToArray();
        using (var z = ArchivePipeline.Decompress(new MemoryStream(bytes), Compression.Zstd))
        {
            Assert.True(ReadAll(z).AsSpan().SequenceEqual(data));
        }

        var cut = bytes[..(bytes.Length / 2)];
        var e = Record.Exception(() =>
        {
            using var z = ArchivePipeline.Decompress(new MemoryStream(cut), Compression.Zstd);
            ReadAll(z);
        });
        Assert.IsType<InvalidDataException>(e);
        Assert.Contains("ends in the middle of a frame", e.Message);
    }

    [Fact]
    public void The_managed_fallback_says_a_cut_or_damaged_stream_the_way_the_native_stage_does()
    {
        // Hosts without libzstd (a fresh arm64 sysroot had none) read with ZstdSharp: its errors must read the same.
        var data = Sample();
        var ms = new MemoryStream();
        using (var z = new ZstdSharp.CompressionStream(ms, 3, leaveOpen: true))
        {
            z.Write(data);
        }

        var bytes = ms.ToArray();
        var cut = Record.Exception(() => ReadAll(new ManagedZstdReadStream(new MemoryStream(bytes[..(bytes.Length / 2)]))));
        Assert.IsType<InvalidDataException>(cut);
        Assert.Contains("ends in the middle of a frame", cut.Message);

        var damaged = (byte[])bytes.Clone();
        damaged[4] ^= 0xFF; // the frame header descriptor
        var bad = Record.Exception(() => ReadAll(new ManagedZstdReadStream(new MemoryStream(damaged))));
        Assert.IsType<InvalidDataException>(bad);
        Assert.Contains("zstd stream is damaged", bad.Message);
        Assert.True(ReadAll(new ManagedZstdReadStream(new MemoryStream(bytes))).AsSpan().SequenceEqual(data));
    }

    private static byte[] ReadAll(Stream s)
    {
        var ms = new MemoryStream();
        var buf = new byte[100_003];
        int n;
        while ((n = s.Read(buf)) > 0)
        {
            ms.Write(buf, 0, n);
        }

        return ms.ToArray();
    }
}
