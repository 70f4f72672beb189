using Mkcdrec.Core.Archive;
using Mkcdrec.Core.Platform;
using Mkcdrec.Core.Workflows;
using Mkcdrec.Model.Layout;
using Mkcdrec.Model.Manifest;
using Mkcdrec.Platform.Linux;

namespace Mkcdrec.Core.Tests.Workflows;

public sealed class BackupWorkflowTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mkcdrec-backupwf-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static LayoutDocument Layout(string root, string home)
    {
        var doc = new LayoutDocument { Host = new HostInfo { Hostname = "ref" } };
        doc.Filesystems.Add(new Filesystem { Id = "fs:ext4:r", Type = "ext4", Uuid = "r", DeviceIds = ["disk:x/p2"] });
        doc.Filesystems.Add(new Filesystem { Id = "fs:ext4:h", Type = "ext4", Uuid = "h", DeviceIds = ["disk:x/p3"] });
        doc.Filesystems.Add(new Filesystem { Id = "fs:swap:s", Type = "swap", Uuid = "s", DeviceIds = ["disk:x/p4"] });
        doc.Filesystems.Add(new Filesystem { Id = "fs:xfs:u", Type = "xfs", Uuid = "u", DeviceIds = ["disk:x/p5"] });
        // Listed child first: the workflow must still order "/" before /home.
        doc.Mounts.Add(new Mount { Target = home, FilesystemId = "fs:ext4:h", Source = "/dev/x3", Type = "ext4" });
        doc.Mounts.Add(new Mount { Target = root, FilesystemId = "fs:ext4:r", Source = "/dev/x2", Type = "ext4" });
        return doc;
    }

    [Fact]
    public void Sources_order_parents_first_skip_swap_and_report_unmounted()
    {
        var notes = new List<string>();
        var s = BackupWorkflow.Sources(Layout("/", "/home"), notes);
        Assert.Equal(["fs:ext4:r", "fs:ext4:h"], s.Select(x => x.ArchiveId));
        Assert.Equal("/", s[0].Directory);
        var note = Assert.Single(notes);
        Assert.Contains("fs:xfs:u", note, StringComparison.Ordinal);
        Assert.Contains("not mounted", note, StringComparison.Ordinal);
    }

    [Fact]
    public void Btrfs_with_subvolumes_is_archived_per_subvolume_from_its_top_level()
    {
        var doc = new LayoutDocument();
        doc.Filesystems.Add(new Filesystem
        {
            Id = "fs:btrfs:b", Type = "btrfs", Uuid = "b", DeviceIds = ["disk:x/p1"],
            Btrfs = new BtrfsParameters { Subvolumes = [new() { Id = 257, Path = "@" }, new() { Id = 258, Path = "@home" }, new() { Id = 260, Path = "@/snap/1", ReadOnly = true }] },
        });
        doc.Mounts.Add(new Mount { Target = "/", FilesystemId = "fs:btrfs:b", Source = "/dev/x1", Type = "btrfs", Subvolume = "/@" });
        doc.Mounts.Add(new Mount { Target = "/home", FilesystemId = "fs:btrfs:b", Source = "/dev/x1", Type = "btrfs", Subvolume = "/@home" });
        var s = BackupWorkflow.Sources(doc, []);
        Assert.Equal(["fs:btrfs:b#@", "fs:btrfs:b#@home", "fs:btrfs:b", "fs:btrfs:b#@/snap/1"], s.Select(x => x.ArchiveId));
        Assert.All(s, x => Assert.Equal("/dev/x1", x.TopLevelDevice));
        Assert.Equal("/run/mkcdrec/backup/b/@home", s[1].Directory);
        Assert.Equal("/run/mkcdrec/backup/b", s[2].Directory);
        Assert.Null(s[3].MountPoint);
        Assert.Equal(("fs:btrfs:b", "@/snap/1"), ArchiveId.Parse("fs:btrfs:b#@/snap/1"));
        Assert.Equal(("fs:ext4:r", (string?)null), ArchiveId.Parse("fs:ext4:r"));
    }

    [Fact]
    public void Absolute_excludes_apply_to_the_filesystem_holding_them()
    {
        var root = new BackupSource("r", "r", "ext4", "/", "/", null);
        var home = new BackupSource("h", "h", "ext4", "/home", "/home", null);
        string[] ex = ["/home/big/*", "/var/cache", "*.iso"];
        Assert.Equal(["home/big/*", "var/cache", "*.iso"], BackupWorkflow.ExcludesFor(root, ex));
        Assert.Equal(["big/*", "*.iso"], BackupWorkflow.ExcludesFor(home, ex));
        var varFs = new BackupSource("v", "v", "ext4", "/var", "/var", null);
        var d = BackupWorkflow.ExcludesFor(varFs, BackupWorkflow.SystemDefaults);
        Assert.Contains("tmp/*", d);
        Assert.Contains("lost+found/*", d);
        Assert.DoesNotContain("proc/*", d);
        Assert.Contains("proc/*", BackupWorkflow.ExcludesFor(root, BackupWorkflow.SystemDefaults));
    }

    [Fact]
    public void Run_writes_one_archive_per_filesystem_the_layout_and_the_manifest_last()
    {
        var root = Path.Combine(_dir, "root");
        var home = Path.Combine(_dir, "home");
        Directory.CreateDirectory(Path.Combine(root, "etc"));
        Directory.CreateDirectory(Path.Combine(home, "alice"));
        File.WriteAllText(Path.Combine(root, "etc", "hostname"), "ref\n");
        File.WriteAllText(Path.Combine(home, "alice", "notes"), "hello\n");
        File.WriteAllText(Path.Combine(home, "alice", "skip.iso"), "big\n");
        var dest = Path.Combine(root, "backup"); // inside the archived tree: must not archive itself
        Directory.CreateDirectory(dest);
        File.WriteAllText(Path.Combine(dest, "stale.tar.zst.000"), "old");
        var old = new BackupManifest { Archives = [new ArchiveRecord { FilesystemId = "gone", Volumes = [new VolumeRecord { File = "stale.tar.zst.000" }] }] };
        File.WriteAllBytes(Path.Combine(dest, BackupFiles.Manifest), old.ToJson());

        var r = new BackupWorkflow(new NoProcesses(), new FileSystemAccess(), NullLog.Instance)
            .Run(Layout(root, home), dest, new BackupOptions { Excludes = ["*.iso"], Level = 1 });

        var m = BackupManifest.Parse(File.ReadAllBytes(r.ManifestPath), r.ManifestPath);
        Assert.Equal(["fs:ext4:r", "fs:ext4:h"], m.Archives.Select(a => a.FilesystemId));
        Assert.Equal("layout.json", m.Layout);
        Assert.Equal("ref", m.Host);
        Assert.True(File.Exists(Path.Combine(dest, "layout.json")));
        Assert.Equal("ref", LayoutSerializer.Deserialize(File.ReadAllText(Path.Combine(dest, "layout.json"))).Host.Hostname);
        Assert.DoesNotContain(m.Archives[0].Files, f => f.Path?.StartsWith("backup/", StringComparison.Ordinal) == true);
        Assert.Contains(m.Archives[1].Files, f => f.Path == "alice/notes");
        Assert.DoesNotContain(m.Archives[1].Files, f => f.Path == "alice/skip.iso");
        Assert.False(File.Exists(Path.Combine(dest, "stale.tar.zst.000")));
        Assert.Empty(Directory.GetFiles(dest, ".*"));
        Assert.Equal(2, r.Archives.Count);
        Assert.True(r.StoredBytes > 0);

        // And the archive engine reads it back.
        new ArchiveVerifier(new FileSystemAccess()).Verify(dest, null);
    }

    [Fact]
    public void Progress_counts_the_whole_backup_across_its_archives()
    {
        var root = Path.Combine(_dir, "root");
        var home = Path.Combine(_dir, "home");
        foreach (var (dir, count) in new[] { (root, 1100), (home, 1100) })
        {
            Directory.CreateDirectory(dir);
            for (var i = 0; i < count; i++)
            {
                File.WriteAllText(Path.Combine(dir, $"f{i}"), new string('x', 100));
            }
        }

        var events = new Recorded();
        var dest = Path.Combine(_dir, "dest");
        new BackupWorkflow(new NoProcesses(), new FileSystemAccess(), NullLog.Instance, events)
            .Run(Layout(root, home), dest, new BackupOptions { Level = 1 });

        // These trees are directories, not mount points: their space in use is unknown, so no share is made up.
        Assert.Empty(events.Totals);
        Assert.True(events.Progress.Count >= 2, string.Join(", ", events.Progress));
        Assert.Equal(events.Progress.OrderBy(p => p.Bytes), events.Progress); // never back to zero at the second archive
        Assert.True(events.Progress[^1].Entries > 1100, "the second archive's entries add to the first's");
    }

    [Fact]
    public void Progress_counts_the_data_read_not_the_holes_of_sparse_files()
    {
        // A 1 GiB image that is all hole but one byte (the reference system has 320 MiB of such files): progress counted
        // its apparent size and passed the estimate ("893 MiB of 810 MiB"); the archive still records the full size.
        var root = Path.Combine(_dir, "root");
        var home = Path.Combine(_dir, "home");
        Directory.CreateDirectory(home);
        Directory.CreateDirectory(root);
        using (var sparse = File.OpenWrite(Path.Combine(root, "disk.img")))
        {
            sparse.SetLength(1L << 30);
            sparse.Position = (1L << 30) - 1;
            sparse.WriteByte(1);
        }

        for (var i = 0; i < 1100; i++)
        {
            File.WriteAllText(Path.Combine(root, $"f{i}"), new string('x', 100));
        }

        var events = new Recorded();
        var r = new BackupWorkflow(new NoProcesses(), new FileSystemAccess(), NullLog.Instance, events)
            .Run(Layout(root, home), Path.Combine(_dir, "dest"), new BackupOptions { Level = 1 });

        Assert.NotEmpty(events.Progress);
        Assert.All(events.Progress, p => Assert.True(p.Bytes < 16 << 20, $"progress counted holes: {p.Bytes} bytes"));
        var m = BackupManifest.Parse(File.ReadAllBytes(r.ManifestPath), r.ManifestPath);
        var image = Assert.Single(m.Archives[0].Files, f => f.Path == "disk.img");
        Assert.Equal(1L << 30, image.Size);
    }

    private sealed class Recorded : IArchiveEvents
    {
        public List<long> Totals { get; } = [];

        public List<(long Entries, long Bytes)> Progress { get; } = [];

        void IArchiveEvents.Totals(long entries, long bytes) => Totals.Add(bytes);

        void IArchiveEvents.Progress(long entries, long bytes, string currentPath) => Progress.Add((entries, bytes));
    }

    private sealed class NoProcesses : IProcessRunner
    {
        public ProcessResult Run(ProcessRequest request) => throw new InvalidOperationException("no process expected: " + request.CommandLine);

        public bool CanRun(string program) => false;
    }
}
