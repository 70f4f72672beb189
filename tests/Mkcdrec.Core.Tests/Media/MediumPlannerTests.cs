using Mkcdrec.Core;
using Mkcdrec.Core.Media;

namespace Mkcdrec.Core.Tests.Media;

public class MediumPlannerTests
{
    private const long Mib = 1 << 20;

    [Fact]
    public void Everything_on_one_medium_when_it_fits()
    {
        var v = Enumerable.Range(0, 3).Select(i => new MediumFile($"root.{i:D3}", 10 * Mib)).ToList();
        var shares = MediumPlanner.Distribute(v, 700 * Mib, 40 * Mib, Mib);
        Assert.Single(shares);
        Assert.Equal(v, shares[0].Files);
    }

    [Fact]
    public void The_first_medium_leaves_room_for_the_rescue_system()
    {
        // 100 MiB media, 4 MiB ISO overhead + 1 MiB per medium: the first holds 50 MiB of rescue system and 2 volumes of 20 MiB, the others 4.
        var v = Enumerable.Range(0, 8).Select(i => new MediumFile($"v{i}", 20 * Mib)).ToList();
        var shares = MediumPlanner.Distribute(v, 100 * Mib, 50 * Mib, Mib);
        Assert.Equal([2, 4, 2], shares.Select(s => s.Files.Count));
        Assert.Equal([1, 2, 3], shares.Select(s => s.Index));
    }

    [Fact]
    public void A_volume_larger_than_a_medium_is_refused_with_its_name()
    {
        var e = Assert.Throws<MkcdrecException>(() => MediumPlanner.Distribute([new MediumFile("big.000", 200 * Mib)], 100 * Mib, 10 * Mib, 0));
        Assert.Contains("big.000", e.Message, StringComparison.Ordinal);
        Assert.Equal(ExitCode.Usage, e.Code);
        Assert.Throws<MkcdrecException>(() => MediumPlanner.Distribute([], 10 * Mib, 10 * Mib, 0)); // not even the rescue system
    }

    [Fact]
    public void No_volumes_still_make_one_medium() =>
        Assert.Single(MediumPlanner.Distribute([], 100 * Mib, 10 * Mib, 0));

    /// <summary>Random sets of volumes (some empty, some nearly a whole medium), media sizes and reserves, from FsCheck's seed.</summary>
    [FsCheck.Xunit.Property(MaxTest = 400)]
    public bool Every_volume_on_exactly_one_medium_in_order_and_within_the_size(int seed, byte count)
    {
        var rnd = new Random(seed);
        var cap = rnd.NextInt64(45_000_000, 200_000_000);
        var first = rnd.NextInt64(0, 30_000_000);
        var per = rnd.NextInt64(0, 2_000_000);
        var sizes = Enumerable.Range(0, count % 80).Select(_ => rnd.Next(4) == 0 ? 0 : rnd.NextInt64(0, cap - MediumPlanner.IsoOverhead - per - 4096)).ToList();
        var volumes = sizes.Select((s, i) => new MediumFile($"v{i:D4}", s)).ToList();
        var shares = MediumPlanner.Distribute(volumes, cap, first, per);

        // every volume exactly once, order kept (concatenating the shares gives the input back)
        var flat = shares.SelectMany(s => s.Files).ToList();
        if (!flat.SequenceEqual(volumes))
        {
            return false;
        }

        // indexes 1..M, sizes respected, the rescue system counted on the first only
        for (var i = 0; i < shares.Count; i++)
        {
            if (shares[i].Index != i + 1 || MediumPlanner.EstimatedIsoBytes(shares[i], first, per) > cap)
            {
                return false;
            }
        }

        // no medium but the last could have taken the next volume (greedy: no needless extra media)
        for (var i = 0; i + 1 < shares.Count; i++)
        {
            var next = shares[i + 1].Files.FirstOrDefault();
            if (next is not null && MediumPlanner.EstimatedIsoBytes(shares[i], first, per) + MediumPlanner.IsoCost(next.Size) <= cap)
            {
                return false;
            }
        }

        return shares.Count >= 1 && shares.Skip(1).All(s => s.Files.Count > 0);
    }
}
