using Mkcdrec.Core.Platform;
using Mkcdrec.Core.Workflows;
using Mkcdrec.Model.Layout;
using Mkcdrec.Model.Manifest;
using Mkcdrec.Platform.Linux;

namespace Mkcdrec.Core.Tests.Workflows;

/// <summary>The pre- and post-backup hooks run by a real /bin/sh around a real backup: order, environment, failures, output in the log.</summary>
public sealed class BackupHooksTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mkcdrec-hooks-").FullName;
    private readonly ListLog _log = new();

    public BackupHooksTests()
    {
        Directory.CreateDirectory(Root);
        File.WriteAllText(Path.Combine(Root, "data"), "live\n");
    }

    private string Root => Path.Combine(_dir, "root");

    private string Dest => Path.Combine(_dir, "backup");

    private string Outside => Path.Combine(_dir, "outside");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void The_pre_hook_runs_before_the_walk_and_the_post_hook_after_it_with_the_result()
    {
        var hooks = new BackupHooks
        {
            PreBackup = $"echo dumped > {Root}/db.dump && echo \"frozen by $MKCDREC_HOOK\"",
            PostBackup = $"echo \"$MKCDREC_HOOK $MKCDREC_BACKUP_RESULT\" > {Outside} && touch {Root}/after-walk",
        };

        var r = Backup(hooks);

        var files = BackupManifest.Parse(File.ReadAllBytes(r.ManifestPath), r.ManifestPath).Archives.Single().Files.Select(f => f.Path).ToList();
        Assert.Contains("db.dump", files); // made by the pre hook: in the backup
        Assert.DoesNotContain("after-walk", files); // made by the post hook: after the last archive
        Assert.Equal("post-backup ok\n", File.ReadAllText(Outside));
        Assert.Null(hooks.PostBackupFailure);
        Assert.Null(hooks.FailureError());
        Assert.Contains("pre-backup hook: | frozen by pre-backup", _log.Lines);
    }

    [Fact]
    public void A_failing_pre_hook_stops_the_backup_before_any_archive_keeps_the_previous_one_and_still_thaws()
    {
        Backup(new BackupHooks());
        var previous = File.ReadAllBytes(Path.Combine(Dest, BackupFiles.Manifest));
        var volumes = Directory.GetFiles(Dest).Order().ToList();
        var hooks = new BackupHooks { PreBackup = "echo 'FLUSH TABLES failed: lock wait timeout' >&2; exit 3", PostBackup = $"echo $MKCDREC_BACKUP_RESULT > {Outside}" };

        var e = Assert.Throws<MkcdrecException>(() => Backup(hooks));

        Assert.Equal(ExitCode.CommandFailed, e.Code);
        Assert.Contains("The pre-backup hook failed: 'echo 'FLUSH TABLES failed: lock wait timeout' >&2; exit 3' exited with 3: FLUSH TABLES failed: lock wait timeout", e.Message);
        Assert.Contains("Nothing was backed up", e.Hint);
        Assert.Equal(previous, File.ReadAllBytes(Path.Combine(Dest, BackupFiles.Manifest)));
        Assert.Equal(volumes, Directory.GetFiles(Dest).Order().ToList());
        Assert.Equal("failed\n", File.ReadAllText(Outside));
        Assert.Contains("pre-backup hook: | FLUSH TABLES failed: lock wait timeout", _log.Lines);
    }

    [Fact]
    public void When_the_archives_fail_the_post_hook_still_runs_and_is_told()
    {
        var hooks = new BackupHooks { PreBackup = "true", PostBackup = $"echo $MKCDREC_BACKUP_RESULT > {Outside}" };
        var layout = Layout(); // a second filesystem whose mount point is gone: its archive fails after the first was made
        layout.Mounts.Add(new Mount { Target = Path.Combine(_dir, "vanished"), FilesystemId = "fs:ext4:v", Source = "/dev/x3", Type = "ext4" });
        layout.Filesystems.Add(new Filesystem { Id = "fs:ext4:v", Type = "ext4", Uuid = "v", DeviceIds = ["disk:x/p3"] });

        Assert.ThrowsAny<Exception>(() => new BackupWorkflow(new ProcessRunner(_log), new FileSystemAccess(), _log).Run(layout, Dest, new BackupOptions { Level = 1, Hooks = hooks }));

        Assert.Equal("failed\n", File.ReadAllText(Outside));
        Assert.False(File.Exists(Path.Combine(Dest, BackupFiles.Manifest)));
    }

    [Fact]
    public void A_failing_post_hook_leaves_a_complete_backup_and_an_error_for_the_command()
    {
        var hooks = new BackupHooks { PostBackup = "echo 'UNLOCK TABLES: server has gone away'; exit 2" };

        var r = Backup(hooks);

        new Core.Archive.ArchiveVerifier(new FileSystemAccess()).Verify(Dest, null);
        Assert.Equal(r.ManifestPath, Path.Combine(Dest, BackupFiles.Manifest));
        Assert.Contains("exited with 2: UNLOCK TABLES: server has gone away", hooks.PostBackupFailure);
        var e = hooks.FailureError()!;
        Assert.Equal(ExitCode.CommandFailed, e.Code);
        Assert.StartsWith("The backup is complete, but the post-backup hook failed", e.Message);
        Assert.Contains(_log.Lines, l => l.StartsWith("the post-backup hook failed", StringComparison.Ordinal));
    }

    [Fact]
    public void A_hook_that_hangs_is_killed_after_its_timeout()
    {
        var hooks = new BackupHooks { PreBackup = "sleep 60", Timeout = TimeSpan.FromSeconds(1) };
        var e = Assert.Throws<MkcdrecException>(() => Backup(hooks));
        Assert.Contains("timed out after 1 s", e.Message);
        Assert.False(File.Exists(Path.Combine(Dest, BackupFiles.Manifest)));
    }

    [Fact]
    public void The_post_recovery_hook_is_recorded_in_the_manifest_and_sealed_with_an_encrypted_one()
    {
        const string hook = "systemctl enable restore-check.service";
        var r = Backup(new BackupHooks { PostRecovery = hook });
        Assert.Equal(hook, BackupManifest.Parse(File.ReadAllBytes(r.ManifestPath), r.ManifestPath).PostRecoveryHook);

        var pass = "correct horse"u8.ToArray();
        var sealedDest = Path.Combine(_dir, "sealed");
        var s = new BackupWorkflow(new ProcessRunner(_log), new FileSystemAccess(), _log)
            .Run(Layout(), sealedDest, new BackupOptions { Level = 1, Passphrase = pass, Iterations = 1000, Hooks = new BackupHooks { PostRecovery = hook } });
        var stored = File.ReadAllBytes(s.ManifestPath);
        Assert.DoesNotContain("restore-check", System.Text.Encoding.UTF8.GetString(stored), StringComparison.Ordinal);
        Assert.Null(BackupManifest.Parse(stored, s.ManifestPath).PostRecoveryHook);
        Assert.Equal(hook, Core.Archive.ManifestSeal.Read(stored, s.ManifestPath, pass).PostRecoveryHook);
        Assert.Null(BackupManifest.Parse(File.ReadAllBytes(Backup(new BackupHooks()).ManifestPath), "plain").PostRecoveryHook);
    }

    private BackupResult Backup(BackupHooks hooks) =>
        new BackupWorkflow(new ProcessRunner(_log), new FileSystemAccess(), _log).Run(Layout(), Dest, new BackupOptions { Level = 1, Hooks = hooks });

    private LayoutDocument Layout()
    {
        var doc = new LayoutDocument { Host = new HostInfo { Hostname = "db1" } };
        doc.Filesystems.Add(new Filesystem { Id = "fs:ext4:r", Type = "ext4", Uuid = "r", DeviceIds = ["disk:x/p2"] });
        doc.Mounts.Add(new Mount { Target = Root, FilesystemId = "fs:ext4:r", Source = "/dev/x2", Type = "ext4" });
        return doc;
    }
}
