using Mkcdrec.Core.Archive;
using Mkcdrec.Formats.Tar;
using Mkcdrec.Platform.Linux;

namespace Mkcdrec.Core.Tests.Archive;

/// <summary>
/// Crafted archives (made with Python's tarfile, as an attacker would) that try to write outside the target through a
/// symbolic link they create first: nothing outside changes, and each such entry is a problem of its own.
/// </summary>
public sealed class SymlinkEscapeTests : IDisposable
{
    private readonly string _dir = TreeFixture.NewTempDir();
    private readonly FileSystemAccess _fs = new();

    public void Dispose() => TreeFixture.Cleanup(_dir);

    private string Outside => Path.Combine(_dir, "outside");

    private string Target => Path.Combine(_dir, "target");

    /// <summary>Writes a tar with the given members: (name, kind "dir"|"file"|"symlink"|"hardlink", link target or content).</summary>
    private string Craft(params (string Name, string Kind, string Value)[] members)
    {
        var tar = Path.Combine(_dir, "crafted.tar");
        var spec = string.Join("\n", members.Select(m => $"{m.Name}\t{m.Kind}\t{m.Value}"));
        File.WriteAllText(Path.Combine(_dir, "spec.txt"), spec);
        TreeFixture.Run("python3", ["-c", """
            import sys, tarfile, io
            spec, out = sys.argv[1], sys.argv[2]
            with tarfile.open(out, 'w', format=tarfile.PAX_FORMAT) as t:
                for line in open(spec).read().split('\n'):
                    name, kind, value = line.split('\t')
                    i = tarfile.TarInfo(name)
                    data = None
                    if kind == 'dir': i.type = tarfile.DIRTYPE; i.mode = 0o755
                    elif kind == 'symlink': i.type = tarfile.SYMTYPE; i.linkname = value
                    elif kind == 'hardlink': i.type = tarfile.LNKTYPE; i.linkname = value
                    else: data = value.encode(); i.size = len(data); i.mode = 0o644
                    t.addfile(i, io.BytesIO(data) if data is not None else None)
            """, Path.Combine(_dir, "spec.txt"), tar]);
        return tar;
    }

    private ExtractResult Extract(string tar)
    {
        using var f = File.OpenRead(tar);
        return new ArchiveExtractor(_fs).Extract(new PaxTarReader(f), Target, expected: null);
    }

    [Fact]
    public void A_file_below_a_symlink_the_archive_made_is_not_written_outside()
    {
        Directory.CreateDirectory(Outside);
        var tar = Craft((".", "dir", ""), ("escape", "symlink", Outside), ("escape/planted", "file", "owned"), ("fine", "file", "ok"),
            ("escape/sub/deeper", "file", "owned too"));

        var r = Extract(tar);

        Assert.Empty(Directory.GetFileSystemEntries(Outside));
        Assert.Contains(r.Problems, p => p.StartsWith("escape/planted:", StringComparison.Ordinal) && p.Contains("'escape' in the target is a symbolic link", StringComparison.Ordinal));
        Assert.Contains(r.Problems, p => p.StartsWith("escape/sub/deeper:", StringComparison.Ordinal));
        Assert.Equal("ok", File.ReadAllText(Path.Combine(Target, "fine")));
        Assert.Equal(Outside, new FileInfo(Path.Combine(Target, "escape")).LinkTarget);
    }

    [Fact]
    public void A_hard_link_through_a_symlink_does_not_reach_a_file_outside()
    {
        Directory.CreateDirectory(Outside);
        File.WriteAllText(Path.Combine(Outside, "secret"), "do not share");
        var tar = Craft((".", "dir", ""), ("escape", "symlink", Outside), ("grab", "hardlink", "escape/secret"));

        var r = Extract(tar);

        Assert.Contains(r.Problems, p => p.StartsWith("grab:", StringComparison.Ordinal) && p.Contains("symbolic link", StringComparison.Ordinal));
        Assert.False(File.Exists(Path.Combine(Target, "grab")));
        Assert.Equal("1", TreeFixture.Sh($"stat -c %h '{Path.Combine(Outside, "secret")}'").Trim()); // no second name anywhere
    }

    [Fact]
    public void A_directory_that_comes_after_its_content_is_made_before_a_symlink_can_take_its_place()
    {
        Directory.CreateDirectory(Outside);
        var tar = Craft((".", "dir", ""), ("d/file", "file", "x"), ("d", "symlink", Outside), ("d/later", "file", "y"));

        var r = Extract(tar);

        Assert.Empty(Directory.GetFileSystemEntries(Outside));
        Assert.Contains(r.Problems, p => p.StartsWith("d:", StringComparison.Ordinal) && p.Contains("exists as a directory", StringComparison.Ordinal));
        Assert.Equal("y", File.ReadAllText(Path.Combine(Target, "d", "later")));
    }
}
