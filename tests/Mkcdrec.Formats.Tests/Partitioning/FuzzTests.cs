using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Mkcdrec.Formats.Partitioning;

namespace Mkcdrec.Formats.Tests.Partitioning;

/// <summary>A valid table with random bytes of its metadata overwritten.</summary>
public sealed record DamagedImage(string Origin, int SectorSize, long DeviceBytes, SparseStream Device, IReadOnlyList<(long Offset, byte Value)> Damage)
{
    public override string ToString() => $"{Origin}; damage: {string.Join(", ", Damage.Select(d => $"@{d.Offset}=0x{d.Value:X2}"))}";
}

public static class FuzzArbitraries
{
    public static Arbitrary<DamagedImage> DamagedImage() =>
        (from useGpt in Gen.Elements(true, false)
         from gpt in PartitionGenerators.Gpt(peerSafe: false)
         from mbr in PartitionGenerators.Mbr(peerSafe: false)
         from count in Gen.Choose(1, 12)
         from targets in Gen.ArrayOf(Gen.Choose(0, int.MaxValue), count)
         from values in Gen.ArrayOf(PartitionGenerators.Byte, count)
         from bias in Gen.ArrayOf(Gen.Elements(0, 1, 2, 3), count)
         select Build(useGpt, gpt, mbr, targets, values, bias)).ToArbitrary();

    private static DamagedImage Build(bool useGpt, GptCase gpt, MbrCase mbr, int[] targets, byte[] values, int[] bias)
    {
        int ss = useGpt ? gpt.SectorSize : mbr.SectorSize;
        long size = useGpt ? gpt.DeviceBytes : mbr.DeviceBytes;
        var device = new SparseStream(size);
        string origin;
        var regions = new List<(long Offset, long Length)> { (0, 512) };
        if (useGpt)
        {
            PartitionTableWriter.Write(device, ss, size, gpt.Table);
            long entryBytes = gpt.Table.EntryArraySectors(ss) * ss;
            regions.Add((ss, 92));
            regions.Add((gpt.Table.EntriesLba * ss, entryBytes));
            regions.Add((gpt.Table.BackupHeaderLba * ss, 92));
            origin = gpt.ToString();
        }
        else
        {
            PartitionTableWriter.Write(device, ss, size, mbr.Table);
            regions.Add((446, 64));
            foreach (var l in mbr.Table.Partitions.Where(p => p.EbrLba is not null))
            {
                regions.Add((l.EbrLba!.Value * ss, 512));
                regions.Add((l.EbrLba!.Value * ss + 446, 64));
            }

            origin = mbr.ToString();
        }

        var damage = new List<(long, byte)>();
        for (int i = 0; i < targets.Length; i++)
        {
            var (offset, length) = regions[(targets[i] + bias[i]) % regions.Count];
            long at = offset + (targets[i] % length);
            // Header and entry fields are 4/8-byte little-endian numbers: a 0xFF in a high byte makes them huge.
            device.WriteAt(at, [values[i]]);
            damage.Add((at, values[i]));
        }

        return new DamagedImage(origin, ss, size, device, damage);
    }
}

/// <summary>Damaged tables must be read or refused with <see cref="InvalidDataException"/> — never another exception.</summary>
public class FuzzTests
{
    [Property(Arbitrary = [typeof(FuzzArbitraries)], MaxTest = 2000)]
    public void Reader_never_fails_with_anything_but_InvalidDataException(DamagedImage image)
    {
        try
        {
            var result = PartitionTableReader.Read(image.Device, image.SectorSize, image.DeviceBytes);
            Assert.True(result.Kind == PartitionTableKind.None || result.Gpt is not null || result.Mbr is not null);
        }
        catch (InvalidDataException e)
        {
            Assert.False(string.IsNullOrWhiteSpace(e.Message));
        }
    }

    [Property(Arbitrary = [typeof(PartitionArbitraries)], MaxTest = 200)]
    public void Any_single_bit_flip_in_a_gpt_header_is_caught_by_its_crc(GptCase c, byte offsetSeed, byte bit)
    {
        var device = new SparseStream(c.DeviceBytes);
        PartitionTableWriter.Write(device, c.SectorSize, c.DeviceBytes, c.Table);
        int offset = offsetSeed % (92 + c.Table.HeaderExtraBytes.Length);
        device.FlipBit(c.SectorSize + offset, bit % 8);

        var result = PartitionTableReader.Read(device, c.SectorSize, c.DeviceBytes);

        Assert.Contains(result.Warnings, w => w.StartsWith("primary GPT header at LBA 1 is corrupt", StringComparison.Ordinal));
        TableAssert.Equal(c.Table, result.Gpt!);
    }
}
