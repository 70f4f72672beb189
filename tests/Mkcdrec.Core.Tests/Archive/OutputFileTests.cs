using System.Runtime.InteropServices;
using Mkcdrec.Platform.Linux;

namespace Mkcdrec.Core.Tests.Archive;

/// <summary>
/// Volume files are written around the page cache (O_DIRECT) where the file system allows it. Whatever the mix of
/// aligned and unaligned writes, and on a file system without O_DIRECT, the file holds exactly the bytes written.
/// </summary>
public sealed unsafe class OutputFileTests
{
    private static string FsType(string dir) => Archive.TreeFixture.Sh($"stat -f -c %T '{dir}'").Trim();

    [Theory]
    [InlineData("/var/tmp")] // ext4 on the machines the tests run on: O_DIRECT
    [InlineData("/dev/shm")] // tmpfs: no O_DIRECT before Linux 6.6, the writes go through the page cache
    public void The_file_holds_exactly_what_was_written(string parent)
    {
        var dir = Path.Combine(parent, "mkcdrec-test-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(dir);
        var aligned = (byte*)NativeMemory.AlignedAlloc(3 << 20, 4096);
        try
        {
            var rnd = new Random(7);
            var expected = new MemoryStream();
            var path = Path.Combine(dir, "volume.001");
            using (var f = new FileSystemAccess().CreateOutputFile(path))
            {
                if (FsType(parent) == "ext2/ext3")
                {
                    Assert.True(f.BypassesPageCache, "ext4 takes O_DIRECT: the volume should be written around the page cache");
                }

                // aligned memory of whole blocks (the fast path), odd sizes, a block's worth from an odd address, a 5 MiB
                // write that fills the buffer and goes on, aligned memory again after the buffer holds something.
                var alignedSpan = new Span<byte>(aligned, 3 << 20);
                rnd.NextBytes(alignedSpan);
                foreach (var (len, useAligned, skip) in new[] { (1 << 20, true, 0), (1, false, 0), (4095, false, 0), (8192, true, 0), (4096, true, 1), (5 << 20, false, 0), (12345, true, 0), (3 << 20, true, 0), (0, false, 0), (777, false, 0) })
                {
                    byte[] data;
                    if (useAligned)
                    {
                        data = alignedSpan.Slice(skip, Math.Min(len, alignedSpan.Length - skip)).ToArray();
                        f.Write(alignedSpan.Slice(skip, data.Length));
                    }
                    else
                    {
                        data = new byte[len];
                        rnd.NextBytes(data);
                        f.Write(data);
                    }

                    expected.Write(data);
                }

                f.Commit();
            }

            var actual = File.ReadAllBytes(path);
            Assert.Equal(expected.Length, actual.Length);
            Assert.True(expected.ToArray().AsSpan().SequenceEqual(actual), "the file's bytes differ from what was written");
        }
        finally
        {
            NativeMemory.AlignedFree(aligned);
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Writes_to_a_file_in_direct_io_that_are_not_aligned_go_through_the_cache_instead()
    {
        var dir = Path.Combine("/var/tmp", "mkcdrec-test-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(dir);
        var aligned = (byte*)NativeMemory.AlignedAlloc(1 << 20, 4096);
        try
        {
            var fs = new FileSystemAccess();
            var path = Path.Combine(dir, "file");
            var fd = fs.CreateFile(System.Text.Encoding.UTF8.GetBytes(path), 0x180);
            var expected = new MemoryStream();
            try
            {
                var direct = fs.TrySetDirect(fd);
                if (FsType("/var/tmp") == "ext2/ext3")
                {
                    Assert.True(direct, "ext4 takes O_DIRECT");
                }

                var block = new Span<byte>(aligned, 1 << 20);
                new Random(5).NextBytes(block);
                fs.WriteAll(fd, block);             // whole aligned blocks: direct
                expected.Write(block);
                var odd = new byte[1001];
                new Random(6).NextBytes(odd);
                fs.WriteAll(fd, odd);               // refused by O_DIRECT (EINVAL): written through the cache
                expected.Write(odd);
                fs.WriteAll(fd, block[..8192]);     // the offset is unaligned now: through the cache too
                expected.Write(block[..8192]);
            }
            finally
            {
                fs.Close(fd);
            }

            Assert.True(expected.ToArray().AsSpan().SequenceEqual(File.ReadAllBytes(path)), "the file's bytes differ from what was written");
        }
        finally
        {
            NativeMemory.AlignedFree(aligned);
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void A_file_abandoned_without_commit_is_closed_without_error()
    {
        var dir = Archive.TreeFixture.NewTempDir();
        try
        {
            var path = Path.Combine(dir, "volume.001");
            using (var f = new FileSystemAccess().CreateOutputFile(path))
            {
                f.Write(new byte[10_000]);
            }

            Assert.True(File.Exists(path));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void A_destination_that_cannot_be_created_names_the_file()
    {
        var e = Assert.Throws<Mkcdrec.Core.Platform.FileSystemException>(() => new FileSystemAccess().CreateOutputFile("/nonexistent-dir-mkcdrec/volume.001"));
        Assert.Contains("/nonexistent-dir-mkcdrec/volume.001", e.Message);
    }
}
