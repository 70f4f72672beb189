using Mkcdrec.Core.Planning;
using Mkcdrec.Model.Layout;
using Mkcdrec.Model.Plan;
using static Mkcdrec.Core.Tests.Planning.PlanFixtures;
using Mkcdrec.Core.Storage;

namespace Mkcdrec.Core.Tests.Planning;

public sealed class PlannerSizingTests
{
    private static PartitionTableSpec Table(RecoveryPlan plan, string device) =>
        plan.Steps.Single(s => s.Kind == StepKinds.Partition && s.PartitionTable!.Device == device).PartitionTable!;

    private static Partition Source(LayoutDocument l, PartitionSpec p) => l.Disks.SelectMany(d => d.Partitions).Single(x => x.Id == p.SourceId);

    /// <summary>Every table is sane: inside the usable area, no overlaps among primaries, logicals inside the extended one after an EBR sector.</summary>
    internal static void AssertSane(PartitionTableSpec t)
    {
        var total = t.DeviceSizeBytes / t.SectorSize;
        var last = t.LastUsableLba ?? total - 1;
        var first = t.FirstUsableLba ?? 1;
        var outer = t.Partitions.Where(p => p.Kind != PartitionKinds.Logical).OrderBy(p => p.StartSector).ToList();
        for (var i = 0; i < outer.Count; i++)
        {
            Assert.True(outer[i].SizeSectors > 0, $"{outer[i].Path} is empty");
            Assert.True(outer[i].StartSector >= first, $"{outer[i].Path} starts before the usable area");
            Assert.True(outer[i].StartSector + outer[i].SizeSectors - 1 <= last, $"{outer[i].Path} ends after the usable area ({outer[i].StartSector}+{outer[i].SizeSectors} > {last})");
            if (i > 0)
            {
                Assert.True(outer[i].StartSector >= outer[i - 1].StartSector + outer[i - 1].SizeSectors, $"{outer[i].Path} overlaps {outer[i - 1].Path}");
            }
        }

        var ext = t.Partitions.SingleOrDefault(p => p.Kind == PartitionKinds.Extended);
        var logicals = t.Partitions.Where(p => p.Kind == PartitionKinds.Logical).OrderBy(p => p.StartSector).ToList();
        long prevEnd = ext?.StartSector ?? 0;
        foreach (var l in logicals)
        {
            Assert.NotNull(ext);
            Assert.True(l.StartSector > prevEnd, $"{l.Path} leaves no room for its EBR");
            Assert.True(l.StartSector + l.SizeSectors <= ext!.StartSector + ext.SizeSectors, $"{l.Path} is outside the extended partition");
            prevEnd = l.StartSector + l.SizeSectors - 1;
        }
    }

    [Fact]
    public void Same_size_recreates_every_partition_byte_exact()
    {
        var l = Gpt();
        var d = l.Disks[0];
        var plan = Planner.Plan(l, [Target("vda", d.SizeBytes)], new PlanOptions());
        var t = Table(plan, "/dev/vda");
        Assert.Equal(d.Partitions.Count, t.Partitions.Count);
        foreach (var p in t.Partitions)
        {
            var s = Source(l, p);
            Assert.Equal((s.Number, s.StartSector, s.SizeSectors, s.TypeGuid, s.PartUuid, s.Name), (p.Number, p.StartSector, p.SizeSectors, p.TypeGuid, p.PartUuid?.ToString(), p.Name));
        }

        Assert.Equal((d.PartitionTable.DiskGuid, d.PartitionTable.FirstUsableLba, d.PartitionTable.LastUsableLba), (t.DiskGuid, t.FirstUsableLba, t.LastUsableLba));
    }

    [Fact]
    public void Same_size_mbr_with_logicals_is_exact_too()
    {
        var l = Mbr();
        var plan = Planner.Plan(l, [Target("vda", l.Disks[0].SizeBytes)], new PlanOptions());
        var t = Table(plan, "/dev/vda");
        Assert.Equal("1234abcd", t.MbrDiskId);
        foreach (var p in t.Partitions)
        {
            var s = Source(l, p);
            Assert.Equal((s.Kind, s.StartSector, s.SizeSectors, s.MbrType, s.Bootable), (p.Kind, p.StartSector, p.SizeSectors, p.MbrType, p.Bootable));
        }
    }

    [Theory]
    [InlineData(1.5)]
    [InlineData(2.0)]
    [InlineData(7.3)]
    public void Growing_keeps_bios_boot_and_swap_and_shares_the_rest_proportionally(double factor)
    {
        var l = Gpt();
        var size = (long)(l.Disks[0].SizeBytes * factor) / 4096 * 4096;
        var plan = Planner.Plan(l, [Target("vda", size)], new PlanOptions());
        var t = Table(plan, "/dev/vda");
        AssertSane(t);
        var ratios = new List<double>();
        foreach (var p in t.Partitions)
        {
            var s = Source(l, p);
            var newBytes = p.SizeSectors * t.SectorSize;
            if (s.TypeName is "BIOS boot" or "Linux swap")
            {
                Assert.Equal(s.SizeBytes, newBytes);
            }
            else
            {
                ratios.Add((double)newBytes / s.SizeBytes);
            }

            Assert.Equal(0, p.StartSector * t.SectorSize % (1 << 20));
        }

        Assert.Equal(3, ratios.Count);
        // What the flexible partitions share: the usable area from the first start, less the fixed partitions, on each disk.
        var src = l.Disks[0];
        var fixedBytes = src.Partitions.Where(p => p.TypeName is "BIOS boot" or "Linux swap").Sum(p => p.SizeBytes);
        var first = src.Partitions.Min(p => p.StartSector) * 512;
        var expected = ((t.LastUsableLba!.Value + 1) * 512 - first - fixedBytes) / (double)((src.PartitionTable.LastUsableLba!.Value + 1) * 512 - first - fixedBytes);
        Assert.True(expected > factor * 0.95, $"expected ratio {expected}");
        Assert.All(ratios, r => Assert.InRange(r, expected * 0.985, expected * 1.0001));
        var lastEnd = t.Partitions.Max(p => p.StartSector + p.SizeSectors);
        Assert.True((t.LastUsableLba!.Value - lastEnd) * t.SectorSize < 16L << 20, "the disk's new space is used");
    }

    [Fact]
    public void Resize_fixed_scales_swap_too()
    {
        var l = Gpt();
        var plan = Planner.Plan(l, [Target("vda", 2 * l.Disks[0].SizeBytes)], new PlanOptions { ResizeFixed = true });
        var swap = Table(plan, "/dev/vda").Partitions.Single(p => p.Number == 4);
        Assert.True(swap.SizeSectors * 512 > 1.8 * Source(l, swap).SizeBytes);
    }

    [Fact]
    public void Shrinking_keeps_what_each_filesystem_needs_with_a_margin()
    {
        var l = Gpt();
        var target = 1536 * MiB;
        var plan = Planner.Plan(l, [Target("vda", target)], new PlanOptions());
        var t = Table(plan, "/dev/vda");
        AssertSane(t);
        Assert.Equal("shrink", plan.Mappings[0].Resize);
        foreach (var p in t.Partitions)
        {
            var s = Source(l, p);
            var f = l.Filesystems.SingleOrDefault(x => x.Id == s.UsedBy);
            var newBytes = p.SizeSectors * t.SectorSize;
            if (f is { UsedBytes: { } used } && f.Type != "swap")
            {
                Assert.True(newBytes >= Math.Min(f.SizeBytes, Math.Max((long)(used * 1.15), used + 256 * MiB)), $"{p.Path}: {newBytes} < margin over {used}");
                Assert.True(newBytes <= s.SizeBytes);
            }
        }

        Assert.Contains(t.Partitions, p => p.SizeSectors * 512 < Source(l, p).SizeBytes);
    }

    [Fact]
    public void Too_small_is_refused_with_the_numbers()
    {
        var l = Gpt();
        var e = Assert.Throws<MkcdrecException>(() => Planner.Plan(l, [Target("vdb", GiB)], new PlanOptions { Maps = ["loop0=vdb"] }));
        Assert.Equal(ExitCode.Refused, e.Code);
        Assert.Matches(@"needs 1\.\d GiB on /dev/vdb, which has 1 GiB", e.Message);
        Assert.Contains("at least", e.Hint);
    }

    [Theory]
    [InlineData(2.0)]
    [InlineData(1.3)]
    [InlineData(0.8)]
    public void Mbr_logicals_stay_inside_the_extended_partition(double factor)
    {
        var l = Mbr();
        l.Filesystems.Single(f => f.Type == "xfs").UsedBytes = 10 * MiB; // known usage lets it shrink
        var size = (long)(l.Disks[0].SizeBytes * factor) / 4096 * 4096;
        var plan = Planner.Plan(l, [Target("vda", size)], new PlanOptions());
        var t = Table(plan, "/dev/vda");
        AssertSane(t);
        Assert.Equal([1, 2, 3, 5, 6, 7], t.Partitions.Select(p => p.Number));
        Assert.Equal(Source(l, t.Partitions[1]).SizeBytes, t.Partitions[1].SizeSectors * 512); // swap keeps its size
    }

    [Fact]
    public void Lvm_volumes_grow_with_their_volume_group_swap_and_thin_sizes_kept()
    {
        var l = RaidLuksLvmThin();
        var plan = Planner.Plan(l, [Target("vda", 40 * GiB, "SA"), Target("vdb", 40 * GiB, "SB")], new PlanOptions());
        long Size(string lv) => long.Parse(Arg(plan, "lv-create:lv:vg0/" + lv, lv == "data" ? "--virtualsize" : "--size").TrimEnd('b'));
        Assert.Equal(GiB, Size("swap"));
        Assert.Equal(20 * GiB, Size("data"));
        Assert.InRange(Size("root") / (double)(8 * GiB), 1.9, 2.3);
        Assert.InRange(Size("pool") / (double)(6 * GiB), 1.9, 2.3);
        Assert.All(new[] { "root", "pool" }, lv => Assert.Equal(0, Size(lv) % (4 * MiB)));
        var esp = Table(plan, "/dev/vda").Partitions[0];
        Assert.Equal(512 * MiB, esp.SizeSectors * 512);
    }

    [Fact]
    public void Lvm_same_size_keeps_every_volume_size()
    {
        var l = RaidLuksLvmThin();
        var plan = Planner.Plan(l, [Target("vda", 20 * GiB, "SA"), Target("vdb", 20 * GiB, "SB")], new PlanOptions());
        Assert.Equal(B(8 * GiB), Arg(plan, "lv-create:lv:vg0/root", "--size"));
        Assert.Equal(B(6 * GiB), Arg(plan, "lv-create:lv:vg0/pool", "--size"));
    }

    [Fact]
    public void Lvm_shrinks_when_the_data_fits_and_refuses_when_not()
    {
        var l = RaidLuksLvmThin();
        var plan = Planner.Plan(l, [Target("vda", 12 * GiB, "SA"), Target("vdb", 12 * GiB, "SB")], new PlanOptions());
        var root = long.Parse(Arg(plan, "lv-create:lv:vg0/root", "--size").TrimEnd('b'));
        Assert.InRange(root, (long)(3 * GiB * 1.15), 8 * GiB - 1);
        Assert.Empty(Planner.CheckOrder(plan));

        var e = Assert.Throws<MkcdrecException>(() => Planner.Plan(l, [Target("vda", 4 * GiB, "SA"), Target("vdb", 4 * GiB, "SB")], new PlanOptions()));
        Assert.Equal(ExitCode.Refused, e.Code);
        Assert.Contains("needs", e.Message);
        Assert.Contains("which has 4 GiB", e.Message);
    }

    private static string B(long v) => v.ToString(System.Globalization.CultureInfo.InvariantCulture) + "b";

    internal static string Arg(RecoveryPlan plan, string stepId, string option)
    {
        var argv = plan.Steps.Single(s => s.Id == stepId).Commands.Single().Argv;
        return argv[argv.IndexOf(option) + 1];
    }
}
