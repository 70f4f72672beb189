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
