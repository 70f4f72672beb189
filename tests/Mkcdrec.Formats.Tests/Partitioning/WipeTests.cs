using Mkcdrec.Formats.Partitioning;

namespace Mkcdrec.Formats.Tests.Partitioning;

public class WipeTests
{
    [Theory]
    [InlineData(512, 64L << 20)]
    [InlineData(4096, 64L << 20)]
    [InlineData(512, (64L << 20) + 512)] // a size that is not a multiple of 4096
    public void Wiping_removes_gpt_for_any_sector_size_but_keeps_partition_data(int ss, long size)
    {
        var t = Samples.Gpt(ss, size);
        var d = Samples.Written(t, ss, size);
        long dataOffset = t.Partitions[0].FirstLba * ss;
        d.WriteAt(dataOffset, "data"u8);

        PartitionTableWriter.WipeTables(d, size);

        foreach (int readAs in new[] { 512, 4096 })
        {
            var result = PartitionTableReader.Read(d, readAs, size);
            Assert.Equal(PartitionTableKind.None, result.Kind);
            Assert.Empty(result.Warnings);
        }

        Assert.False(GptHeader.HasSignature(d.ReadAt((size / 512 * 512) - 512, 8)));
        Assert.Equal("data"u8.ToArray(), d.ReadAt(dataOffset, 4));
    }

    [Fact]
    public void Wiping_removes_an_mbr()
    {
        const long size = 64L << 20;
        var d = new SparseStream(size);
        PartitionTableWriter.Write(d, 512, size, Samples.Mbr());

        PartitionTableWriter.WipeTables(d, size);

        Assert.Equal(PartitionTableKind.None, PartitionTableReader.Read(d, 512, size).Kind);
    }
}
