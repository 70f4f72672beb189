using Mkcdrec.TestVm;

namespace Mkcdrec.MatrixTests;

public sealed class RaidDegradedBios() : MatrixCase("raid-degraded-bios");

/// <summary>
/// Matrix case 6: the source's root mirror ran on one disk when the backup was made. On two blank disks the recovery
/// brings it back healthy (a copy of the surviving disk's layout on the second, GRUB on both); with --keep-degraded it
/// recreates it as it was, and the second disk is not written.
/// </summary>
[Trait("case", "raid-degraded-bios")]
public sealed class DegradedSourceTests(RaidDegradedBios source) : IClassFixture<RaidDegradedBios>
{
    private const string MirrorReport = """
        #!/bin/sh
        cat /proc/mdstat
        echo "ROOT: $(findmnt -n -o SOURCE /)"
        echo "MD-UUID: $(mdadm --detail --export "$(findmnt -n -o SOURCE /)" | sed -n 's/^MD_UUID=//p')"
        echo "MD-STATE: $(mdadm --detail "$(findmnt -n -o SOURCE /)" | sed -n 's/^ *State : //p')"
        """;

    private long Size0 => source.Reference.DiskSizes[0];

    [Fact]
    [Trait("slice", "raid-degraded-bios")]
    public void Comes_back_healthy_on_two_disks_and_boots_from_either()
    {
        var r = source.Recover("healthy", [Size0, Size0]);
        var job = r.RunJob("mirror", MirrorReport);
        Assert.True(job.ExitCode == 0, $"the mirror report failed:\n{HostProcess.Tail(job.Console, 4000)}");
        Assert.Contains("[UU]", job.Console, StringComparison.Ordinal);
        Assert.Matches(@"md\S* : active raid1 vd[ab]2\[\d\] vd[ab]2\[\d\]", job.Console);
        Assert.Contains("MD-UUID: " + source.Reference.Facts["MD_UUID"], job.Console, StringComparison.Ordinal);
        Assert.DoesNotContain("degraded", job.Console[job.Console.IndexOf("MD-STATE:", StringComparison.Ordinal)..], StringComparison.Ordinal);

        // The copy got GRUB too: each disk alone boots the mirror (degraded, as it should then be).
        for (var only = 0; only < 2; only++)
        {
            var alone = r.RunJob($"only-disk{only}", MirrorReport, only: [only]);
            Assert.True(alone.ExitCode == 0, $"the recovered system did not run its job from disk {only} alone:\n{HostProcess.Tail(alone.Console, 4000)}");
            Assert.Contains("ROOT: /dev/md", alone.Console, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void With_keep_degraded_comes_back_as_it_was_and_leaves_the_second_disk_blank()
    {
        var r = source.Recover("as-it-was", [Size0, Size0], drillOptions: ["--keep-degraded"]);
        var job = r.RunJob("mirror", MirrorReport);
        Assert.Equal(0, job.ExitCode);
        Assert.Matches(@"\[(U_|_U)\]", job.Console);
        Assert.Contains("MD-UUID: " + source.Reference.Facts["MD_UUID"], job.Console, StringComparison.Ordinal);
        Assert.True(AllZero(r.Disks[1]), $"--keep-degraded wrote to the second disk {r.Disks[1]}");
    }

    [Fact]
    public void Comes_back_healthy_on_larger_disks()
    {
        var big = Size0 / 2 * 3 / Size.MiB(1) * Size.MiB(1);
        var r = source.Recover("1.5x", [big, big]);
        Assert.Equal([big, big], r.DiskSizes);
    }

    // The drill's images are sparse: an unwritten disk reads as zeros throughout (the holes cost no I/O).
    private static bool AllZero(string image)
    {
        using var f = File.OpenRead(image);
        var buf = new byte[1 << 20];
        int n;
        while ((n = f.Read(buf)) > 0)
        {
            if (buf.AsSpan(0, n).ContainsAnyExcept((byte)0))
            {
                return false;
            }
        }

        return true;
    }
}
