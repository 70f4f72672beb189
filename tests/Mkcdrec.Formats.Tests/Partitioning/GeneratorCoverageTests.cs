using FsCheck.Fluent;

namespace Mkcdrec.Formats.Tests.Partitioning;

/// <summary>Guards the property tests against vacuity: the generators must produce the interesting cases.</summary>
public class GeneratorCoverageTests
{
    [Fact]
    public void Gpt_generator_covers_both_sector_sizes_big_disks_odd_entries_and_unicode()
    {
        var cases = PartitionGenerators.Gpt(peerSafe: false).Sample(400, 50);
        Assert.Contains(cases, c => c.SectorSize == 512);
        Assert.Contains(cases, c => c.SectorSize == 4096);
        Assert.Contains(cases, c => c.DeviceBytes / c.SectorSize > uint.MaxValue);
        Assert.Contains(cases, c => c.Table.EntryCount != 128);
        Assert.Contains(cases, c => c.Table.EntrySize != 128);
        Assert.Contains(cases, c => c.Table.HeaderExtraBytes.Length > 0);
        Assert.Contains(cases, c => c.Table.Partitions.Count >= 5);
        Assert.Contains(cases, c => c.Table.Partitions.Any(p => p.Name.Any(char.IsSurrogate)));
        Assert.Contains(cases, c => c.Table.Partitions.Any(p => p.Number > 100));
    }

    [Fact]
    public void Mbr_generator_covers_extended_logicals_4096_and_the_32_bit_limit()
    {
        var cases = PartitionGenerators.Mbr(peerSafe: false).Sample(400, 50);
        Assert.Contains(cases, c => c.SectorSize == 4096);
        Assert.Contains(cases, c => c.Table.Partitions.Count(p => p.IsLogical) >= 3);
        Assert.Contains(cases, c => c.Table.Extended is { } e && !c.Table.Partitions.Any(p => p.IsLogical));
        Assert.Contains(cases, c => c.DeviceBytes / c.SectorSize > uint.MaxValue);
        Assert.Contains(cases, c => c.Table.Partitions.Any(p => p.Bootable));
        Assert.Contains(cases, c => c.Table.Partitions.Any(p => !p.IsLogical && p.Number == 4));
    }
}
