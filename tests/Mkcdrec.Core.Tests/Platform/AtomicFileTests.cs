using Mkcdrec.Core.Platform;

namespace Mkcdrec.Core.Tests.Platform;

public sealed class AtomicFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mkcdrec-atomic-").FullName;

    private string Target => Path.Combine(_dir, "manifest.json");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>Counts directory fsyncs instead of doing them.</summary>
    private sealed class CountingSync : IDirectorySync
    {
        public List<string> Synced { get; } = [];

        public void SyncDirectory(string directory) => Synced.Add(directory);
    }

    [Fact]
    public void Content_is_visible_only_after_commit()
    {
        using var file = AtomicFile.Create(Target, new CountingSync());
        file.Stream.Write("new"u8);
        file.Stream.Flush();
        Assert.False(File.Exists(Target));

        file.Commit();
        Assert.Equal("new", File.ReadAllText(Target));
        Assert.False(File.Exists(file.TempPath));
    }

    [Fact]
    public void Abandoned_write_leaves_no_target_and_no_temporary_file()
    {
        using (var file = AtomicFile.Create(Target, new CountingSync()))
        {
            file.Stream.Write("half"u8);
        }

        Assert.Empty(Directory.GetFileSystemEntries(_dir));
    }

    [Fact]
    public void Existing_target_survives_an_abandoned_write()
    {
        File.WriteAllText(Target, "old");
        Assert.Throws<InvalidOperationException>(() => AtomicFile.Write(Target, s =>
        {
            s.Write("half of the new"u8);
            throw new InvalidOperationException("disk full");
        }, new CountingSync()));

        Assert.Equal("old", File.ReadAllText(Target));
        Assert.Equal([Target], Directory.GetFileSystemEntries(_dir));
    }

    [Fact]
    public void Commit_syncs_the_directory_after_the_rename()
    {
        var sync = new CountingSync();
        AtomicFile.WriteAllText(Target, "text", sync);
        Assert.Equal([_dir], sync.Synced);
        Assert.Equal("text", File.ReadAllText(Target));
    }

    [Fact]
    public void Abandoned_write_does_not_sync_the_directory()
    {
        var sync = new CountingSync();
        using (var file = AtomicFile.Create(Target, sync))
        {
            file.Stream.Write("x"u8);
        }

        Assert.Empty(sync.Synced);
    }

    [Fact]
    public void Replace_commits_a_file_another_writer_made()
    {
        File.WriteAllText(Target, "old");
        var temp = Path.Combine(_dir, ".manifest.json.partial");
        File.WriteAllText(temp, "downloaded");
        var sync = new CountingSync();

        AtomicFile.Replace(temp, Target, sync);

        Assert.Equal("downloaded", File.ReadAllText(Target));
        Assert.False(File.Exists(temp));
        Assert.Equal([_dir], sync.Synced);
    }

    [Fact]
    public void Temporary_file_written_by_another_program_is_committed_or_removed()
    {
        using (var file = AtomicFile.Create(Target, new CountingSync()))
        {
            File.WriteAllText(file.TempPath, "xorriso wrote this");
        }

        Assert.Empty(Directory.GetFileSystemEntries(_dir));

        using (var file = AtomicFile.Create(Target, new CountingSync()))
        {
            File.WriteAllText(file.TempPath, "xorriso wrote this");
            file.Commit();
        }

        Assert.Equal("xorriso wrote this", File.ReadAllText(Target));
    }

    [Fact]
    public void Default_directory_sync_works_on_a_real_directory()
    {
        AtomicFile.WriteAllBytes(Target, [1, 2, 3]);
        Assert.Equal([1, 2, 3], File.ReadAllBytes(Target));
        Assert.Equal([Target], Directory.GetFileSystemEntries(_dir));
    }

    [Fact]
    public void File_system_access_is_a_directory_sync()
    {
        // The archive engine passes its IFileSystemAccess, so its fakes see the directory fsyncs as before.
        IDirectorySync sync = new Mkcdrec.Platform.Linux.FileSystemAccess();
        sync.SyncDirectory(_dir);
    }

    [Fact]
    public void Temporary_files_of_runs_that_no_longer_exist_are_removed_and_no_others()
    {
        var iso = Path.Combine(_dir, "mkcdrec-host.iso");
        string Temp(string suffix) => Path.Combine(_dir, ".mkcdrec-host.iso.tmp-" + suffix);
        string[] kept = [Temp(Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture)), Temp("1"), Temp("x1"),
            Path.Combine(_dir, ".other.iso.tmp-999999999"), iso];
        foreach (var f in kept.Append(Temp("999999999")))
        {
            File.WriteAllText(f, "x");
        }

        // 999999999 is above any pid_max (4194304 at most): no such process; pid 1 always runs; our own run is running.
        Assert.Equal([Temp("999999999")], AtomicFile.RemoveAbandonedTemps(iso));
        Assert.All(kept, f => Assert.True(File.Exists(f), f));
        Assert.False(File.Exists(Temp("999999999")));
        Assert.Empty(AtomicFile.RemoveAbandonedTemps(Path.Combine(_dir, "no-such-dir", "x.iso")));
    }
}
