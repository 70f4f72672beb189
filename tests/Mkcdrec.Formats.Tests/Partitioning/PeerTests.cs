using System.Globalization;
using FsCheck.Xunit;
using Mkcdrec.Formats.Partitioning;
using static Mkcdrec.Formats.Tests.Partitioning.PeerTools;

namespace Mkcdrec.Formats.Tests.Partitioning;

/// <summary>
/// Our tables against the real tools (DESIGN.md #8): sgdisk -v must find no problem with what we write, sfdisk --json
/// and blkid must see exactly our partitions, and we must read exactly what sgdisk/sfdisk wrote. Image files need no
/// root; the 4096-byte-sector and blkid-on-partition tests need loop devices (root) and are skipped without it.
/// </summary>
[Trait("Category", "Peer")]
public class PeerTests
{
    private static void SkipUnlessRoot() => Assert.SkipUnless(IsRoot, "needs root for loop devices (losetup, partx)");

    private static void AssertSgdiskHappy(string device)
    {
        var r = Run(Sgdisk, "-v", device);
        Assert.True(r.ExitCode == 0 && r.Stdout.Contains("No problems found.", StringComparison.Ordinal) && !r.Stdout.Contains("Problem", StringComparison.Ordinal),
            $"sgdisk -v {device} is not happy: {r}");
    }

    private static SfdiskTable SfdiskJson(string device, params string[] extra) => SfdiskTable.Parse(Ok(Sfdisk, [.. extra, "--json", device]));

    private static ulong SgdiskAttributes(string device, int number)
    {
        var line = Ok(Sgdisk, "-i", number.ToString(CultureInfo.InvariantCulture), device).Split('\n').Single(l => l.StartsWith("Attribute flags: ", StringComparison.Ordinal));
        return ulong.Parse(line["Attribute flags: ".Length..].Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
    }

    private static void WriteImage(TempImage image, int ss, long size, GptTable table)
    {
        using var f = image.Open();
        PartitionTableWriter.Write(f, ss, size, table);
    }

    private static void WriteImage(TempImage image, int ss, long size, MbrTable table)
    {
        using var f = image.Open();
        PartitionTableWriter.Write(f, ss, size, table);
    }

    private static PartitionTableReadResult ReadImage(string path, int ss)
    {
        using var f = File.OpenRead(path);
        return PartitionTableReader.Read(f, ss, f.Length);
    }

    // ---- our writer, judged by the tools -------------------------------------------------------------------

    [Property(Arbitrary = [typeof(PartitionArbitraries)], MaxTest = 25)]
    public void Our_random_gpt_passes_sgdisk_verify_and_sfdisk_sees_exactly_our_partitions(PeerGptCase peer)
    {
        var c = peer.Case;
        using var image = new TempImage(c.DeviceBytes);
        WriteImage(image, c.SectorSize, c.DeviceBytes, c.Table);

        AssertSgdiskHappy(image.Path);
        SfdiskJson(image.Path).AssertSame(c.Table);
        var blkid = BlkidExport(image.Path);
        Assert.Equal("gpt", blkid["PTTYPE"]);
        Assert.Equal(c.Table.DiskGuid.ToString(), blkid["PTUUID"]);
    }

    [Fact]
    public void Our_gpt_on_a_3_tib_disk_passes_sgdisk_verify()
    {
        const long size = 3L << 40; // a sparse file: the protective MBR must be capped at 2^32-1 sectors
        var t = Samples.Gpt(512, size);
        using var image = new TempImage(size);
        WriteImage(image, 512, size, t);

        AssertSgdiskHappy(image.Path);
        SfdiskJson(image.Path).AssertSame(t);
    }

    [Fact]
    public void Our_gpt_attributes_and_names_are_what_sgdisk_reads()
    {
        const long size = 256L << 20;
        var t = Samples.Gpt(512, size);
        t.Partitions[0].Attributes = 0x8000_0000_0000_0405; // bit 10 too, which sfdisk does not print
        t.Partitions[2].Name = "racine — ünïcode 日本";
        using var image = new TempImage(size);
        WriteImage(image, 512, size, t);

        foreach (var p in t.Partitions)
        {
            Assert.Equal(p.Attributes, SgdiskAttributes(image.Path, p.Number));
        }

        var info = Ok(Sgdisk, "-i", "3", image.Path);
        Assert.Contains("Partition name: 'racine — ünïcode 日本'", info, StringComparison.Ordinal);
        Assert.Contains($"Partition unique GUID: {t.Partitions[2].UniqueGuid.ToString().ToUpperInvariant()}", info, StringComparison.Ordinal);
    }

    [Property(Arbitrary = [typeof(PartitionArbitraries)], MaxTest = 25)]
    public void Our_random_mbr_is_read_by_sfdisk_exactly(PeerMbrCase peer)
    {
        // Every case reaches sfdisk: 512-byte sectors (what it assumes for an image file; 4096 goes through a loop device below).
        var c = peer.Case;
        Assert.Equal(512, c.SectorSize);
        using var image = new TempImage(c.DeviceBytes);
        WriteImage(image, 512, c.DeviceBytes, c.Table);

        SfdiskJson(image.Path).AssertSame(c.Table);
        var blkid = BlkidExport(image.Path);
        Assert.Equal("dos", blkid["PTTYPE"]);
        Assert.Equal(c.Table.DiskSignature.ToString("x8", CultureInfo.InvariantCulture), blkid["PTUUID"]);
    }

    [Fact]
    public void Our_mbr_with_logicals_passes_sfdisk_verify()
    {
        const long size = 64L << 20;
        using var image = new TempImage(size);
        WriteImage(image, 512, size, Samples.Mbr());

        var r = Run(Sfdisk, "--verify", image.Path);
        Assert.True(r.ExitCode == 0 && r.Stdout.Contains("No errors detected.", StringComparison.Ordinal), $"sfdisk --verify: {r}");
        SfdiskJson(image.Path).AssertSame(Samples.Mbr());
    }

    [Theory]
    [InlineData(512)]
    [InlineData(4096)]
    public void Our_gpt_on_a_loop_device_is_seen_by_sgdisk_sfdisk_and_blkid(int ss)
    {
        SkipUnlessRoot();
        const long size = 128L << 20;
        var t = Samples.Gpt(ss, size);
        using var image = new TempImage(size);
        WriteImage(image, ss, size, t);
        using var loop = new Loop(image.Path, ss);

        AssertSgdiskHappy(loop.Device);
        var json = SfdiskJson(loop.Device);
        Assert.Equal(ss, json.SectorSize);
        json.AssertSame(t);

        loop.AddPartitions(t.Partitions.Select(p => p.Number));
        foreach (var p in t.Partitions)
        {
            var b = BlkidExport(loop.PartitionNode(p.Number));
            Assert.Equal("gpt", b["PART_ENTRY_SCHEME"]);
            Assert.Equal(p.UniqueGuid.ToString(), b["PART_ENTRY_UUID"]);
            Assert.Equal(p.TypeGuid.ToString(), b["PART_ENTRY_TYPE"]);
            Assert.Equal(p.Name, b["PART_ENTRY_NAME"]);
            Assert.Equal(p.Number.ToString(CultureInfo.InvariantCulture), b["PART_ENTRY_NUMBER"]);
            Assert.Equal((p.FirstLba * (ss / 512)).ToString(CultureInfo.InvariantCulture), b["PART_ENTRY_OFFSET"]); // blkid counts 512-byte units
            Assert.Equal((p.SectorCount * (ss / 512)).ToString(CultureInfo.InvariantCulture), b["PART_ENTRY_SIZE"]);
            if (p.Attributes != 0)
            {
                Assert.Equal("0x" + p.Attributes.ToString("x", CultureInfo.InvariantCulture), b["PART_ENTRY_FLAGS"]);
            }
        }
    }

    [Theory]
    [InlineData(512)]
    [InlineData(4096)]
    public void Our_mbr_on_a_loop_device_is_seen_by_sfdisk_and_blkid(int ss)
    {
        SkipUnlessRoot();
        const long size = 256L << 20;
        int k = ss / 512;
        var t = new MbrTable
        {
            DiskSignature = 0x5eed1234,
            Partitions =
            [
                new MbrPartition { Number = 1, Type = 0x83, Bootable = true, StartLba = 2048 / k, SectorCount = 20480 / k },
                new MbrPartition { Number = 3, Type = 0x0F, StartLba = 40960 / k, SectorCount = 200000 / k },
                new MbrPartition { Number = 5, Type = 0x82, StartLba = 43008 / k, SectorCount = 10000 / k },
                new MbrPartition { Number = 6, Type = 0x8E, StartLba = 61440 / k, SectorCount = 30000 / k },
                new MbrPartition { Number = 7, Type = 0x83, StartLba = 100000 / k, SectorCount = 40000 / k },
            ],
        };
        using var image = new TempImage(size);
        WriteImage(image, ss, size, t);
        using var loop = new Loop(image.Path, ss);

        var json = SfdiskJson(loop.Device);
        Assert.Equal(ss, json.SectorSize);
        json.AssertSame(t);

        loop.AddPartitions(t.Partitions.Where(p => !p.IsExtended).Select(p => p.Number));
        foreach (var p in t.Partitions.Where(p => !p.IsExtended))
        {
            var b = BlkidExport(loop.PartitionNode(p.Number));
            Assert.Equal("dos", b["PART_ENTRY_SCHEME"]);
            Assert.Equal($"5eed1234-{p.Number:D2}", b["PART_ENTRY_UUID"]);
            Assert.Equal($"0x{p.Type:x}", b["PART_ENTRY_TYPE"]);
            Assert.Equal(p.Number.ToString(CultureInfo.InvariantCulture), b["PART_ENTRY_NUMBER"]);
            Assert.Equal((p.StartLba * k).ToString(CultureInfo.InvariantCulture), b["PART_ENTRY_OFFSET"]);
            Assert.Equal((p.SectorCount * k).ToString(CultureInfo.InvariantCulture), b["PART_ENTRY_SIZE"]);
            Assert.Equal(p.Bootable, b.TryGetValue("PART_ENTRY_FLAGS", out var flags) && flags == "0x80");
        }
    }

    [Theory]
    [InlineData(512)]
    [InlineData(4096)]
    public void Our_writer_and_reader_work_on_a_block_device_itself(int ss)
    {
        SkipUnlessRoot();
        const long size = 64L << 20;
        var t = Samples.Gpt(ss, size);
        using var image = new TempImage(size);
        using var loop = new Loop(image.Path, ss);

        using (var dev = new FileStream(loop.Device, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite))
        {
            Assert.True(dev.CanSeek, "a block device opened as FileStream must be seekable");
            PartitionTableWriter.Write(dev, ss, size, t);
        }

        SfdiskJson(loop.Device).AssertSame(t);
        using (var dev = new FileStream(loop.Device, FileMode.Open, FileAccess.Read, FileShare.ReadWrite))
        {
            var result = PartitionTableReader.Read(dev, ss, size);
            Assert.Empty(result.Warnings);
            TableAssert.Equal(t, result.Gpt!);
        }
    }

    // ---- the tools' tables, judged by our reader ------------------------------------------------------------

    [Fact]
    public void We_read_exactly_what_sgdisk_wrote()
    {
        const long size = 512L << 20;
        using var image = new TempImage(size);
        Ok(Sgdisk,
            "-n", "1:2048:+1M", "-t", "1:ef02", "-c", "1:BIOS boot partition", "-A", "1:set:2",
            "-n", "2:0:+100M", "-t", "2:ef00", "-c", "2:EFI System",
            "-n", "4:0:+200M", "-t", "4:8e00", "-c", "4:lvm ünïcode", "-A", "4:set:0", "-A", "4:set:10", "-A", "4:set:62",
            "-n", "7:0:0", "-t", "7:fd00", "-c", "7:" + new string('n', 36),
            image.Path);

        var result = ReadImage(image.Path, 512);

        Assert.Equal(PartitionTableKind.Gpt, result.Kind);
        Assert.Empty(result.Warnings);
        SfdiskJson(image.Path).AssertSame(result.Gpt!);
        foreach (var p in result.Gpt!.Partitions)
        {
            Assert.Equal(SgdiskAttributes(image.Path, p.Number), p.Attributes);
        }
    }

    [Fact]
    public void We_read_exactly_what_sfdisk_wrote_with_logical_partitions()
    {
        const long size = 1L << 30;
        using var image = new TempImage(size);
        var script = "label: dos\nlabel-id: 0xdeadbeef\n" +
            "start=2048, size=204800, type=83, bootable\n" +
            "start=206848, size=1000000, type=5\n" +
            "start=1300000, size=400000, type=7\n" +
            "start=208896, size=100000, type=82\n" +
            "size=200000, type=8e\n" +
            "size=50000, type=83, bootable\n" +
            "size=100000, type=fd\n";
        SfdiskWithScript(image.Path, script);

        var result = ReadImage(image.Path, 512);

        Assert.Equal(PartitionTableKind.Mbr, result.Kind);
        Assert.Empty(result.Warnings);
        var json = SfdiskJson(image.Path);
        Assert.Equal(7, json.Partitions.Count); // 1, 2 (extended), 3, logicals 5-8
        json.AssertSame(result.Mbr!);
    }

    [Theory]
    [InlineData("gpt")]
    [InlineData("dos")]
    public void We_read_4096_byte_sector_tables_made_by_the_tools(string label)
    {
        SkipUnlessRoot();
        const long size = 256L << 20;
        using var image = new TempImage(size);
        using (var loop = new Loop(image.Path, 4096))
        {
            if (label == "gpt")
            {
                Ok(Sgdisk, "-n", "1:0:+64M", "-t", "1:ef00", "-c", "1:ESP", "-n", "3:0:+32M", "-A", "3:set:2", "-n", "2:0:0", "-t", "2:8300", "-c", "2:root", loop.Device);
            }
            else
            {
                SfdiskWithScript(loop.Device, "label: dos\nlabel-id: 0x40964096\nstart=256, size=10000, type=83\nstart=10496, size=40000, type=f\nstart=10752, size=5000, type=82\nsize=8000, type=83, bootable\n");
            }

            var expected = SfdiskJson(loop.Device);
            Assert.Equal(4096, expected.SectorSize);
            var result = ReadImage(image.Path, 4096);
            Assert.Empty(result.Warnings);
            if (label == "gpt")
            {
                expected.AssertSame(result.Gpt!);
            }
            else
            {
                Assert.Equal(4, expected.Partitions.Count);
                expected.AssertSame(result.Mbr!);
            }
        }
    }

    [Fact]
    public void A_hybrid_mbr_from_sgdisk_is_read_as_gpt_with_a_warning()
    {
        const long size = 256L << 20;
        using var image = new TempImage(size);
        Ok(Sgdisk, "-n", "1:0:+10M", "-t", "1:ef00", "-n", "2:0:+50M", "-t", "2:0700", "-n", "3:0:0", image.Path);
        Ok(Sgdisk, "-h", "1:2", image.Path);

        var result = ReadImage(image.Path, 512);

        Assert.Equal(PartitionTableKind.Gpt, result.Kind);
        Assert.StartsWith("hybrid MBR:", Assert.Single(result.Warnings), StringComparison.Ordinal);
        SfdiskJson(image.Path).AssertSame(result.Gpt!);
        SfdiskJson(image.Path, "--label-nested", "dos").AssertSame(result.Mbr!, skipProtective: true);
    }

    [Fact]
    public void A_damaged_primary_gpt_is_read_from_the_backup_and_our_rewrite_repairs_it()
    {
        const long size = 128L << 20;
        using var image = new TempImage(size);
        Ok(Sgdisk, "-n", "1:0:+10M", "-c", "1:one", "-n", "2:0:0", "-c", "2:two", image.Path);
        var before = SfdiskJson(image.Path);
        using (var f = image.Open())
        {
            f.Position = 512 + 60; // inside the disk GUID: covered by the header CRC
            f.WriteByte(0x42);
        }

        var r = Run(Sgdisk, "-v", image.Path);
        Assert.True(r.Stderr.Contains("Main header: ERROR", StringComparison.Ordinal), $"sgdisk should notice the damage: {r}");

        var result = ReadImage(image.Path, 512);
        Assert.StartsWith("primary GPT header at LBA 1 is corrupt (header CRC mismatch", Assert.Single(result.Warnings), StringComparison.Ordinal);
        before.AssertSame(result.Gpt!);

        WriteImage(image, 512, size, result.Gpt!);
        AssertSgdiskHappy(image.Path);
        before.AssertSame(ReadImage(image.Path, 512).Gpt!);
    }

    [Fact]
    public void Our_mbr_over_an_old_gpt_leaves_no_trace_of_the_gpt()
    {
        const long size = 128L << 20;
        using var image = new TempImage(size);
        Ok(Sgdisk, "-n", "1:0:+10M", "-n", "2:0:+10M", image.Path);
        var t = new MbrTable { DiskSignature = 0x0000abcd, Partitions = [new MbrPartition { Number = 1, Type = 0x83, StartLba = 2048, SectorCount = 100000 }] };

        WriteImage(image, 512, size, t);

        var blkid = BlkidExport(image.Path);
        Assert.Equal("dos", blkid["PTTYPE"]);
        SfdiskJson(image.Path).AssertSame(t);

        // sgdisk must see exactly what it sees on a disk that never had a GPT ("MBR only").
        using var pristine = new TempImage(size);
        WriteImage(pristine, 512, size, t);
        var overGpt = Run(Sgdisk, "-v", image.Path);
        var never = Run(Sgdisk, "-v", pristine.Path);
        Assert.Equal(never.Stdout.Replace(pristine.Path, "disk", StringComparison.Ordinal), overGpt.Stdout.Replace(image.Path, "disk", StringComparison.Ordinal));
        Assert.Equal(never.Stderr, overGpt.Stderr);
    }

    [Fact]
    public void After_our_wipe_neither_blkid_nor_sfdisk_finds_a_table()
    {
        const long size = 128L << 20;
        using var image = new TempImage(size);
        Ok(Sgdisk, "-n", "1:0:+10M", "-n", "2:0:0", image.Path);

        using (var f = image.Open())
        {
            PartitionTableWriter.WipeTables(f, size);
        }

        var blkid = Run(Blkid, "-p", "-o", "export", image.Path);
        Assert.True(blkid.ExitCode == 2 && !blkid.Stdout.Contains("PTTYPE", StringComparison.Ordinal), $"blkid still finds something: {blkid}");
        var sfdisk = Run(Sfdisk, "--json", image.Path);
        Assert.True(sfdisk.ExitCode != 0 || !sfdisk.Stdout.Contains("partitiontable", StringComparison.Ordinal), $"sfdisk still finds a table: {sfdisk}");
    }

    private static void SfdiskWithScript(string device, string script)
    {
        var dir = Directory.CreateTempSubdirectory("mkcdrec-sfdisk-");
        try
        {
            var scriptPath = Path.Combine(dir.FullName, "script");
            File.WriteAllText(scriptPath, script);
            // sfdisk reads the script from stdin; run it through the shell to redirect.
            Ok("/bin/sh", "-c", $"\"$0\" --no-reread --no-tell-kernel \"$1\" < \"$2\"", Sfdisk, device, scriptPath);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
