namespace Mkcdrec.Cli.Tests;

/// <summary>mkrescue / mkbackup on the command line (no root, no GRUB needed: netboot output, refusals, --simulate).</summary>
public sealed class MediaCliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mkcdrec-media-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Fixture => Path.Combine(AppContext.BaseDirectory, "fixtures", "layout-gpt.json");

    [Fact]
    public void Simulate_lists_the_named_steps()
    {
        var (code, o, _) = CliTests.Mkcdrec("mkrescue", "--simulate");
        Assert.Equal(0, code);
        Assert.Equal(["check tools", "capture layout", "build rescue system", "write rescue medium"], o.Trim().Split('\n'));
        (code, o, _) = CliTests.Mkcdrec("mkbackup", "--simulate");
        Assert.Equal(0, code);
        Assert.Equal(["check tools", "capture layout", "back up filesystems", "build rescue system", "write rescue media"], o.Trim().Split('\n'));
    }

    [Fact]
    public void Netboot_output_has_kernel_initrd_and_both_menus_with_the_backup_url()
    {
        var k = Path.Combine(_dir, "k");
        var i = Path.Combine(_dir, "i");
        File.WriteAllText(k, "kernel");
        File.WriteAllText(i, "initrd");
        var outDir = Path.Combine(_dir, "tftp");
        var (code, o, e) = CliTests.Mkcdrec("mkrescue", "--format", "netboot", "--output", outDir, "--kernel", k, "--initrd", i,
            "--layout", Fixture, "--backup-url", "http://10.0.2.2:8000/backup/");
        Assert.True(code == 0, o + e);
        Assert.Equal("kernel", File.ReadAllText(Path.Combine(outDir, "vmlinuz")));
        Assert.Equal("initrd", File.ReadAllText(Path.Combine(outDir, "initrd.img")));
        Assert.Contains("APPEND mkcdrec.backup=http://10.0.2.2:8000/backup/ console=tty0 console=ttyS0,115200", File.ReadAllText(Path.Combine(outDir, "pxelinux.cfg", "default")));
        Assert.Contains("linux /vmlinuz mkcdrec.backup=http://10.0.2.2:8000/backup/ mkcdrec.auto=recover", File.ReadAllText(Path.Combine(outDir, "grub.cfg")));
        Assert.DoesNotContain(Directory.GetFiles(outDir), f => Path.GetFileName(f).StartsWith('.'));
    }

    [Theory]
    [InlineData("--label", "lower case")]
    [InlineData("--format", "iso", "--backup-url", "http://x/")]
    [InlineData("--sshd")]
    [InlineData("--add-program", "busybox")]
    public void Mkrescue_refusals_are_usage_errors_with_a_hint(params string[] args)
    {
        var full = new List<string> { "mkrescue", "--layout", Fixture, "--output", Path.Combine(_dir, "o") };
        full.AddRange(["--initrd", Fixture, "--kernel", Fixture]);
        full.AddRange(args);

        var (code, _, e) = CliTests.Mkcdrec([.. full]);
        Assert.Equal(2, code);
        Assert.Contains("what to do", e);
        Assert.False(Directory.Exists(Path.Combine(_dir, "o")) && Directory.GetFiles(Path.Combine(_dir, "o")).Length > 0);
    }

    [Theory]
    [InlineData(2, "missing or empty", "--sshd", "--authorized-keys", "/nonexistent/authorized_keys")]
    [InlineData(5, "no-such-program-x", "--add-program", "no-such-program-x")]
    public void Rescue_extras_that_are_not_there_stop_the_run_before_anything_is_done(int exitCode, string expected, params string[] args)
    {
        foreach (var verb in new[] { "mkrescue", "mkbackup" })
        {
            var (code, _, e) = CliTests.Mkcdrec([verb, "--layout", Fixture, "--output", Path.Combine(_dir, "o"), .. args]);
            Assert.True(code == exitCode, $"{verb}: exit {code}: {e}");
            Assert.Contains(expected, e, StringComparison.Ordinal);
            Assert.Contains("what to do", e, StringComparison.Ordinal);
            Assert.False(Directory.Exists(Path.Combine(_dir, "o")));
        }
    }

    [Fact]
    public void Mkbackup_refuses_contradicting_options()
    {
        var (code, _, e) = CliTests.Mkcdrec("mkbackup", "--use-backup", _dir, "--backup-dir", _dir, "--initrd", Fixture, "--kernel", Fixture);
        Assert.Equal(2, code);
        Assert.Contains("what to do", e);
        (code, _, _) = CliTests.Mkcdrec("mkbackup", "--backup-dir", _dir, "--medium", "cd", "--initrd", Fixture, "--kernel", Fixture);
        Assert.Equal(2, code);
    }
}
