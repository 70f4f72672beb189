using Mkcdrec.Core.Archive;
using Mkcdrec.Formats.Tar;
using Mkcdrec.Model.Manifest;

namespace Mkcdrec.Core.Tests.Archive;

/// <summary>
/// Round trips through GNU tar, zstd and openssl in both directions on a tree with every kind of entry, compared by
/// an independent walker (Python lstat + getfattr + getfacl). Needs root (mknod, chown, trusted.* xattrs, mount).
/// </summary>
[Trait("Category", "Root")]
public sealed class ArchiveInteropTests : FixtureTreeTest
{
    private const string Pass = "correct horse battery staple";

    private ArchiveRecord Create(Compression c, byte[]? pass = null, long volumeSize = 0, IReadOnlyList<string>? excludes = null, List<string>? problems = null) =>
        new ArchiveCreator(Fs, new Recorder(problems)).Create(new CreateOptions
        {
            Root = Src,
            Destination = Path.Combine(Dir, "bk"),
            Compression = c,
            Passphrase = pass,
            Iterations = 1000,
            VolumeSize = volumeSize,
            ChunkSize = 1 << 20,
            Excludes = excludes ?? [],
        });

    private sealed class Recorder(List<string>? problems) : IArchiveEvents
    {
        public void Problem(string path, string message) => problems?.Add($"{path}: {message}");
    }

    private static void AssertSameTree(string expected, string actual)
    {
        var a = TreeFixture.Snapshot(expected);
        var b = TreeFixture.Snapshot(actual);
        Assert.Contains("sparse", a); // the fixture really has holes, xattrs and ACLs
        Assert.Contains("security.capability", a);
        Assert.Contains("default:user:7:r-x", a);
        Assert.Equal(a, b);
    }

    private string VolumesGlob() => Path.Combine(Dir, "bk", "root.tar*");

    [Fact]
    public void Gnu_tar_extracts_our_plain_archive_exactly()
    {
        var problems = new List<string>();
        Create(Compression.None, problems: problems);
        Assert.Contains(problems, p => p.StartsWith("sock:", StringComparison.Ordinal) && p.Contains("socket", StringComparison.Ordinal));
        var outDir = Sub("out");
        TreeFixture.Sh($"cat {VolumesGlob()} | tar --xattrs --xattrs-include='*' --acls --numeric-owner -xpf - -C {outDir}");
        AssertSameTree(Src, outDir);
        Assert.False(File.Exists(Path.Combine(outDir, "mnt", "not-archived")), "the walk crossed into a mounted filesystem");
    }

    [Fact]
    public void Zstd_and_gnu_tar_extract_our_multi_volume_archive()
    {
        // Not a multiple of the 4 KiB direct-write unit: volumes end inside blocks, and the next starts unaligned.
        var rec = Create(Compression.Zstd, volumeSize: 1_000_003);
        Assert.True(rec.Volumes.Count > 1, $"expected several volumes, got {rec.Volumes.Count}");
        Assert.All(rec.Volumes.SkipLast(1), v => Assert.Equal(1_000_003, v.Size));
        Assert.All(rec.Volumes, v => Assert.Equal(v.Size, new FileInfo(Path.Combine(Dir, "bk", v.File)).Length));
        var outDir = Sub("out");
        TreeFixture.Sh($"cat {VolumesGlob()} | zstd -dc | tar --xattrs --xattrs-include='*' --acls --numeric-owner -xpf - -C {outDir}");
        AssertSameTree(Src, outDir);
    }

    [Fact]
    public void Openssl_decrypts_our_encrypted_archive()
    {
        Create(Compression.Zstd, System.Text.Encoding.UTF8.GetBytes(Pass), volumeSize: 1 << 20);
        File.WriteAllText(Path.Combine(Dir, "pass"), Pass + "\n");
        var outDir = Sub("out");
        TreeFixture.Sh($"cat {VolumesGlob()} | openssl enc -d -aes-256-cbc -pbkdf2 -iter 1000 -pass file:{Dir}/pass | zstd -dc | tar --xattrs --xattrs-include='*' --acls --numeric-owner -xpf - -C {outDir}");
        AssertSameTree(Src, outDir);
    }

    [Fact]
    public void Gzip_archive_is_read_by_gzip_and_tar()
    {
        Create(Compression.Gzip);
        var outDir = Sub("out");
        TreeFixture.Sh($"cat {VolumesGlob()} | gzip -dc | tar --xattrs --xattrs-include='*' --acls --numeric-owner -xpf - -C {outDir}");
        AssertSameTree(Src, outDir);
    }

    [Fact]
    public void We_extract_what_gnu_tar_wrote()
    {
        var tarFile = Path.Combine(Dir, "gnu.tar");
        TreeFixture.Sh($"cd {Src} && tar --format=pax --xattrs --xattrs-include='*' --acls --sparse --numeric-owner --one-file-system -cf {tarFile} . 2>/dev/null || test $? = 1");
        var outDir = Sub("out");
        using (var f = File.OpenRead(tarFile))
        {
            var result = new ArchiveExtractor(Fs).Extract(new PaxTarReader(f), outDir, expected: null);
            Assert.Empty(result.Problems);
        }

        AssertSameTree(Src, outDir);
    }

    [Fact]
    public void Engine_round_trip_encrypted_restores_exactly_and_compares_clean()
    {
        var pass = System.Text.Encoding.UTF8.GetBytes(Pass);
        var rec = Create(Compression.Zstd, pass, volumeSize: 2 << 20);
        var src = ArchiveSource.Open(Path.Combine(Dir, "bk"), passphrase: pass);
        var outDir = Sub("out");
        using (var tar = src.OpenTar(src.Select(null), pass))
        {
            var r = new ArchiveExtractor(Fs).Extract(tar.Reader, outDir, rec.Files);
            tar.Drain();
            Assert.Empty(r.Problems);
            Assert.Equal(rec.EntryCount, r.Entries);
        }

        AssertSameTree(Src, outDir);
        var verifier = new ArchiveVerifier(Fs);
        var report = verifier.Verify(Path.Combine(Dir, "bk"), pass);
        Assert.Contains(report.Checked, c => c.Contains("every content hash matches", StringComparison.Ordinal));
        Assert.False(verifier.Compare(ArchiveSource.Open(Path.Combine(Dir, "bk"), passphrase: pass), outDir, null).HasDifferences);

        // Change, remove and add files: compare must list each.
        File.WriteAllText(Path.Combine(outDir, "f"), "HELLO\n");
        File.Delete(Path.Combine(outDir, "fifo"));
        File.WriteAllText(Path.Combine(outDir, "brand-new"), "x");
        TreeFixture.Sh($"setfattr -x user.text {outDir}/compressible 2>/dev/null; setfattr -n user.added -v 1 {outDir}/compressible");
        var diff = verifier.Compare(ArchiveSource.Open(Path.Combine(Dir, "bk"), passphrase: pass), outDir, null);
        Assert.Contains(diff.Changed, c => c.StartsWith("f (", StringComparison.Ordinal) && c.Contains("content", StringComparison.Ordinal));
        Assert.Contains(diff.Changed, c => c.StartsWith("compressible (", StringComparison.Ordinal) && c.Contains("xattrs", StringComparison.Ordinal));
        Assert.Contains("fifo", diff.Missing);
        Assert.Contains("brand-new", diff.New);
    }

    [Fact]
    public void Excludes_and_destination_inside_the_tree_are_skipped()
    {
        var rec = new ArchiveCreator(Fs).Create(new CreateOptions
        {
            Root = Src,
            Destination = Path.Combine(Src, "backup-here"),
            Compression = Compression.None,
            Excludes = ["rnd", "d/sub"],
        });
        var names = rec.Files.Select(f => f.Path).ToList();
        Assert.DoesNotContain("rnd", names);
        Assert.DoesNotContain("d/sub", names);
        Assert.DoesNotContain(names, n => n is not null && n.StartsWith("backup-here", StringComparison.Ordinal));
        Assert.Contains("d/rellink", names);
        Assert.Contains("mnt", names);
        Assert.DoesNotContain("mnt/not-archived", names);
    }
}
