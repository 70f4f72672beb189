using FsCheck.Xunit;
using Mkcdrec.Formats.Partitioning;

namespace Mkcdrec.Formats.Tests.Partitioning;

/// <summary>Write → read → equal, for random valid tables (512- and 4096-byte sectors, tiny to 64 TiB devices).</summary>
public class RoundTripTests
{
    [Property(Arbitrary = [typeof(PartitionArbitraries)], MaxTest = 300)]
    public void Gpt_write_then_read_gives_the_same_table(GptCase c)
    {
        var device = new SparseStream(c.DeviceBytes);
        PartitionTableWriter.Write(device, c.SectorSize, c.DeviceBytes, c.Table);

        var result = PartitionTableReader.Read(device, c.SectorSize, c.DeviceBytes);

        Assert.Equal(PartitionTableKind.Gpt, result.Kind);
        Assert.Empty(result.Warnings);
        Assert.Null(result.Mbr);
        TableAssert.Equal(c.Table, result.Gpt!);
    }

    [Property(Arbitrary = [typeof(PartitionArbitraries)], MaxTest = 100)]
    public void Gpt_read_back_from_the_backup_alone_gives_the_same_partitions(GptCase c)
    {
        var device = new SparseStream(c.DeviceBytes);
        PartitionTableWriter.Write(device, c.SectorSize, c.DeviceBytes, c.Table);
        device.WriteAt(c.SectorSize, new byte[c.SectorSize]); // primary header gone

        var result = PartitionTableReader.Read(device, c.SectorSize, c.DeviceBytes);

        Assert.Equal(PartitionTableKind.Gpt, result.Kind);
        Assert.Contains(result.Warnings, w => w.Contains($"using the backup at LBA {c.DeviceBytes / c.SectorSize - 1}", StringComparison.Ordinal));
        TableAssert.Equal(c.Table, result.Gpt!);
    }

    [Property(Arbitrary = [typeof(PartitionArbitraries)], MaxTest = 100)]
    public void Gpt_rewriting_what_was_read_gives_identical_bytes(GptCase c)
    {
        var first = new SparseStream(c.DeviceBytes);
        PartitionTableWriter.Write(first, c.SectorSize, c.DeviceBytes, c.Table);
        var read = PartitionTableReader.Read(first, c.SectorSize, c.DeviceBytes).Gpt!;
        var second = new SparseStream(c.DeviceBytes);
        PartitionTableWriter.Write(second, c.SectorSize, c.DeviceBytes, read);

        long last = (c.DeviceBytes / c.SectorSize) - 1;
        long head = (c.Table.FirstUsableLba) * c.SectorSize;
        long tail = (c.Table.LastUsableLba + 1) * c.SectorSize;
        Assert.Equal(first.ReadAt(0, (int)head), second.ReadAt(0, (int)head));
        Assert.Equal(first.ReadAt(tail, (int)(((last + 1) * c.SectorSize) - tail)), second.ReadAt(tail, (int)(((last + 1) * c.SectorSize) - tail)));
    }

    [Property(Arbitrary = [typeof(PartitionArbitraries)], MaxTest = 300)]
    public void Mbr_write_then_read_gives_the_same_table(MbrCase c)
    {
        var device = new SparseStream(c.DeviceBytes);
        PartitionTableWriter.Write(device, c.SectorSize, c.DeviceBytes, c.Table);

        var result = PartitionTableReader.Read(device, c.SectorSize, c.DeviceBytes);

        Assert.Equal(PartitionTableKind.Mbr, result.Kind);
        Assert.Empty(result.Warnings);
        Assert.Null(result.Gpt);
        TableAssert.Equal(c.Table, result.Mbr!);
    }

    [Property(Arbitrary = [typeof(PartitionArbitraries)], MaxTest = 100)]
    public void Mbr_writer_places_the_EBRs_itself_when_the_table_does_not_say(MbrCase c)
    {
        var table = c.Table.Clone();
        foreach (var p in table.Partitions)
        {
            p.EbrLba = null;
        }

        var device = new SparseStream(c.DeviceBytes);
        PartitionTableWriter.Write(device, c.SectorSize, c.DeviceBytes, table);
        var result = PartitionTableReader.Read(device, c.SectorSize, c.DeviceBytes);

        Assert.Empty(result.Warnings);
        TableAssert.Equal(table, result.Mbr!, compareEbr: false);
        var logicals = result.Mbr!.Partitions.Where(p => p.IsLogical).OrderBy(p => p.Number).ToList();
        long previousEnd = table.Extended?.StartLba - 1 ?? 0;
        foreach (var l in logicals)
        {
            Assert.InRange(l.EbrLba!.Value, previousEnd + 1, l.StartLba - 1);
            previousEnd = l.LastLba;
        }
    }
}
