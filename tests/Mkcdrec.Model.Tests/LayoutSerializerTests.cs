using Mkcdrec.Model.Layout;

namespace Mkcdrec.Model.Tests;

public class LayoutSerializerTests
{
    private static LayoutDocument Sample() => new()
    {
        MkcdrecVersion = "0.1.0",
        CapturedAt = new DateTimeOffset(2026, 11, 26, 9, 0, 0, TimeSpan.Zero),
        Host = new HostInfo { Hostname = "web1", Architecture = "x86_64", KernelRelease = "6.1.0-26-amd64" },
        Disks =
        [
            new Disk
            {
                Id = "disk:S3Z9NB0K", KernelName = "sda", Path = "/dev/sda", SizeBytes = 500107862016, Serial = "S3Z9NB0K",
                PartitionTable = new PartitionTable { Kind = PartitionTableKinds.Gpt, DiskGuid = Guid.Parse("5a2c7b0e-4f53-4e0e-8a3e-9d5a1f2b3c4d"), FirstUsableLba = 34, LastUsableLba = 976773134 },
                Partitions =
                [
                    new Partition { Id = "disk:S3Z9NB0K/p1", Number = 1, KernelName = "sda1", Path = "/dev/sda1", StartSector = 2048, SizeSectors = 1048576, TypeGuid = Guid.Parse("c12a7328-f81f-11d2-ba4b-00a0c93ec93b"), Attributes = 1UL << 63, Name = "EFI", UsedBy = "fs:vfat:ABCD-1234" },
                ],
            },
        ],
        Filesystems = [new Filesystem { Id = "fs:vfat:ABCD-1234", Type = "vfat", Uuid = "ABCD-1234", DeviceIds = ["disk:S3Z9NB0K/p1"], Vfat = new VfatParameters { FatSize = "FAT32" } }],
    };

    [Fact]
    public void Round_trip_keeps_every_field()
    {
        var json = LayoutSerializer.Serialize(Sample());
        var back = LayoutSerializer.Deserialize(json);
        Assert.Equal(json, LayoutSerializer.Serialize(back));
        Assert.Equal(1UL << 63, back.Disks[0].Partitions[0].Attributes);
        Assert.Contains("\"formatVersion\": 1", json);
        Assert.Contains("\"typeGuid\": \"c12a7328-f81f-11d2-ba4b-00a0c93ec93b\"", json);
        Assert.DoesNotContain("\"wwn\"", json); // nulls are left out
    }

    [Fact]
    public void Bcache_round_trips_and_a_layout_written_before_it_reads_as_having_none()
    {
        var doc = Sample();
        doc.Bcache.Add(new BcacheDevice
        {
            Id = "bcache:disk:S3Z9NB0K/p2", KernelName = "bcache0", Path = "/dev/bcache0", BackingDeviceId = "disk:S3Z9NB0K/p2",
            BackingUuid = "82690924-c57e-4afb-907e-f5f6f94f020d", CacheMode = "writeback", BlockSizeBytes = 4096, SizeBytes = 1 << 30,
            Cache = new BcacheCacheSet { Uuid = "5ad1e1b4-0c1c-4d1e-9c2b-3b0d9f1e2a77", DeviceIds = ["disk:SSD/p1"], BucketSizeBytes = 524288, Replacement = "fifo", Discard = true },
        });
        var json = LayoutSerializer.Serialize(doc);
        Assert.Equal(json, LayoutSerializer.Serialize(LayoutSerializer.Deserialize(json)));
        Assert.Contains("\"bcache\": [", json);
        Assert.Contains("\"backingDeviceId\": \"disk:S3Z9NB0K/p2\"", json);
        Assert.Contains("\"bucketSizeBytes\": 524288", json);
        Assert.DoesNotContain("dataOffsetSectors", json); // make-bcache's default is left out

        var before = json[..json.IndexOf("\"bcache\": [", StringComparison.Ordinal)] + json[(json.IndexOf("\"luks\":", StringComparison.Ordinal))..];
        Assert.Empty(LayoutSerializer.Deserialize(before).Bcache);
    }

    [Fact]
    public void Unknown_version_is_refused_with_the_versions_we_read()
    {
        var json = LayoutSerializer.Serialize(Sample()).Replace("\"formatVersion\": 1", "\"formatVersion\": 99");
        var ex = Assert.Throws<InvalidDataException>(() => LayoutSerializer.Deserialize(json, "old.json"));
        Assert.Contains("old.json", ex.Message);
        Assert.Contains("99", ex.Message);
    }

    [Fact]
    public void Malformed_json_says_where()
    {
        var ex = Assert.Throws<InvalidDataException>(() => LayoutSerializer.Deserialize("{\n  \"disks\": [ { \"id\": 12 ] }", "bad.json"));
        Assert.Contains("bad.json", ex.Message);
        Assert.Contains("line 2", ex.Message);
    }

    [Fact]
    public void Json_null_is_refused()
    {
        Assert.Throws<InvalidDataException>(() => LayoutSerializer.Deserialize("null"));
    }

    [Fact]
    public void DescribeDevice_finds_partitions_by_id()
    {
        Assert.Equal("/dev/sda1", Sample().DescribeDevice("disk:S3Z9NB0K/p1"));
        Assert.Null(Sample().DescribeDevice("disk:nope"));
    }
}
