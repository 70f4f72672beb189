using System.Text;
using Mkcdrec.Core.Archive;
using Mkcdrec.Formats.Tar;
using Mkcdrec.Model.Manifest;

namespace Mkcdrec.Core.Tests.Archive;

/// <summary>
/// A full backup and three increments of the fixture tree with creations, deletions, renames, metadata-only changes,
/// type changes and hard links across the boundary; after each link, GNU tar (--listed-incremental=/dev/null, through
/// openssl and zstd) and mkcdrec each apply the chain so far to a target of their own, and both must equal the live
/// tree of that moment by the independent walker (Python lstat, sha256, getfattr, getfacl).
/// </summary>
[Trait("Category", "Root")]
public sealed class IncrementalArchiveTests : FixtureTreeTest
{
    private const string Pass = "incremental passphrase";
    private static readonly byte[] PassBytes = Encoding.UTF8.GetBytes(Pass);

    public IncrementalArchiveTests()
    {
        File.WriteAllText(Path.Combine(Dir, "pass"), Pass + "\n");
    }

    /// <summary>What changes between the links (run in the source tree); long1 is the fixture's long directory name.</summary>
    private static readonly string[] Changes =
    [
        """
        echo new1 > newfile
        rm compressible
        mv rnd rnd-renamed
        mv d/sub d/sub-renamed
        chmod 640 exact4m
        chown 77:88 holeyend
        setfattr -n user.text -v "other text" f
        ln large large-link
        """,
        """
        long1=$(printf 'L%.0s' $(seq 1 120))
        rm -r "$long1"
        rm hardlink
        rm fifo; echo nowfile > fifo
        rm d/rellink; mkdir d/rellink; echo in > d/rellink/x
        rm -r e; echo e-file > e
        printf 'X' | dd of=sparse bs=1 seek=10000000 conv=notrunc status=none
        ln -sfn /other/target abslink
        """,
        """
        setfacl -m u:4321:r f
        mv newfile d/sub-renamed/moved-in
        python3 -c "import os; st=os.stat('rnd-renamed'); f=open('rnd-renamed','r+b'); f.write(b'SAME SIZE, SAME MTIME'); f.close(); os.utime('rnd-renamed', ns=(st.st_atime_ns, st.st_mtime_ns))"
        mkdir -p deep/a/b/c && echo leaf > deep/a/b/c/leaf
        """,
    ];

    [Fact]
    public void Full_and_three_increments_restore_by_gnu_tar_and_by_mkcdrec_equal_to_the_live_tree()
    {
        var gnu = Sub("gnu");
        var ours = Sub("ours");
        var records = new List<ArchiveRecord>();
        for (var level = 0; level <= Changes.Length; level++)
        {
            if (level > 0)
            {
                TreeFixture.Sh(Changes[level - 1], Src);
            }

            Thread.Sleep(1100); // past ParentTree.ClockMargin, so what did not change since the parent is listed, not archived again
            var dir = Path.Combine(Dir, "b" + level);
            var rec = Create(dir, level == 0 ? null : Path.Combine(Dir, "b" + (level - 1)));
            records.Add(rec);
            var live = TreeFixture.Snapshot(Src);

            TreeFixture.Sh($"cat {dir}/root.tar* | openssl enc -d -aes-256-cbc -pbkdf2 -iter 1000 -pass file:{Dir}/pass | zstd -dc | " +
                           $"tar --listed-incremental=/dev/null --xattrs --xattrs-include='*' --acls --numeric-owner -xpf - -C {gnu}");
            Apply(dir, ours);
            Assert.Equal(live, TreeFixture.Snapshot(gnu));
            Assert.Equal(live, TreeFixture.Snapshot(ours));

            var verifier = new ArchiveVerifier(Fs);
            Assert.Contains(verifier.Verify(dir, PassBytes).Checked, c => c.Contains("every content hash matches", StringComparison.Ordinal));
            Assert.False(verifier.Compare(ArchiveSource.Open(dir, passphrase: PassBytes), ours, null).HasDifferences); // the increment's list is the whole tree
        }

        AssertOnlyChangesArchived(records);
    }

    /// <summary>Each increment holds what changed and lists the rest: the rules of <see cref="ParentTree.Unchanged"/> seen from outside.</summary>
    private static void AssertOnlyChangesArchived(List<ArchiveRecord> records)
    {
        Assert.Null(records[0].Since);
        Assert.DoesNotContain(records[0].Files, f => f.Unchanged == true);
        string State(int level, string path) => records[level].Files.Single(f => f.Path == path).Unchanged == true ? "listed" : "archived";

        Assert.Equal("listed", State(1, "sparse"));
        Assert.Equal("archived", State(1, "exact4m"));     // chmod only
        Assert.Equal("archived", State(1, "holeyend"));    // chown only
        Assert.Equal("archived", State(1, "hardlink"));    // the xattr of f is the inode's: both names again
        Assert.Equal("archived", State(1, "large-link"));  // a new name of an old inode
        Assert.Equal("archived", State(1, "large"));
        Assert.Equal("archived", State(1, "rnd-renamed"));
        Assert.Equal("archived", State(2, "sparse"));
        Assert.Equal("listed", State(2, "large"));
        Assert.Equal("archived", State(2, "f"));           // its other name went: link count and ctime changed
        Assert.Equal("archived", State(3, "rnd-renamed")); // same size and mtime, new content: the ctime tells
        Assert.Equal("listed", State(3, "sparse"));
        Assert.Equal("listed", State(1, "mnt"));           // a directory that did not change and holds nothing archived
        Assert.Equal("archived", State(1, "d"));           // a name renamed in it
        Assert.Equal("archived", State(3, "deep/a/b/c"));  // new
        string Archived(int level) => string.Join(" ", records[level].Members().Where(f => f.Type != "d").Select(f => f.Path ?? "(b64)" + f.PathBase64));
        Assert.Equal("exact4m f hardlink holeyend large large-link newfile rnd-renamed", Archived(1));
        Assert.Equal("abslink d/rellink/x e f fifo sparse", Archived(2));
        Assert.Equal("d/sub-renamed/moved-in deep/a/b/c/leaf f rnd-renamed", Archived(3));
    }

    [Fact]
    public void Mkcdrec_applies_gnu_tars_own_increments_with_a_renamedDirectory()
    {
        var tree = Sub("tree");
        TreeFixture.Sh("mkdir -p d1/sub d2 && echo a > a && echo b > d1/b && echo c > d1/sub/c && echo gone > d2/gone", tree);
        TreeFixture.Sh($"tar --format=posix -g {Dir}/snar -cf {Dir}/l0.tar -C {tree} .");
        Thread.Sleep(1100);
        TreeFixture.Sh("rm d1/b d2/gone && echo new > d2/n && mv d1/sub d2/sub2 && echo a2 > a", tree);
        TreeFixture.Sh($"tar --format=posix -g {Dir}/snar -cf {Dir}/l1.tar -C {tree} .");
        var rootDumpDir = TreeFixture.Run("python3", ["-c", "import sys, tarfile; print(repr(tarfile.open(sys.argv[1]).getmembers()[0].pax_headers['GNU.dumpdir']))", $"{Dir}/l1.tar"]);
        Assert.Contains(@"R./d1/sub\x00T./d2/sub2", rootDumpDir, StringComparison.Ordinal); // GNU tar did record the rename

        var ours = Sub("ours-gnu");
        foreach (var t in new[] { "l0.tar", "l1.tar" })
        {
            using var f = File.OpenRead(Path.Combine(Dir, t));
            var r = new ArchiveExtractor(Fs).Extract(new PaxTarReader(f), ours, expected: null);
            Assert.Empty(r.Problems);
        }

        Assert.Equal(TreeFixture.Snapshot(tree), TreeFixture.Snapshot(ours));
        Assert.Equal("c\n", File.ReadAllText(Path.Combine(ours, "d2/sub2/c"))); // not in l1 (unchanged): moved by the R/T records
    }

    [Fact]
    public void Changed_excludes_archive_what_is_no_longer_hidden_and_drop_what_is_and_another_filesystem_is_refused()
    {
        var full = Path.Combine(Dir, "full");
        Thread.Sleep(1100); // the fixture is older than the clock margin, so what did not change is listed
        new ArchiveCreator(Fs).Create(Options(full, null, ["rnd", "d/sub"]));
        Thread.Sleep(1100);
        var inc = Path.Combine(Dir, "inc");
        var rec = new ArchiveCreator(Fs).Create(Options(inc, ParentBackup.FromDirectory(full, PassBytes), ["f", "hardlink"]));
        string? State(string path) => rec.Files.SingleOrDefault(f => f.Path == path) is { } r ? (r.Unchanged == true ? "listed" : "archived") : null;
        Assert.Equal("archived", State("rnd"));      // unchanged for the filesystem, new to the chain
        Assert.Equal("archived", State("d/sub"));
        Assert.Null(State("f"));                     // excluded now: gone from the dumpdir, so gone after a restore
        Assert.Equal("listed", State("large"));

        var ours = Sub("ours-excludes");
        Apply(full, ours);
        Apply(inc, ours);
        Assert.True(File.Exists(Path.Combine(ours, "rnd")));
        Assert.False(File.Exists(Path.Combine(ours, "f")));
        Assert.Equal(TreeFixture.Sh("sha256sum rnd", Src), TreeFixture.Sh("sha256sum rnd", ours));

        var e = Assert.Throws<MkcdrecException>(() => ParentBackup.FromDirectory(full, PassBytes).Archive("fs:ext4:other"));
        Assert.Contains("has no archive 'fs:ext4:other'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_increment_encrypted_otherwise_than_its_parent_is_refused_before_anything_is_written()
    {
        var full = Sub("full");
        Create(full, null);
        var parent = ParentBackup.FromDirectory(full, PassBytes);
        foreach (var (plain, says) in new[] { (false, "The passphrase is not the one"), (true, "is encrypted: an increment of it must be too") })
        {
            var inc = Sub("inc");
            var e = Assert.Throws<MkcdrecException>(() => new ArchiveCreator(Fs).Create(Options(inc, parent, [], "another passphrase"u8.ToArray(), plain)));
            Assert.Equal(ExitCode.BadInput, e.Code);
            Assert.Contains(says, e.Message);
            Assert.Contains(full, e.Message); // names the parent
            Assert.Empty(Directory.EnumerateFileSystemEntries(inc)); // no manifest, no volume, no staging directory
        }

        var plainFull = Sub("plain");
        new ArchiveCreator(Fs).Create(Options(plainFull, null, [], plain: true));
        var onPlain = Assert.Throws<MkcdrecException>(() => new ArchiveCreator(Fs).Create(Options(Sub("inc2"), ParentBackup.FromDirectory(plainFull, PassBytes), [])));
        Assert.Contains("is not encrypted: an increment of it cannot be", onPlain.Message);
    }

    [Fact]
    public void A_file_changed_while_an_increment_is_made_is_archived_again_by_the_next_one()
    {
        var full = Path.Combine(Dir, "full");
        Thread.Sleep(1100);
        new ArchiveCreator(Fs).Create(Options(full, null, []));
        Thread.Sleep(1100);

        // Written when the increment has taken its start time and begins to walk: whichever copy it archived, the file
        // changed after the start, so the next increment must hold it again (as GNU tar's next level does).
        var inc1 = Path.Combine(Dir, "inc1");
        var during = new OnStep(() => File.AppendAllText(Path.Combine(Src, "exact4m"), "changed during the walk"));
        new ArchiveCreator(Fs, during).Create(Options(inc1, ParentBackup.FromDirectory(full, PassBytes), []));
        Thread.Sleep(1100);
        var inc2 = new ArchiveCreator(Fs).Create(Options(Path.Combine(Dir, "inc2"), ParentBackup.FromDirectory(inc1, PassBytes), []));
        Assert.Equal(["exact4m"], inc2.Members().Where(f => f.Type != "d").Select(f => f.Path));

        var gnu = Sub("gnu-during");
        foreach (var d in new[] { "full", "inc1", "inc2" })
        {
            TreeFixture.Sh($"cat {Dir}/{d}/root.tar* | openssl enc -d -aes-256-cbc -pbkdf2 -iter 1000 -pass file:{Dir}/pass | zstd -dc | " +
                           $"tar --listed-incremental=/dev/null --xattrs --xattrs-include='*' --acls --numeric-owner -xpf - -C {gnu}");
        }

        Assert.Equal(TreeFixture.Snapshot(Src), TreeFixture.Snapshot(gnu));
    }

    private sealed class OnStep(Action action) : IArchiveEvents
    {
        private bool _done;

        public void Step(string message)
        {
            if (!_done && message.StartsWith("archiving ", StringComparison.Ordinal))
            {
                _done = true;
                action();
            }
        }
    }

    private ArchiveRecord Create(string dir, string? parentDir)
    {
        var parent = parentDir is null ? null : ParentBackup.FromDirectory(parentDir, PassBytes);
        var rec = new ArchiveCreator(Fs).Create(Options(dir, parent, []));
        if (parent is not null)
        {
            var m = BackupManifest.Parse(File.ReadAllBytes(Path.Combine(dir, BackupFiles.Manifest)), dir);
            Assert.Equal(parent.Link.ManifestSha256, m.Parent!.ManifestSha256);
            Assert.Equal(parent.Manifest.Level + 1, m.Level);
        }

        return rec;
    }

    /// <param name="passphrase">The test's passphrase unless given; <paramref name="plain"/>: none.</param>
    private CreateOptions Options(string dir, ParentBackup? parent, IReadOnlyList<string> excludes, byte[]? passphrase = null, bool plain = false) => new()
    {
        Root = Src,
        Destination = dir,
        Compression = Compression.Zstd,
        Passphrase = plain ? null : passphrase ?? PassBytes,
        Iterations = 1000,
        VolumeSize = 2 << 20,
        ChunkSize = 1 << 20,
        Excludes = excludes,
        Parent = parent is null ? null : Task.FromResult(parent.For("root")),
    };

    private void Apply(string dir, string target)
    {
        var src = ArchiveSource.Open(dir, passphrase: PassBytes);
        var a = src.Select(null);
        using var tar = src.OpenTar(a, PassBytes);
        var r = new ArchiveExtractor(Fs).Extract(tar.Reader, target, a.Members());
        tar.Drain();
        Assert.Empty(r.Problems);
    }
}
