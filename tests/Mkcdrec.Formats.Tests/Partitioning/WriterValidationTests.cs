using Mkcdrec.Formats.Partitioning;

namespace Mkcdrec.Formats.Tests.Partitioning;

public class WriterValidationTests
{
    private const long DeviceBytes = 64L << 20;

    private static ArgumentException RefusedGpt(GptTable t, int ss = 512, long deviceBytes = DeviceBytes)
    {
        var d = new SparseStream(deviceBytes);
        var e = Assert.Throws<ArgumentException>(() => PartitionTableWriter.Write(d, ss, deviceBytes, t));
        Assert.Equal(0, d.BytesWritten); // validation happens before the first byte is written
        return e;
    }

    private static ArgumentException RefusedMbr(MbrTable t, int ss = 512)
    {
        var d = new SparseStream(DeviceBytes);
        var e = Assert.Throws<ArgumentException>(() => PartitionTableWriter.Write(d, ss, DeviceBytes, t));
        Assert.Equal(0, d.BytesWritten);
        return e;
    }

    [Fact]
    public void Gpt_overlap_is_refused_naming_both_partitions()
    {
        var t = Samples.Gpt(512, DeviceBytes);
        t.Partitions[1].LastLba = t.Partitions[2].FirstLba;
        Assert.Contains("GPT partitions 2 (4096..20480) and 3 (20480..", RefusedGpt(t).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Gpt_partition_outside_usable_range_is_refused()
    {
        var t = Samples.Gpt(512, DeviceBytes);
        t.Partitions[2].LastLba = t.LastUsableLba + 1;
        Assert.Contains("GPT partition 3", RefusedGpt(t).Message, StringComparison.Ordinal);
        t = Samples.Gpt(512, DeviceBytes);
        t.Partitions[0].FirstLba = 33;
        Assert.Contains("is not inside the usable range 34..", RefusedGpt(t).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Gpt_slot_and_guid_rules_are_enforced()
    {
        var t = Samples.Gpt(512, DeviceBytes);
        t.Partitions[1].Number = 1;
        Assert.Contains("number 1 is used twice", RefusedGpt(t).Message, StringComparison.Ordinal);
        t = Samples.Gpt(512, DeviceBytes);
        t.Partitions[1].Number = 129;
        Assert.Contains("outside the 128 slots", RefusedGpt(t).Message, StringComparison.Ordinal);
        t = Samples.Gpt(512, DeviceBytes);
        t.Partitions[1].UniqueGuid = t.Partitions[0].UniqueGuid;
        Assert.Contains("duplicate unique GUID", RefusedGpt(t).Message, StringComparison.Ordinal);
        t = Samples.Gpt(512, DeviceBytes);
        t.Partitions[1].TypeGuid = Guid.Empty;
        Assert.Contains("empty type GUID", RefusedGpt(t).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Gpt_name_longer_than_36_code_units_is_refused()
    {
        var t = Samples.Gpt(512, DeviceBytes);
        t.Partitions[0].Name = new string('x', 35) + "😀"; // 37 UTF-16 code units
        Assert.Contains("at most 36 UTF-16 code units", RefusedGpt(t).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Gpt_for_another_device_size_is_refused_until_fitted()
    {
        var t = Samples.Gpt(512, DeviceBytes);
        Assert.Contains("call FitToDevice", RefusedGpt(t, 512, DeviceBytes * 2).Message, StringComparison.Ordinal);
        Assert.Contains("the backup GPT header must be at the device's last LBA", RefusedGpt(t, 4096).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(512, 34 + 33 + 1, true)]
    [InlineData(512, 34 + 33, false)]
    [InlineData(4096, 6 + 5 + 1, true)]
    [InlineData(4096, 6 + 5, false)]
    public void Create_empty_needs_room_for_one_usable_sector(int ss, long sectors, bool fits)
    {
        if (fits)
        {
            var t = GptTable.CreateEmpty(sectors * ss, ss, Guid.NewGuid());
            Assert.Equal(t.FirstUsableLba, t.LastUsableLba);
        }
        else
        {
            Assert.Throws<ArgumentException>(() => GptTable.CreateEmpty(sectors * ss, ss, Guid.NewGuid()));
        }
    }

    [Fact]
    public void Mbr_overlap_is_refused()
    {
        var t = Samples.Mbr();
        t.Partitions[2].SectorCount = 20000; // partition 3 runs into the extended partition
        Assert.Contains("MBR partitions 3 (12288..32287) and 2 (20000..99999) overlap", RefusedMbr(t).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Mbr_logical_rules_are_enforced()
    {
        var t = Samples.Mbr();
        t.Partitions.RemoveAt(1);
        Assert.Contains("needs an extended partition", RefusedMbr(t).Message, StringComparison.Ordinal);

        t = Samples.Mbr();
        t.Partitions[4].SectorCount = 90000;
        Assert.Contains("is not inside extended partition 2", RefusedMbr(t).Message, StringComparison.Ordinal);

        t = Samples.Mbr();
        t.Partitions[4].Number = 7;
        Assert.Contains("numbered 5, 6, ... without gaps", RefusedMbr(t).Message, StringComparison.Ordinal);

        t = Samples.Mbr();
        t.Partitions[4].EbrLba = 25000; // inside logical 5
        Assert.Contains("needs its EBR (LBA 25000) after the previous logical partition", RefusedMbr(t).Message, StringComparison.Ordinal);

        t = Samples.Mbr();
        t.Partitions.Add(new MbrPartition { Number = 4, Type = 0x0F, StartLba = 110000, SectorCount = 10 });
        Assert.Contains("only one extended partition", RefusedMbr(t).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Mbr_cannot_express_2_tib_with_512_byte_sectors()
    {
        var t = new MbrTable { Partitions = [new MbrPartition { Number = 1, Type = 0x83, StartLba = 2048, SectorCount = 1L << 32 }] };
        var d = new SparseStream(4L << 40);
        var e = Assert.Throws<ArgumentException>(() => PartitionTableWriter.Write(d, 512, 4L << 40, t));
        Assert.Contains("use GPT for larger disks", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Mbr_reserved_types_are_refused()
    {
        var t = new MbrTable { Partitions = [new MbrPartition { Number = 1, Type = 0xEE, StartLba = 1, SectorCount = 100 }] };
        Assert.Contains("0xEE GPT protective", RefusedMbr(t).Message, StringComparison.Ordinal);
    }
}
