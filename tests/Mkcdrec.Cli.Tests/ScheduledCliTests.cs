namespace Mkcdrec.Cli.Tests;

/// <summary>
/// mkcdrec scheduled through the real program: the child mkbackup reads the same configuration file, and its refusal
/// (incremental with a set of media, refused before anything is captured) becomes the summary line, the exit code and a
/// mail through the sendmail found in PATH (a script here that keeps what it was given).
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class ScheduledCliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mkcdrec-scheduled-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private Dictionary<string, string> WithSendmail()
    {
        var bin = Directory.CreateDirectory(Path.Combine(_dir, "bin")).FullName;
        var sendmail = Path.Combine(bin, "sendmail");
        File.WriteAllText(sendmail, $"#!/bin/sh\necho \"$@\" > {_dir}/sendmail.args\ncat > {_dir}/sendmail.msg\n");
        File.SetUnixFileMode(sendmail, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return new() { ["PATH"] = bin + ":" + Environment.GetEnvironmentVariable("PATH") };
    }

    [Fact]
    public void A_failing_scheduled_backup_prints_one_summary_line_exits_with_its_code_and_mails_it()
    {
        var conf = Path.Combine(_dir, "mkcdrec.conf");
        File.WriteAllText(conf, "medium = dvd\nincremental = yes\nmail-to = ops@example.org\n");
        var (code, o, e) = CliTests.Mkcdrec(WithSendmail(), "--config", conf, "scheduled", "backup");
        Assert.True(code == 2, o + e);
        var line = Assert.Single(o.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("mkcdrec backup: FAILED (exit 2) after ", line);
        Assert.Contains("--incremental with the backup on the media needs a single ISO", line);
        Assert.Equal("-oi -t\n", File.ReadAllText(Path.Combine(_dir, "sendmail.args")));
        var msg = File.ReadAllText(Path.Combine(_dir, "sendmail.msg"));
        Assert.StartsWith("To: ops@example.org\nSubject: mkcdrec on ", msg);
        Assert.Contains(": scheduled backup FAILED (exit 2)\n", msg);
        Assert.Contains("  mkcdrec: error: --incremental with the backup on the media needs a single ISO", msg);
    }

    [Fact]
    public void Json_gives_the_job_exit_code_summary_and_mail_note()
    {
        var conf = Path.Combine(_dir, "mkcdrec.conf");
        File.WriteAllText(conf, "medium = dvd\nincremental = yes\n");
        var env = WithSendmail();
        var (code, o, e) = CliTests.Mkcdrec(env, "--config", conf, "--json", "scheduled", "backup", "--mail-to", "root", "--mail-on", "always");
        Assert.True(code == 2, o + e);
        Assert.Matches("^\\{\"job\":\"backup\",\"exitCode\":2,\"summary\":\"backup: FAILED \\(exit 2\\).*\",\"mailNote\":null\\}\n$", o);
        Assert.True(File.Exists(Path.Combine(_dir, "sendmail.msg")));
    }

    [Theory]
    [InlineData("mail-to = -oQ/tmp/x\n", "mail-to")]
    [InlineData("mail-on = sometimes\n", "mail-on")]
    public void A_bad_mail_setting_is_an_error_naming_the_line(string line, string key)
    {
        var conf = Path.Combine(_dir, "mkcdrec.conf");
        File.WriteAllText(conf, line);
        var (code, _, e) = CliTests.Mkcdrec("--config", conf, "scheduled", "layout-check");
        Assert.Equal(4, code);
        Assert.Contains($"{conf} line 1: {key}", e);
    }
}
