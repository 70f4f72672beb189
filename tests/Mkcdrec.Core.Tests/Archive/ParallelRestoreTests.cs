using Mkcdrec.Core.Archive;
using Mkcdrec.Platform.Linux;

namespace Mkcdrec.Core.Tests.Archive;

/// <summary>
/// Small files written by several threads (FileWriterPool) restore the same tree as one thread: hard links that follow
/// the file they name at once, directory times set after every file in them, owners, modes and xattrs, compared by the
/// independent walker (Python lstat + getfattr). Needs root (chown, setuid bits).
/// </summary>
[Trait("Category", "Root")]
public sealed class ParallelRestoreTests : IDisposable
{
    private readonly string _dir = TreeFixture.NewTempDir();
    private readonly FileSystemAccess _fs = new();

    public void Dispose() => TreeFixture.Cleanup(_dir);

    private string Src => Path.Combine(_dir, "src");

    private string Backup => Path.Combine(_dir, "bk");

    /// <summary>
    /// 30 directories of 40 small files, every file followed in archive order by a hard link to it ("NAMEl"); last, a
    /// directory of 800 empty files, still being written by the pool when the archive's end is read.
    /// </summary>
    private void BuildTree()
    {
        TreeFixture.Sh($$"""
            set -e
            modes=(4755 640 666 777 604 2750 1777 000) # within and beyond the umask, and the bits an owner change clears
            mkdir -p '{{Src}}' && cd '{{Src}}'
            for d in $(seq -w 1 30); do
              mkdir -p "d$d/e"
              for f in $(seq -w 1 40); do
                head -c $(( (10#$f * 997 + 10#$d * 131) % 20000 )) /dev/urandom > "d$d/f$f"
                ln "d$d/f$f" "d$d/f${f}l"
                chown $(( 10#$f % 3 * 1000 )):$(( 10#$d % 4 * 500 )) "d$d/f$f"
                chmod ${modes[$(( 10#$f % 8 ))]} "d$d/f$f"
                [ $(( 10#$f % 7 )) = 0 ] && setfattr -n user.tag -v "v$d$f" "d$d/f$f"
                touch -d "2020-0$(( 10#$f % 9 + 1 ))-11 12:13:14.$f" "d$d/f$f"
              done
              echo small > "d$d/e/g"
              touch -d '2001-02-03 04:05:06.789' "d$d/e" "d$d"
            done
            mkdir zz && (cd zz && seq -w 1 800 | xargs touch) && touch -d '2002-03-04 05:06:07.8' zz
            """);
        new ArchiveCreator(_fs).Create(new CreateOptions { Root = Src, Destination = Backup, ChunkSize = 1 << 20 });
    }

    private Mkcdrec.Core.Archive.ExtractResult Restore(string target, int writers)
    {
        var src = ArchiveSource.Open(Backup);
        var a = src.Select(null);
        using var tar = src.OpenTar(a, null);
        var r = new ArchiveExtractor(_fs, writers: writers).Extract(tar.Reader, target, a.Members());
        tar.Drain();
        return r;
    }

    [Fact]
    public void Four_writers_restore_what_one_does_and_what_the_source_holds()
    {
        Assert.True(TreeFixture.IsRoot, "this test needs root (chown, setuid bits)");
        BuildTree();
        var parallel = Path.Combine(_dir, "parallel");
        var serial = Path.Combine(_dir, "serial");
        var rp = Restore(parallel, writers: 4);
        var rs = Restore(serial, writers: 1);

        Assert.Empty(rp.Problems);
        Assert.Empty(rs.Problems);
        var expected = TreeFixture.Snapshot(Src);
        Assert.Contains("link-group=", expected);
        Assert.Contains("user.tag", expected);
        Assert.Contains("0o104755", expected);
        Assert.Equal(expected, TreeFixture.Snapshot(serial));
        Assert.Equal(expected, TreeFixture.Snapshot(parallel));
    }

    [Fact]
    public void A_file_a_writer_cannot_create_is_a_problem_of_that_file_and_the_rest_is_restored()
    {
        Assert.True(TreeFixture.IsRoot, "this test needs root (chown, setuid bits)");
        BuildTree();
        var target = Path.Combine(_dir, "target");
        Directory.CreateDirectory(Path.Combine(target, "d07", "f13", "in-the-way")); // a directory where the archive has a file

        var r = Restore(target, writers: 4);

        var problem = Assert.Single(r.Problems, p => p.StartsWith("d07/f13:", StringComparison.Ordinal));
        Assert.Contains("exists as a directory", problem);
        Assert.True(Directory.Exists(Path.Combine(target, "d07", "f13", "in-the-way")), "the directory in the way was not kept");
        Assert.Equal(File.ReadAllBytes(Path.Combine(Src, "d30", "f40")), File.ReadAllBytes(Path.Combine(target, "d30", "f40")));
        Assert.Equal(File.ReadAllBytes(Path.Combine(Src, "d07", "f14")), File.ReadAllBytes(Path.Combine(target, "d07", "f14l")));
    }
}
