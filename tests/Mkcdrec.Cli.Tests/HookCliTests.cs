using Mkcdrec.Model.Layout;

namespace Mkcdrec.Cli.Tests;

/// <summary>
/// The backup hooks through the real program, set in the configuration file: mkbackuponly with a layout whose only
/// mount is a temporary directory (so nothing of this machine is backed up), the hooks run by /bin/sh.
/// </summary>
public sealed class HookCliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mkcdrec-hook-cli-").FullName;

    public HookCliTests()
    {
        Directory.CreateDirectory(Tree);
        File.WriteAllText(Path.Combine(Tree, "data"), "live\n");
        var doc = new LayoutDocument { Host = new HostInfo { Hostname = "db1" } };
        doc.Filesystems.Add(new Filesystem { Id = "fs:ext4:r", Type = "ext4", Uuid = "r", DeviceIds = ["disk:x/p2"] });
        doc.Mounts.Add(new Mount { Target = Tree, FilesystemId = "fs:ext4:r", Source = "/dev/x2", Type = "ext4" });
        File.WriteAllText(LayoutFile, LayoutSerializer.Serialize(doc));
    }

    private string Tree => Path.Combine(_dir, "tree");

    private string LayoutFile => Path.Combine(_dir, "layout.json");

    private string Dest => Path.Combine(_dir, "backup");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Configured_hooks_run_around_mkbackuponly_and_their_output_is_in_the_log()
    {
        var log = Path.Combine(_dir, "run.log");
        var conf = Conf($"destination = {Dest}\npre-backup-hook = echo dump > {Tree}/db.dump; echo froze\npost-backup-hook = echo $MKCDREC_BACKUP_RESULT > {_dir}/thawed\n");

        var (code, _, e) = CliTests.Mkcdrec("--config", conf, "--log", log, "mkbackuponly", "--layout", LayoutFile);

        Assert.True(code == 0, e);
        Assert.Equal("ok\n", File.ReadAllText(Path.Combine(_dir, "thawed")));
        Assert.True(File.Exists(Path.Combine(Dest, "manifest.json")));
        var text = File.ReadAllText(log);
        Assert.Contains("pre-backup hook: | froze", text);
        Assert.Contains($"configuration: pre-backup-hook = echo dump > {Tree}/db.dump; echo froze ({conf} line 2) used as", text);
        var (verify, vo, ve) = CliTests.Mkcdrec("verify", Dest);
        Assert.True(verify == 0, vo + ve);
    }

    [Fact]
    public void A_failing_pre_hook_exits_6_with_its_message_and_writes_no_backup()
    {
        var conf = Conf($"destination = {Dest}\npre-backup-hook = echo 'pg_dumpall: connection refused' >&2; exit 1\n");
        var (code, _, e) = CliTests.Mkcdrec("--config", conf, "mkbackuponly", "--layout", LayoutFile);
        Assert.Equal(6, code);
        Assert.Contains("The pre-backup hook failed", e);
        Assert.Contains("pg_dumpall: connection refused", e);
        Assert.Contains("Nothing was backed up", e);
        Assert.False(File.Exists(Path.Combine(Dest, "manifest.json")));
    }

    [Fact]
    public void A_failing_post_hook_exits_6_but_the_backup_is_complete_and_the_command_line_overrides_the_file()
    {
        var conf = Conf($"destination = {Dest}\npost-backup-hook = exit 9\n");
        var (code, _, e) = CliTests.Mkcdrec("--config", conf, "mkbackuponly", "--layout", LayoutFile);
        Assert.Equal(6, code);
        Assert.Contains("The backup is complete, but the post-backup hook failed: 'exit 9' exited with 9", e);
        Assert.Equal(0, CliTests.Mkcdrec("verify", Dest).Code);

        var (again, _, e2) = CliTests.Mkcdrec("--config", conf, "mkbackuponly", "--layout", LayoutFile, "--post-backup-hook", "true");
        Assert.True(again == 0, e2);
    }

    private string Conf(string text)
    {
        var path = Path.Combine(_dir, "mkcdrec.conf");
        File.WriteAllText(path, text);
        return path;
    }
}
