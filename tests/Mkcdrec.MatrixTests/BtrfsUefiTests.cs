using Mkcdrec.TestVm;

namespace Mkcdrec.MatrixTests;

public sealed class BtrfsUefi() : MatrixCase("btrfs-uefi");

/// <summary>
/// Matrix case 3: UEFI, btrfs root with subvolumes @, @home, @var_log, a read-only snapshot and the default subvolume
/// set, compress=zstd; recovered onto a disk of the other size class (larger) and onto a smaller one that still holds it.
/// </summary>
[Trait("case", "btrfs-uefi")]
public sealed class BtrfsUefiTests(BtrfsUefi source) : IClassFixture<BtrfsUefi>
{
    private const string SubvolumeReport = """
        #!/bin/sh
        echo "SUBVOLS:"; btrfs subvolume list -a -r / | sed 's/^/RO /'; btrfs subvolume list -a /
        echo "DEFAULT: $(btrfs subvolume get-default /)"
        echo "ROOT: $(findmnt -n -o SOURCE,OPTIONS /)"
        echo "FSUUID: $(findmnt -n -o UUID /)"
        """;

    [Fact]
    [Trait("slice", "btrfs-uefi")]
    public void Comes_back_on_a_larger_disk_with_its_subvolumes_snapshot_and_default()
    {
        var sizes = source.Reference.DiskSizes.Select(s => s * 2 / Size.MiB(1) * Size.MiB(1)).ToList();
        var r = source.Recover("2x", sizes);
        Assert.Matches(@"^Boot[0-9A-F]{4} debian$", r.Drill.Report.GetProperty("efiBootEntry").GetString());
        var job = r.RunJob("subvolumes", SubvolumeReport);
        Assert.Equal(0, job.ExitCode);
        var c = job.Console;
        foreach (var sv in new[] { "path <FS_TREE>/@\n", "path <FS_TREE>/@home", "path <FS_TREE>/@var_log", "path <FS_TREE>/@snapshot-ro" })
        {
            Assert.Contains(sv.TrimEnd('\n'), c, StringComparison.Ordinal);
        }

        Assert.Matches(@"RO .*path <FS_TREE>/@snapshot-ro", c);
        Assert.Matches(@"DEFAULT: ID \d+ gen \d+ top level 5 path @\s", c);
        Assert.Matches(@"ROOT: \S+ \S*compress=zstd\S*subvol=/@", c);
        Assert.Contains("FSUUID: " + source.Reference.RootUuid, c, StringComparison.Ordinal);
    }

    [Fact]
    public void Comes_back_on_a_disk_of_the_same_size()
    {
        var r = source.Recover("same");
        Assert.Equal(source.Reference.DiskSizes, r.DiskSizes);
    }

    [Fact]
    public void Comes_back_on_a_smaller_disk_that_still_holds_it()
    {
        var sizes = source.Reference.DiskSizes.Select(_ => Size.MiB(2200)).ToList();
        var r = source.Recover("smaller", sizes);
        Assert.Equal(sizes, r.DiskSizes);
    }
}
