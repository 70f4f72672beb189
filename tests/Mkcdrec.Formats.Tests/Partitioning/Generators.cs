using FsCheck;
using FsCheck.Fluent;
using Mkcdrec.Formats.Partitioning;

namespace Mkcdrec.Formats.Tests.Partitioning;

/// <summary>A random valid GPT together with the device it is meant for.</summary>
public sealed record GptCase(int SectorSize, long DeviceBytes, GptTable Table)
{
    public override string ToString() =>
        $"{SectorSize}-byte sectors, {DeviceBytes / SectorSize} sectors, {Table.EntryCount}x{Table.EntrySize} entries, usable {Table.FirstUsableLba}..{Table.LastUsableLba}: " +
        string.Join("; ", Table.Partitions.Select(p => p.ToString()));
}

/// <summary>A GPT that sgdisk and sfdisk can represent exactly (512-byte sectors, 128-byte entries, attribute bits sfdisk prints).</summary>
public sealed record PeerGptCase(GptCase Case)
{
    public override string ToString() => Case.ToString();
}

/// <summary>A random valid MBR table together with the device it is meant for.</summary>
public sealed record MbrCase(int SectorSize, long DeviceBytes, MbrTable Table)
{
    public override string ToString() =>
        $"{SectorSize}-byte sectors, {DeviceBytes / SectorSize} sectors: " + string.Join("; ", Table.Partitions.OrderBy(p => p.Number).Select(p => p.ToString()));
}

/// <summary>An MBR that sfdisk reads from an image file exactly: 512-byte sectors, at most 32 GiB, no reserved bytes.</summary>
public sealed record PeerMbrCase(MbrCase Case)
{
    public override string ToString() => Case.ToString();
}

public static class PartitionGenerators
{
    /// <summary>Bits sfdisk shows: 0 required, 1 no-block-IO, 2 legacy BIOS bootable, 48..63 type-specific.</summary>
    public const ulong SfdiskVisibleAttributes = 0xFFFF_0000_0000_0007;

    private static readonly string[] NamePieces = ["a", "B", "z", "0", "9", "-", "_", " ", ".", "root", "EFI System", "é", "ü", "Ω", "日本", "😀"];

    public static Gen<byte> Byte => Gen.Choose(0, 255).Select(b => (byte)b);

    public static Gen<Guid> NonEmptyGuid => Gen.ArrayOf(Byte, 16).Select(b => new Guid(b)).Where(g => g != Guid.Empty);

    public static Gen<ulong> UInt64 => Gen.Choose(int.MinValue, int.MaxValue).Two().Select(t => ((ulong)(uint)t.Item1 << 32) | (uint)t.Item2);

    public static Gen<uint> UInt32 => Gen.Choose(int.MinValue, int.MaxValue).Select(i => (uint)i);

    public static Gen<byte[]> BootCode => Gen.Frequency(
        (1, Gen.Constant(new byte[440])),
        (1, Gen.ArrayOf(Byte, 440)));

    /// <summary>Names of 0..36 UTF-16 code units, with non-ASCII and surrogate pairs, never cut inside a pair.</summary>
    public static Gen<string> Name => Gen.ListOf(Gen.Elements(NamePieces)).Select(pieces =>
    {
        var s = "";
        foreach (var piece in pieces)
        {
            if (s.Length + piece.Length > GptPartition.MaxNameLength)
            {
                break;
            }

            s += piece;
        }

        return s;
    });

    /// <summary>Weights for <see cref="Place"/>: 2n+1 numbers.</summary>
    public static Gen<int[]> Weights(int n) => Gen.ArrayOf(Gen.Frequency((3, Gen.Choose(0, 1000)), (1, Gen.Constant(0))), (2 * n) + 1);

    /// <summary>Places n ranges in [first, last]: each preceded by a gap of at least <paramref name="minGap"/>, each at least 1 long.</summary>
    public static List<(long Start, long End)> Place(long first, long last, int n, long minGap, int[] w)
    {
        long spare = last - first + 1 - (n * (minGap + 1));
        if (spare < 0)
        {
            throw new ArgumentException("region too small");
        }

        long total = w.Sum(x => (long)x) + 1;
        var result = new List<(long, long)>();
        long pos = first;
        for (int i = 0; i < n; i++)
        {
            long gap = minGap + (long)((Int128)spare * w[2 * i] / total);
            long size = 1 + (long)((Int128)spare * w[(2 * i) + 1] / total);
            result.Add((pos + gap, pos + gap + size - 1));
            pos += gap + size;
        }

        return result;
    }

    public static Gen<GptCase> Gpt(bool peerSafe) =>
        from ss in peerSafe ? Gen.Constant(512) : Gen.Elements(512, 4096)
        from entryCount in peerSafe ? Gen.Elements(128, 128, 128, 256) : Gen.Elements(128, 128, 128, 1, 4, 32, 56, 129, 256)
        from entrySize in peerSafe ? Gen.Constant(128) : Gen.Elements(128, 128, 128, 256)
        from headerExtra in peerSafe ? Gen.Constant(Array.Empty<byte>()) : Gen.Frequency((5, Gen.Constant(Array.Empty<byte>())), (1, Gen.Choose(1, 20).SelectMany(n => Gen.ArrayOf(Byte, n))))
        from spareSectors in Gen.Choose(0, 1 << 20)
        from multiplier in peerSafe ? Gen.Elements(1L, 1L, 64L) : Gen.Elements(1L, 1L, 64L, 4096L, 1L << 14)
        from diskGuid in NonEmptyGuid
        from bootCode in BootCode
        from pmbrSignature in Gen.Frequency((3, Gen.Constant(0u)), (1, UInt32))
        from count in Gen.Choose(0, Math.Min(entryCount, peerSafe ? 8 : 12))
        from weights in Weights(count)
        from slots in Gen.Shuffle(Enumerable.Range(1, entryCount))
        from types in Gen.ArrayOf(NonEmptyGuid, count)
        from uniques in Gen.ArrayOf(NonEmptyGuid, count)
        from names in Gen.ArrayOf(Name, count)
        from attrs in Gen.ArrayOf(UInt64, count)
        from extra in Gen.ArrayOf(Gen.ArrayOf(Byte, entrySize - 128), count)
        select BuildGpt(ss, entryCount, entrySize, headerExtra, spareSectors, multiplier, diskGuid, bootCode, pmbrSignature, count, weights, slots, types, uniques, names, attrs, extra, peerSafe);

    private static GptCase BuildGpt(int ss, int entryCount, int entrySize, byte[] headerExtra, int spareSectors, long multiplier, Guid diskGuid, byte[] bootCode, uint pmbrSignature,
        int count, int[] weights, int[] slots, Guid[] types, Guid[] uniques, string[] names, ulong[] attrs, byte[][] extra, bool peerSafe)
    {
        long entrySectors = (((long)entryCount * entrySize) + ss - 1) / ss;
        long minimum = 2 + (2 * entrySectors) + 1 + count;
        long sectors = minimum + 16 + (spareSectors * multiplier);
        var table = GptTable.CreateEmpty(sectors * ss, ss, diskGuid, entryCount);
        table.EntrySize = entrySize;
        if (entrySize != 128)
        {
            // CreateEmpty assumed 128-byte entries: lay the areas out again for the real size.
            entrySectors = table.EntryArraySectors(ss);
            table.FirstUsableLba = table.EntriesLba + entrySectors;
            table.FitToDevice(sectors * ss, ss);
        }

        table.HeaderExtraBytes = headerExtra;
        table.ProtectiveMbrBootCode = bootCode;
        table.ProtectiveMbrDiskSignature = pmbrSignature;
        var ranges = Place(table.FirstUsableLba, table.LastUsableLba, count, 0, weights);
        for (int i = 0; i < count; i++)
        {
            table.Partitions.Add(new GptPartition
            {
                Number = slots[i],
                TypeGuid = types[i],
                UniqueGuid = uniques[i],
                FirstLba = ranges[i].Start,
                LastLba = ranges[i].End,
                Attributes = peerSafe ? attrs[i] & SfdiskVisibleAttributes : attrs[i],
                Name = names[i],
                ExtraBytes = extra[i],
            });
        }

        return new GptCase(ss, sectors * ss, table);
    }

    private static readonly byte[] DataTypes = [0x83, 0x82, 0x07, 0x0C, 0x8E, 0xFD, 0xEF, 0x01, 0x06, 0x0B, 0xA5, 0xFB, 0xDA];
    private static readonly byte[] ExtendedTypes = [0x05, 0x0F, 0x85];

    public static Gen<byte> DataType => Gen.Frequency(
        (3, Gen.Elements(DataTypes)),
        (1, Byte.Where(b => b != 0 && b != 0xEE && !ExtendedTypes.Contains(b))));

    public static Gen<MbrCase> Mbr(bool peerSafe) =>
        from ss in peerSafe ? Gen.Constant(512) : Gen.Elements(512, 4096)
        from spareSectors in Gen.Choose(0, 1 << 20)
        from multiplier in peerSafe ? Gen.Elements(1L, 1L, 64L) : Gen.Elements(1L, 64L, 4096L, 8192L)
        from primaryCount in Gen.Choose(0, 4)
        from hasExtended in primaryCount > 0 ? Gen.Elements(true, true, false) : Gen.Constant(false)
        from extendedIndex in Gen.Choose(0, Math.Max(0, primaryCount - 1))
        from slots in Gen.Shuffle(new[] { 1, 2, 3, 4 })
        from weights in Weights(primaryCount)
        from extendedWeight in Gen.Choose(1, 20)
        from logicalCount in hasExtended ? Gen.Choose(0, 6) : Gen.Constant(0)
        from logicalWeights in Weights(logicalCount)
        from ebrWeights in Gen.ArrayOf(Gen.Choose(0, 1000), logicalCount)
        from types in Gen.ArrayOf(DataType, 4 + logicalCount)
        from extendedType in Gen.Elements(ExtendedTypes)
        from boot in Gen.ArrayOf(Gen.Frequency((4, Gen.Constant(false)), (1, Gen.Constant(true))), 4 + logicalCount)
        from signature in UInt32
        from reserved in peerSafe ? Gen.Constant((ushort)0) : Gen.Frequency((3, Gen.Constant((ushort)0)), (1, Gen.Choose(0, 65535).Select(x => (ushort)x)))
        from bootCode in BootCode
        select BuildMbr(ss, spareSectors, multiplier, primaryCount, hasExtended, extendedIndex, slots, weights, extendedWeight, logicalCount, logicalWeights, ebrWeights, types,
            extendedType, boot, signature, reserved, bootCode);

    private static MbrCase BuildMbr(int ss, int spareSectors, long multiplier, int primaryCount, bool hasExtended, int extendedIndex, int[] slots, int[] weights, int extendedWeight,
        int logicalCount, int[] logicalWeights, int[] ebrWeights, byte[] types, byte extendedType, bool[] boot, uint signature, ushort reserved, byte[] bootCode)
    {
        long sectors = 64 + (2L * logicalCount) + (spareSectors * multiplier);
        var table = new MbrTable { DiskSignature = signature, Reserved = reserved, BootCode = bootCode };
        if (hasExtended)
        {
            weights[(2 * extendedIndex) + 1] = (weights[(2 * extendedIndex) + 1] + 1) * extendedWeight * 10; // make room for the logicals
        }

        long last = Math.Min(sectors - 1, uint.MaxValue);
        var ranges = Place(1, last, primaryCount, 0, weights);
        for (int i = 0; i < primaryCount; i++)
        {
            bool isExtended = hasExtended && i == extendedIndex;
            var p = new MbrPartition
            {
                Number = slots[i],
                Type = isExtended ? extendedType : types[i],
                Bootable = !isExtended && boot[i],
                StartLba = ranges[i].Start,
                SectorCount = ranges[i].End - ranges[i].Start + 1,
            };
            table.Partitions.Add(p);
            if (isExtended)
            {
                int m = (int)Math.Min(logicalCount, p.SectorCount / 2);
                var inner = Place(p.StartLba, p.LastLba, m, 1, logicalWeights[..((2 * m) + 1)]);
                long previousEnd = p.StartLba - 1;
                for (int j = 0; j < m; j++)
                {
                    long ebr = j == 0 ? p.StartLba : previousEnd + 1 + ((inner[j].Start - previousEnd - 2) * ebrWeights[j] / 1000);
                    table.Partitions.Add(new MbrPartition
                    {
                        Number = 5 + j,
                        Type = types[4 + j],
                        Bootable = boot[4 + j],
                        StartLba = inner[j].Start,
                        SectorCount = inner[j].End - inner[j].Start + 1,
                        EbrLba = ebr,
                    });
                    previousEnd = inner[j].End;
                }
            }
        }

        return new MbrCase(ss, sectors * ss, table);
    }
}

/// <summary>Registers the generators with FsCheck (used through <c>[Property(Arbitrary = ...)]</c>).</summary>
public static class PartitionArbitraries
{
    public static Arbitrary<GptCase> GptCase() => PartitionGenerators.Gpt(peerSafe: false).ToArbitrary();

    public static Arbitrary<PeerGptCase> PeerGptCase() => PartitionGenerators.Gpt(peerSafe: true).Select(c => new PeerGptCase(c)).ToArbitrary();

    public static Arbitrary<MbrCase> MbrCase() => PartitionGenerators.Mbr(peerSafe: false).ToArbitrary();

    public static Arbitrary<PeerMbrCase> PeerMbrCase() => PartitionGenerators.Mbr(peerSafe: true).Select(c => new PeerMbrCase(c)).ToArbitrary();
}
