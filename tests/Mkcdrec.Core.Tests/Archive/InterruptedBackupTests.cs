using Mkcdrec.Core.Archive;
using Mkcdrec.Model.Manifest;
using Mkcdrec.Platform.Linux;

namespace Mkcdrec.Core.Tests.Archive;

/// <summary>
/// A re-backup into the same directory that stops midway (a failure injected through the engine's event callbacks)
/// never leaves a manifest that looks valid over mismatched volumes. No root needed.
/// </summary>
public sealed class InterruptedBackupTests : IDisposable
{
    private readonly string _dir = TreeFixture.NewTempDir();
    private readonly FileSystemAccess _fs = new();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Src => Path.Combine(_dir, "src");

    private string Backup => Path.Combine(_dir, "bk");

    /// <summary>Throws when the engine reports progress (during the walk) or starts the step whose text begins with <c>failAtStep</c>.</summary>
    private sealed class Failing(string? failAtStep) : IArchiveEvents
    {
        public void Progress(long entries, long bytes, string currentPath)
        {
            if (failAtStep is null)
            {
                throw new IOException($"injected failure after {entries} entries");
            }
        }

        public void Step(string message)
        {
            if (failAtStep is not null && message.StartsWith(failAtStep, StringComparison.Ordinal))
            {
                throw new IOException("injected failure at: " + message);
            }
        }
    }

    /// <summary>Version 1 or 2 of the tree: 1500 files (so the walk reports progress) whose content names the version.</summary>
    private void WriteTree(int version)
    {
        if (Directory.Exists(Src))
        {
            Directory.Delete(Src, recursive: true);
        }

        var rnd = new Random(version);
        for (var i = 0; i < 1500; i++)
        {
            var d = Path.Combine(Src, $"d{i % 10}");
            Directory.CreateDirectory(d);
            var data = new byte[2000 + (version * 1000)];
            rnd.NextBytes(data);
            File.WriteAllBytes(Path.Combine(d, $"f{i}"), data);
        }

        File.WriteAllText(Path.Combine(Src, "version"), $"v{version}\n");
    }

    private ArchiveRecord Create(IArchiveEvents? events) => new ArchiveCreator(_fs, events).Create(new CreateOptions
    {
        Root = Src,
        Destination = Backup,
        VolumeSize = 1 << 20,
        ChunkSize = 64 << 10,
        Compression = Compression.None, // several volumes, so a half-done swap really mixes old and new
    });

    private string RestoreVersion()
    {
        var outDir = Path.Combine(_dir, "out");
        if (Directory.Exists(outDir))
        {
            Directory.Delete(outDir, recursive: true);
        }

        var src = ArchiveSource.Open(Backup);
        var a = src.Select(null);
        using (var tar = src.OpenTar(a, null))
        {
            new ArchiveExtractor(_fs).Extract(tar.Reader, outDir, a.Files);
            tar.Drain();
        }

        return File.ReadAllText(Path.Combine(outDir, "version")).Trim();
    }

    [Fact]
    public void Run_interrupted_during_the_walk_leaves_the_old_backup_intact()
    {
        WriteTree(1);
        var first = Create(null);
        Assert.True(first.Volumes.Count >= 3);
        var before = File.ReadAllBytes(Path.Combine(Backup, BackupFiles.Manifest));

        WriteTree(2);
        var e = Assert.Throws<IOException>(() => Create(new Failing(null)));
        Assert.Contains("injected failure", e.Message);

        Assert.Equal(before, File.ReadAllBytes(Path.Combine(Backup, BackupFiles.Manifest)));
        Assert.Empty(Directory.GetDirectories(Backup)); // the staging directory was removed
        var report = new ArchiveVerifier(_fs).Verify(Backup, null);
        Assert.Contains(report.Checked, c => c.Contains("every content hash matches", StringComparison.Ordinal));
        Assert.Equal("v1", RestoreVersion());

        // The next complete run replaces it.
        Create(null);
        Assert.Equal("v2", RestoreVersion());
    }

    [Fact]
    public void Run_interrupted_while_swapping_volumes_is_refused_clearly_by_verify_and_extract()
    {
        WriteTree(1);
        Create(null);
        WriteTree(2);
        Assert.Throws<IOException>(() => Create(new Failing("replacing the volumes")));

        // The staged volumes were not moved in; the manifest names the new run's volumes but is marked incomplete.
        var m = BackupManifest.Parse(File.ReadAllBytes(Path.Combine(Backup, BackupFiles.Manifest)), "manifest");
        Assert.True(m.Archives[0].Incomplete);
        var e = Assert.IsType<MkcdrecException>(Record.Exception(() => new ArchiveVerifier(_fs).Verify(Backup, null)));
        Assert.Equal(ExitCode.BadInput, e.Code);
        Assert.Contains("is incomplete", e.Message);
        Assert.Contains("interrupted", e.Message);
        var e2 = Assert.IsType<MkcdrecException>(Record.Exception(() => RestoreVersion()));
        Assert.Contains("is incomplete", e2.Message);
        Assert.False(Directory.Exists(Path.Combine(_dir, "out", "d0")), "files were extracted from an incomplete archive");

        // A new run cleans up the leftover staging directory and produces a valid backup.
        Create(null);
        Assert.Null(BackupManifest.Parse(File.ReadAllBytes(Path.Combine(Backup, BackupFiles.Manifest)), "manifest").Archives[0].Incomplete);
        Assert.Empty(Directory.GetDirectories(Backup));
        new ArchiveVerifier(_fs).Verify(Backup, null);
        Assert.Equal("v2", RestoreVersion());
    }
}
