using System.Buffers.Binary;
using Mkcdrec.Formats.Partitioning;

namespace Mkcdrec.Formats.Tests.Partitioning;

public class GptReaderTests
{
    private const long DeviceBytes = 64L << 20;

    [Theory]
    [InlineData(512)]
    [InlineData(4096)]
    public void Reads_a_table_written_with_the_standard_layout(int ss)
    {
        var t = Samples.Gpt(ss, DeviceBytes);
        var result = PartitionTableReader.Read(Samples.Written(t, ss, DeviceBytes), ss, DeviceBytes);

        long last = (DeviceBytes / ss) - 1;
        long entrySectors = 16384 / ss;
        Assert.Equal(PartitionTableKind.Gpt, result.Kind);
        Assert.Equal(2 + entrySectors, result.Gpt!.FirstUsableLba); // 34 for 512, 6 for 4096, like sgdisk
        Assert.Equal(last - entrySectors - 1, result.Gpt.LastUsableLba);
        Assert.Equal(last, result.Gpt.BackupHeaderLba);
        Assert.Equal(last - entrySectors, result.Gpt.BackupEntriesLba);
        TableAssert.Equal(t, result.Gpt);
    }

    [Theory]
    [InlineData(512)]
    [InlineData(4096)]
    public void Header_fields_are_where_the_spec_puts_them(int ss)
    {
        var t = Samples.Gpt(ss, DeviceBytes);
        var d = Samples.Written(t, ss, DeviceBytes);
        var lba1 = d.ReadAt(ss, ss);
        long last = (DeviceBytes / ss) - 1;

        Assert.Equal("EFI PART"u8.ToArray(), lba1[..8]);
        Assert.Equal(0x00010000u, BinaryPrimitives.ReadUInt32LittleEndian(lba1.AsSpan(8)));
        Assert.Equal(92u, BinaryPrimitives.ReadUInt32LittleEndian(lba1.AsSpan(12)));
        Assert.Equal(1UL, BinaryPrimitives.ReadUInt64LittleEndian(lba1.AsSpan(24)));
        Assert.Equal((ulong)last, BinaryPrimitives.ReadUInt64LittleEndian(lba1.AsSpan(32)));
        Assert.Equal(t.DiskGuid.ToByteArray(), lba1[56..72]);
        Assert.Equal(2UL, BinaryPrimitives.ReadUInt64LittleEndian(lba1.AsSpan(72)));
        Assert.Equal(128u, BinaryPrimitives.ReadUInt32LittleEndian(lba1.AsSpan(80)));
        Assert.Equal(128u, BinaryPrimitives.ReadUInt32LittleEndian(lba1.AsSpan(84)));
        Assert.All(lba1[92..], b => Assert.Equal(0, b));

        // Entry 3 at LBA 2 + 256 bytes: name "root" in UTF-16LE at offset 56, attribute bit 60.
        var entry3 = d.ReadAt((2 * ss) + 256, 128);
        Assert.Equal(t.Partitions[2].UniqueGuid.ToByteArray(), entry3[16..32]);
        Assert.Equal(1UL << 60, BinaryPrimitives.ReadUInt64LittleEndian(entry3.AsSpan(48)));
        Assert.Equal("r\0o\0o\0t\0\0\0"u8.ToArray(), entry3[56..66]);

        // Protective MBR: one 0xEE entry from LBA 1 over the whole device, 0x55AA.
        var mbr = d.ReadAt(0, 512);
        Assert.Equal(0xEE, mbr[446 + 4]);
        Assert.Equal(1u, BinaryPrimitives.ReadUInt32LittleEndian(mbr.AsSpan(446 + 8)));
        Assert.Equal((uint)last, BinaryPrimitives.ReadUInt32LittleEndian(mbr.AsSpan(446 + 12)));
        Assert.Equal(new byte[] { 0x55, 0xAA }, mbr[510..]);
        Assert.All(mbr[462..510], b => Assert.Equal(0, b));
    }

    [Fact]
    public void Primary_header_crc_mismatch_uses_the_backup_and_warns()
    {
        const int ss = 512;
        var t = Samples.Gpt(ss, DeviceBytes);
        var d = Samples.Written(t, ss, DeviceBytes);
        d.FlipBit(ss + 60); // inside the disk GUID

        var result = PartitionTableReader.Read(d, ss, DeviceBytes);

        long last = (DeviceBytes / ss) - 1;
        var warning = Assert.Single(result.Warnings);
        Assert.StartsWith("primary GPT header at LBA 1 is corrupt (header CRC mismatch", warning, StringComparison.Ordinal);
        Assert.EndsWith($"using the backup at LBA {last} — rewrite the table to repair it", warning, StringComparison.Ordinal);
        TableAssert.Equal(t, result.Gpt!);
    }

    [Fact]
    public void Primary_entry_array_crc_mismatch_uses_the_backup_and_says_which_crc()
    {
        const int ss = 512;
        var t = Samples.Gpt(ss, DeviceBytes);
        var d = Samples.Written(t, ss, DeviceBytes);
        d.FlipBit((2 * ss) + 128 + 40); // partition 2's last LBA in the primary array

        var result = PartitionTableReader.Read(d, ss, DeviceBytes);

        var warning = Assert.Single(result.Warnings);
        Assert.Contains("primary GPT header at LBA 1 is corrupt (partition entry array CRC mismatch: LBA 2..33", warning, StringComparison.Ordinal);
        TableAssert.Equal(t, result.Gpt!);
    }

    [Fact]
    public void Corrupt_backup_is_reported_but_the_primary_is_used()
    {
        const int ss = 4096;
        var t = Samples.Gpt(ss, DeviceBytes);
        var d = Samples.Written(t, ss, DeviceBytes);
        long last = (DeviceBytes / ss) - 1;
        d.FlipBit((last * ss) + 40);

        var result = PartitionTableReader.Read(d, ss, DeviceBytes);

        var warning = Assert.Single(result.Warnings);
        Assert.StartsWith($"backup GPT header at LBA {last} is corrupt (header CRC mismatch", warning, StringComparison.Ordinal);
        TableAssert.Equal(t, result.Gpt!);
    }

    [Theory]
    [InlineData(512)]
    [InlineData(4096)]
    public void Both_copies_corrupt_throws_naming_both(int ss)
    {
        var t = Samples.Gpt(ss, DeviceBytes);
        var d = Samples.Written(t, ss, DeviceBytes);
        long last = (DeviceBytes / ss) - 1;
        d.FlipBit(ss + 20);
        d.FlipBit((t.BackupEntriesLba * ss) + 3);

        var e = Assert.Throws<InvalidDataException>(() => PartitionTableReader.Read(d, ss, DeviceBytes));

        Assert.Contains("primary GPT header at LBA 1 is corrupt (header CRC mismatch", e.Message, StringComparison.Ordinal);
        Assert.Contains($"backup GPT header at LBA {last} is corrupt (partition entry array CRC mismatch: LBA {t.BackupEntriesLba}..{last - 1}", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Backup_is_found_through_the_primary_alternate_lba_when_only_the_array_is_bad()
    {
        // A disk that grew: the backup is not at the last LBA any more, only the primary's AlternateLBA knows where.
        const int ss = 512;
        const long small = 32L << 20;
        var t = Samples.Gpt(ss, small);
        var d = Samples.Written(t, ss, small);
        d.SetLength(DeviceBytes);
        d.FlipBit((2 * ss) + 5);

        var result = PartitionTableReader.Read(d, ss, DeviceBytes);

        Assert.Contains(result.Warnings, w => w.Contains($"using the backup at LBA {(small / ss) - 1}", StringComparison.Ordinal));
        TableAssert.Equal(t, result.Gpt!);
    }

    [Fact]
    public void Grown_device_is_reported_and_fit_to_device_repairs_it()
    {
        const int ss = 512;
        const long small = 32L << 20;
        var t = Samples.Gpt(ss, small);
        var d = Samples.Written(t, ss, small);
        d.SetLength(DeviceBytes);

        var result = PartitionTableReader.Read(d, ss, DeviceBytes);
        var warning = Assert.Single(result.Warnings);
        Assert.Contains($"the backup GPT header is at LBA {(small / ss) - 1}, not at the device's last LBA {(DeviceBytes / ss) - 1}", warning, StringComparison.Ordinal);

        var read = result.Gpt!;
        var error = Assert.Throws<ArgumentException>(() => PartitionTableWriter.Write(d, ss, DeviceBytes, read));
        Assert.Contains("FitToDevice", error.Message, StringComparison.Ordinal);
        read.FitToDevice(DeviceBytes, ss);
        PartitionTableWriter.Write(d, ss, DeviceBytes, read);
        var again = PartitionTableReader.Read(d, ss, DeviceBytes);
        Assert.Empty(again.Warnings);
        Assert.Equal((DeviceBytes / ss) - 34, again.Gpt!.LastUsableLba);
    }

    [Theory]
    [InlineData(512, 512 * 20)] // ends inside the primary entry array
    [InlineData(512, 1000)]     // ends inside LBA 1
    [InlineData(4096, 4096 * 3)]
    public void Truncated_input_throws(int ss, long available)
    {
        var t = Samples.Gpt(ss, DeviceBytes);
        var full = Samples.Written(t, ss, DeviceBytes);
        var truncated = new SparseStream(available);
        truncated.WriteAt(0, full.ReadAt(0, (int)available));
        truncated.SetLength(available);

        var e = Assert.Throws<InvalidDataException>(() => PartitionTableReader.Read(truncated, ss, DeviceBytes));

        Assert.Contains("truncated input", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Device_smaller_than_a_sector_throws()
    {
        var e = Assert.Throws<InvalidDataException>(() => PartitionTableReader.Read(new SparseStream(100), 512, 100));
        Assert.Contains("smaller than one 512-byte sector", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Reading_a_4096_byte_sector_disk_with_512_byte_sectors_says_so()
    {
        var t = Samples.Gpt(4096, DeviceBytes);
        var d = Samples.Written(t, 4096, DeviceBytes);

        var e = Assert.Throws<InvalidDataException>(() => PartitionTableReader.Read(d, 512, DeviceBytes));

        Assert.Contains("partitioned with 4096-byte logical sectors", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Blank_device_has_no_table()
    {
        var result = PartitionTableReader.Read(new SparseStream(DeviceBytes), 512, DeviceBytes);
        Assert.Equal(PartitionTableKind.None, result.Kind);
        Assert.Empty(result.Warnings);
    }

    [Fact]
    public void Header_read_reports_lba_and_byte_offset()
    {
        const int ss = 4096;
        var d = Samples.Written(Samples.Gpt(ss, DeviceBytes), ss, DeviceBytes);
        var sector = d.ReadAt(ss, ss);
        sector[16] ^= 1;

        var e = Assert.Throws<InvalidDataException>(() => GptHeader.Read(sector, 1));

        Assert.StartsWith("GPT header at LBA 1 (byte offset 4096): header CRC mismatch", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Header_that_claims_another_lba_is_rejected()
    {
        const int ss = 512;
        var d = Samples.Written(Samples.Gpt(ss, DeviceBytes), ss, DeviceBytes);
        var sector = d.ReadAt(ss, ss);

        var e = Assert.Throws<InvalidDataException>(() => GptHeader.Read(sector, 7));

        Assert.Contains("header says it is at LBA 1", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Hybrid_mbr_is_read_as_gpt_with_a_warning()
    {
        const int ss = 512;
        var t = Samples.Gpt(ss, DeviceBytes);
        var d = Samples.Written(t, ss, DeviceBytes);
        var mbr = d.ReadAt(0, 512);
        // Second MBR slot mirrors GPT partition 2 as FAT32 (0x0C), bootable: what gdisk's hybrid mode does.
        mbr[446 + 16] = 0x80;
        mbr[446 + 16 + 4] = 0x0C;
        BinaryPrimitives.WriteUInt32LittleEndian(mbr.AsSpan(446 + 16 + 8), (uint)t.Partitions[1].FirstLba);
        BinaryPrimitives.WriteUInt32LittleEndian(mbr.AsSpan(446 + 16 + 12), (uint)t.Partitions[1].SectorCount);
        d.WriteAt(0, mbr);

        var result = PartitionTableReader.Read(d, ss, DeviceBytes);

        Assert.Equal(PartitionTableKind.Gpt, result.Kind);
        Assert.StartsWith("hybrid MBR:", Assert.Single(result.Warnings), StringComparison.Ordinal);
        TableAssert.Equal(t, result.Gpt!);
        var mirrored = Assert.Single(result.Mbr!.Partitions);
        Assert.Equal((2, (byte)0x0C, true, t.Partitions[1].FirstLba), (mirrored.Number, mirrored.Type, mirrored.Bootable, mirrored.StartLba));
    }

    [Fact]
    public void Gpt_without_protective_mbr_is_read_with_a_warning()
    {
        const int ss = 512;
        var t = Samples.Gpt(ss, DeviceBytes);
        var d = Samples.Written(t, ss, DeviceBytes);
        d.WriteAt(0, new byte[512]);

        var result = PartitionTableReader.Read(d, ss, DeviceBytes);

        Assert.Equal(PartitionTableKind.Gpt, result.Kind);
        Assert.Contains("no protective MBR", Assert.Single(result.Warnings), StringComparison.Ordinal);
        Assert.Equal(t.Partitions.Count, result.Gpt!.Partitions.Count);
    }

    [Theory]
    [InlineData(512, 3L << 40, 0xFFFFFFFFu)]          // 3 TiB: more sectors than 32 bits can count
    [InlineData(4096, 3L << 40, (3u << 28) - 1)]      // the same disk in 4096-byte sectors fits
    [InlineData(512, 1L << 30, (1u << 21) - 1)]
    public void Protective_mbr_covers_the_device_up_to_32_bits(int ss, long size, uint expectedSectors)
    {
        var d = Samples.Written(Samples.Gpt(ss, size), ss, size);
        var mbr = d.ReadAt(0, 512);
        Assert.Equal(1u, BinaryPrimitives.ReadUInt32LittleEndian(mbr.AsSpan(446 + 8)));
        Assert.Equal(expectedSectors, BinaryPrimitives.ReadUInt32LittleEndian(mbr.AsSpan(446 + 12)));
        Assert.Equal(PartitionTableKind.Gpt, PartitionTableReader.Read(d, ss, size).Kind);
    }

    [Fact]
    public void Protective_mbr_boot_code_is_kept()
    {
        const int ss = 512;
        var t = Samples.Gpt(ss, DeviceBytes);
        Random.Shared.NextBytes(t.ProtectiveMbrBootCode);
        var d = Samples.Written(t, ss, DeviceBytes);

        Assert.Equal(t.ProtectiveMbrBootCode, d.ReadAt(0, 440));
        Assert.Equal(t.ProtectiveMbrBootCode, PartitionTableReader.Read(d, ss, DeviceBytes).Gpt!.ProtectiveMbrBootCode);
    }
}
