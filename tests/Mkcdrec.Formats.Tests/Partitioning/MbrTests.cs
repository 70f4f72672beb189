using System.Buffers.Binary;
using Mkcdrec.Formats.Partitioning;

namespace Mkcdrec.Formats.Tests.Partitioning;

public class MbrTests
{
    private const long DeviceBytes = 64L << 20;

    private static (uint Start, uint Size, byte Type, byte Status) Entry(byte[] sector, int index)
    {
        var e = sector.AsSpan(446 + (16 * index), 16);
        return (BinaryPrimitives.ReadUInt32LittleEndian(e[8..]), BinaryPrimitives.ReadUInt32LittleEndian(e[12..]), e[4], e[0]);
    }

    [Fact]
    public void Extended_and_logicals_are_written_as_an_ebr_chain_with_relative_offsets()
    {
        var t = Samples.Mbr();
        t.Partitions[4].EbrLba = 27952; // where sfdisk put it
        var d = new SparseStream(DeviceBytes);
        PartitionTableWriter.Write(d, 512, DeviceBytes, t);

        var mbr = d.ReadAt(0, 512);
        Assert.Equal(0x12345678u, BinaryPrimitives.ReadUInt32LittleEndian(mbr.AsSpan(440)));
        Assert.Equal((2048u, 10000u, (byte)0x83, (byte)0x80), Entry(mbr, 0));
        Assert.Equal((20000u, 80000u, (byte)0x05, (byte)0), Entry(mbr, 1));
        Assert.Equal((12288u, 7000u, (byte)0x07, (byte)0), Entry(mbr, 2));
        Assert.Equal((0u, 0u, (byte)0, (byte)0), Entry(mbr, 3));
        Assert.Equal(new byte[] { 0x55, 0xAA }, mbr[510..]);
        // CHS of LBA 2048 with 255 heads / 63 sectors: head 32, sector 33, cylinder 0 (as sfdisk writes it).
        Assert.Equal(new byte[] { 0x20, 0x21, 0x00 }, mbr[447..450]);

        // First EBR at the extended start: logical 5 relative to this EBR, link relative to the extended start.
        var ebr1 = d.ReadAt(20000L * 512, 512);
        Assert.Equal((2048u, 5000u, (byte)0x82, (byte)0), Entry(ebr1, 0));
        Assert.Equal((7952u, 8048u, (byte)0x05, (byte)0), Entry(ebr1, 1));
        Assert.Equal(new byte[] { 0x55, 0xAA }, ebr1[510..]);
        var ebr2 = d.ReadAt(27952L * 512, 512);
        Assert.Equal((2048u, 6000u, (byte)0x83, (byte)0), Entry(ebr2, 0));
        Assert.Equal((0u, 0u, (byte)0, (byte)0), Entry(ebr2, 1));

        var read = PartitionTableReader.Read(d, 512, DeviceBytes);
        Assert.Equal(PartitionTableKind.Mbr, read.Kind);
        Assert.Empty(read.Warnings);
        TableAssert.Equal(t, read.Mbr!);
        Assert.True(read.Mbr!.Find(2)!.IsExtended);
        Assert.True(read.Mbr.Find(6)!.IsLogical);
        Assert.Equal(20000, read.Mbr.Find(5)!.EbrLba);
    }

    [Fact]
    public void Writer_puts_an_ebr_one_mib_before_a_logical_like_fdisk()
    {
        var t = Samples.Mbr();
        var d = new SparseStream(DeviceBytes);
        PartitionTableWriter.Write(d, 512, DeviceBytes, t);
        Assert.Equal(30000 - 2048, PartitionTableReader.Read(d, 512, DeviceBytes).Mbr!.Find(6)!.EbrLba);
    }

    [Fact]
    public void Empty_extended_partition_gets_an_empty_ebr()
    {
        var t = new MbrTable { Partitions = [new MbrPartition { Number = 1, Type = 0x0F, StartLba = 4096, SectorCount = 8000 }] };
        var d = new SparseStream(DeviceBytes);
        d.WriteAt(4096L * 512, Enumerable.Repeat((byte)0xAB, 512).ToArray()); // garbage where the EBR goes
        PartitionTableWriter.Write(d, 512, DeviceBytes, t);

        var ebr = d.ReadAt(4096L * 512, 512);
        Assert.All(ebr[..510], b => Assert.Equal(0, b));
        var read = PartitionTableReader.Read(d, 512, DeviceBytes);
        Assert.Single(read.Mbr!.Partitions);
    }

    [Fact]
    public void Ebr_loop_is_detected()
    {
        var t = Samples.Mbr();
        var d = new SparseStream(DeviceBytes);
        PartitionTableWriter.Write(d, 512, DeviceBytes, t);
        // Make the second EBR link back to the first (relative offset 0 is invalid, so link to itself: offset 7952).
        var ebr2Lba = PartitionTableReader.Read(d, 512, DeviceBytes).Mbr!.Find(6)!.EbrLba!.Value;
        var ebr2 = d.ReadAt(ebr2Lba * 512, 512);
        ebr2[446 + 16 + 4] = 0x05;
        BinaryPrimitives.WriteUInt32LittleEndian(ebr2.AsSpan(446 + 16 + 8), (uint)(ebr2Lba - 20000));
        BinaryPrimitives.WriteUInt32LittleEndian(ebr2.AsSpan(446 + 16 + 12), 100);
        d.WriteAt(ebr2Lba * 512, ebr2);

        var e = Assert.Throws<InvalidDataException>(() => PartitionTableReader.Read(d, 512, DeviceBytes));

        Assert.Contains($"the EBR chain loops: the EBR at LBA {ebr2Lba} links back to LBA {ebr2Lba}", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Ebr_loop_back_to_the_first_ebr_is_detected()
    {
        var t = Samples.Mbr();
        t.Partitions.Add(new MbrPartition { Number = 7, Type = 0x83, StartLba = 50000, SectorCount = 100 });
        var d = new SparseStream(DeviceBytes);
        PartitionTableWriter.Write(d, 512, DeviceBytes, t);
        var ebr3Lba = PartitionTableReader.Read(d, 512, DeviceBytes).Mbr!.Find(7)!.EbrLba!.Value;
        var ebr3 = d.ReadAt(ebr3Lba * 512, 512);
        ebr3[446 + 16 + 4] = 0x05;
        // Relative offset pointing at the second EBR.
        var ebr2Lba = PartitionTableReader.Read(d, 512, DeviceBytes).Mbr!.Find(6)!.EbrLba!.Value;
        BinaryPrimitives.WriteUInt32LittleEndian(ebr3.AsSpan(446 + 16 + 8), (uint)(ebr2Lba - 20000));
        BinaryPrimitives.WriteUInt32LittleEndian(ebr3.AsSpan(446 + 16 + 12), 100);
        d.WriteAt(ebr3Lba * 512, ebr3);

        var e = Assert.Throws<InvalidDataException>(() => PartitionTableReader.Read(d, 512, DeviceBytes));
        Assert.Contains("loops", e.Message, StringComparison.Ordinal);
        Assert.Contains($"LBA {ebr2Lba}", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Ebr_without_signature_says_where()
    {
        var t = Samples.Mbr();
        var d = new SparseStream(DeviceBytes);
        PartitionTableWriter.Write(d, 512, DeviceBytes, t);
        long ebr2 = 30000 - 2048;
        d.WriteAt((ebr2 * 512) + 510, new byte[2]);

        var e = Assert.Throws<InvalidDataException>(() => PartitionTableReader.Read(d, 512, DeviceBytes));
        Assert.Contains($"the EBR at LBA {ebr2} (byte offset {ebr2 * 512}, linked from the EBR at LBA 20000) has no 0x55AA signature", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Ebr_link_outside_the_extended_partition_is_rejected()
    {
        var t = Samples.Mbr();
        var d = new SparseStream(DeviceBytes);
        PartitionTableWriter.Write(d, 512, DeviceBytes, t);
        var ebr1 = d.ReadAt(20000L * 512, 512);
        BinaryPrimitives.WriteUInt32LittleEndian(ebr1.AsSpan(446 + 16 + 8), 90000);
        d.WriteAt(20000L * 512, ebr1);

        var e = Assert.Throws<InvalidDataException>(() => PartitionTableReader.Read(d, 512, DeviceBytes));
        Assert.Contains("the EBR at LBA 20000 links to LBA 110000, outside extended partition 2 (20000..99999)", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Logicals_on_4096_byte_sectors_are_in_logical_sector_units()
    {
        const int ss = 4096;
        var t = new MbrTable
        {
            DiskSignature = 0xCAFEBABE,
            Partitions =
            [
                new MbrPartition { Number = 1, Type = 0x85, StartLba = 256, SectorCount = 10000 },
                new MbrPartition { Number = 5, Type = 0x83, StartLba = 512, SectorCount = 1000 },
                new MbrPartition { Number = 6, Type = 0x8E, StartLba = 2000, SectorCount = 1000, EbrLba = 1600 },
            ],
        };
        var d = new SparseStream(DeviceBytes);
        PartitionTableWriter.Write(d, ss, DeviceBytes, t);

        var ebr1 = d.ReadAt(256L * ss, 512);
        Assert.Equal((256u, 1000u, (byte)0x83, (byte)0), Entry(ebr1, 0));
        Assert.Equal((1600u - 256u, 1400u, (byte)0x05, (byte)0), Entry(ebr1, 1));
        Assert.Equal(new byte[] { 0x55, 0xAA }, d.ReadAt((1600L * ss) + 510, 2));
        var read = PartitionTableReader.Read(d, ss, DeviceBytes);
        TableAssert.Equal(t, read.Mbr!, compareEbr: false);
        Assert.Equal(1600, read.Mbr!.Find(6)!.EbrLba);
    }

    [Fact]
    public void Boot_sector_of_a_filesystem_is_not_a_partition_table()
    {
        var d = new SparseStream(DeviceBytes);
        var sector = new byte[512];
        sector[0] = 0xEB; sector[1] = 0x58; sector[2] = 0x90; // FAT jump
        sector[446] = 0x3C; // garbage "status" byte where an MBR entry would be
        sector[510] = 0x55; sector[511] = 0xAA;
        d.WriteAt(0, sector);

        var result = PartitionTableReader.Read(d, 512, DeviceBytes);

        Assert.Equal(PartitionTableKind.None, result.Kind);
        Assert.Contains("invalid status byte 0x3C", Assert.Single(result.Warnings), StringComparison.Ordinal);
    }

    [Fact]
    public void Boot_code_and_reserved_bytes_are_kept()
    {
        var t = Samples.Mbr();
        Random.Shared.NextBytes(t.BootCode);
        t.Reserved = 0x5A5A;
        var d = new SparseStream(DeviceBytes);
        PartitionTableWriter.Write(d, 512, DeviceBytes, t);

        Assert.Equal(t.BootCode, d.ReadAt(0, 440));
        var read = PartitionTableReader.Read(d, 512, DeviceBytes).Mbr!;
        Assert.Equal(t.BootCode, read.BootCode);
        Assert.Equal(0x5A5A, read.Reserved);
    }

    [Theory]
    [InlineData(512)]
    [InlineData(4096)]
    public void Writing_an_mbr_wipes_a_stale_gpt_but_not_partition_data(int ss)
    {
        var d = Samples.Written(Samples.Gpt(ss, DeviceBytes), ss, DeviceBytes);
        // The new MBR's last partition ends 1 MiB before the end: the old backup header lies outside it.
        long total = DeviceBytes / ss;
        var t = new MbrTable { Partitions = [new MbrPartition { Number = 1, Type = 0x83, StartLba = (1 << 20) / ss, SectorCount = total - (2 * (1 << 20) / ss) }] };

        PartitionTableWriter.Write(d, ss, DeviceBytes, t);

        Assert.False(GptHeader.HasSignature(d.ReadAt(ss, 8)));
        Assert.False(GptHeader.HasSignature(d.ReadAt(DeviceBytes - ss, 8)));
        var result = PartitionTableReader.Read(d, ss, DeviceBytes);
        Assert.Equal(PartitionTableKind.Mbr, result.Kind);
        Assert.Empty(result.Warnings);

        // A partition that covers the end keeps its bytes, even if they look like a GPT header.
        var whole = new MbrTable { Partitions = [new MbrPartition { Number = 1, Type = 0x83, StartLba = 2048 / (ss / 512), SectorCount = total - (2048 / (ss / 512)) }] };
        d.WriteAt(DeviceBytes - ss, "EFI PART"u8);
        PartitionTableWriter.Write(d, ss, DeviceBytes, whole);
        Assert.True(GptHeader.HasSignature(d.ReadAt(DeviceBytes - ss, 8)));
    }

    [Fact]
    public void Stale_gpt_next_to_an_mbr_is_reported()
    {
        const int ss = 512;
        var d = Samples.Written(Samples.Gpt(ss, DeviceBytes), ss, DeviceBytes);
        var mbr = d.ReadAt(0, 512);
        mbr[446 + 4] = 0x83; // what an old MBR-only tool leaves behind: 0xEE replaced, GPT still there
        d.WriteAt(0, mbr);

        var result = PartitionTableReader.Read(d, ss, DeviceBytes);

        Assert.Equal(PartitionTableKind.Mbr, result.Kind);
        Assert.Contains("stale GPT header", Assert.Single(result.Warnings), StringComparison.Ordinal);
    }
}
