using Mkcdrec.Core.Archive;
using Mkcdrec.Model.Manifest;
using Mkcdrec.Platform.Linux;

namespace Mkcdrec.Core.Tests.Archive;

/// <summary>
/// The links of a backup chain in a directory of named backups (DEST/HOST/TIME): opened oldest first, and refused
/// naming the link when one is missing, is not the backup its increment was made on, belongs to another host, or
/// has the wrong level.
/// </summary>
public sealed class BackupChainTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mkcdrec-chain-").FullName;
    private readonly string _tree;
    private readonly FileSystemAccess _fs = new();

    public BackupChainTests()
    {
        _tree = Path.Combine(_dir, "tree");
        Directory.CreateDirectory(_tree);
        File.WriteAllText(Path.Combine(_tree, "a"), "a");
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void A_chain_opens_oldest_first_and_names_each_links_archive()
    {
        var names = Chain(3);
        var chain = BackupChain.Of(ArchiveSource.Open(Link(names[^1])));
        Assert.Equal(names.Select(Link), chain.Links.Select(l => l.Directory));
        var archives = chain.ArchivesOf(chain.Tip.Manifest.Archives[0]);
        Assert.Equal(chain.Links, archives.Select(a => a.Source));
        Assert.Equal(chain.Links.Select(l => l.Manifest.Archives[0]), archives.Select(a => a.Archive));
        Assert.Null(archives[0].Archive.Since);
        Assert.All(archives.Skip(1), a => Assert.NotNull(a.Archive.Since));
    }

    [Fact]
    public void A_missing_or_replaced_parent_is_refused_naming_the_link()
    {
        var names = Chain(3);
        File.AppendAllText(Path.Combine(Link(names[1]), BackupFiles.Manifest), "\n");
        var e = Assert.Throws<MkcdrecException>(() => BackupChain.Of(ArchiveSource.Open(Link(names[2]))));
        Assert.Contains($"broken at {Link(names[2])}: its parent {names[1]} is not the backup it was made on", e.Message, StringComparison.Ordinal);

        Directory.Delete(Link(names[0]), recursive: true);
        e = Assert.Throws<MkcdrecException>(() => BackupChain.Of(ArchiveSource.Open(Link(names[1]))));
        Assert.Contains($"its parent {names[0]} cannot be read", e.Message, StringComparison.Ordinal);
        Assert.Contains("no disk was touched", e.Hint, StringComparison.Ordinal);
    }

    [Fact]
    public void A_parent_of_another_host_or_level_is_refused()
    {
        var names = Chain(1, parentEdit: m => m.Host = "other-host");
        var e = Assert.Throws<MkcdrecException>(() => BackupChain.Of(ArchiveSource.Open(Link(names[1]))));
        Assert.Contains("is a backup of another host (other-host, not web1)", e.Message, StringComparison.Ordinal);

        names = Chain(1, prefix: "lv");
        Edit(names[1], m => m.Level = 3);
        e = Assert.Throws<MkcdrecException>(() => BackupChain.Of(ArchiveSource.Open(Link(names[1]))));
        Assert.Contains("is at level 0, not 2", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("s3://b/servers/web1/latest?endpoint=http%3A%2F%2F10.0.2.2%3A9000", "s3://b/servers/web1/20261201T000000Z?endpoint=http%3A%2F%2F10.0.2.2%3A9000")]
    [InlineData("https://files.example/backups/web1/20261203T000000Z/", "https://files.example/backups/web1/20261201T000000Z")]
    [InlineData("sftp://root@vault:2222/srv/backups/web1/latest", "sftp://root@vault:2222/srv/backups/web1/20261201T000000Z")]
    public void The_parent_of_a_fetched_increment_is_found_beside_it(string location, string parent) =>
        Assert.Equal(parent, BackupChain.LocationBeside(location, "web1/20261201T000000Z"));

    /// <summary>A full backup and <paramref name="increments"/> increments as HOST/TIME directories; the parent's manifest edited first when asked.</summary>
    private List<string> Chain(int increments, Action<BackupManifest>? parentEdit = null, string prefix = "t")
    {
        var names = new List<string>();
        for (var i = 0; i <= increments; i++)
        {
            var name = $"web1/{prefix}{i}";
            var parent = i == 0 ? null : ParentBackup.FromDirectory(Link(names[^1]), null);
            new ArchiveCreator(_fs).Create(new CreateOptions
            {
                Root = _tree,
                Destination = Link(name),
                Compression = Compression.None,
                Parent = parent is null ? null : Task.FromResult(new ParentArchive(parent.Archive("root"),
                    new BackupLink { Name = names[^1], Created = parent.Link.Created, ManifestSha256 = parent.Link.ManifestSha256 }, parent.Manifest.Level)),
            });
            Edit(name, m => m.Host = "web1");
            if (i == 0 && parentEdit is not null)
            {
                Edit(name, parentEdit);
            }

            names.Add(name);
        }

        return names;
    }

    private void Edit(string name, Action<BackupManifest> edit)
    {
        var path = Path.Combine(Link(name), BackupFiles.Manifest);
        var m = BackupManifest.Parse(File.ReadAllBytes(path), path);
        edit(m);
        File.WriteAllBytes(path, m.ToJson());
    }

    private string Link(string name) => Path.Combine(_dir, "dest", name);
}
