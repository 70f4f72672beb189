namespace Mkcdrec.Cli.Tests;

/// <summary>`mkcdrec report` as a user runs it: the configuration reaches the page, a bad output path is refused with what to do.</summary>
public sealed class ReportCliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mkcdrec-report-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Layout => Path.Combine(AppContext.BaseDirectory, "fixtures", "layout-gpt.json");

    [Fact]
    public void The_configured_destination_and_encryption_reach_the_page_and_an_unreachable_destination_is_not_fatal()
    {
        var conf = Path.Combine(_dir, "mkcdrec.conf");
        var gone = Path.Combine(_dir, "no-backups-here");
        File.WriteAllText(conf, $"destination = {gone}\nencrypt = yes\noutput = {_dir}\n");
        File.WriteAllBytes(Path.Combine(_dir, "MKCDREC_VM_20261206.iso"), new byte[4096]);
        var page = Path.Combine(_dir, "binder.html");
        var (code, o, e) = CliTests.Mkcdrec(new Dictionary<string, string> { ["MKCDREC_CONFIG"] = conf },
            "report", "--layout", Layout, "-o", page, "--drill", Path.Combine(_dir, "none.json"), "--log", Path.Combine(_dir, "log"));
        Assert.True(code == 0, o + e);
        Assert.Contains("Report written to " + page, o, StringComparison.Ordinal);
        Assert.Contains("could not be listed", e, StringComparison.Ordinal);
        var html = File.ReadAllText(page);
        Assert.Contains($"<code>{gone}</code> could not be read:", html, StringComparison.Ordinal);
        Assert.Contains("<code>backup.passphrase</code>", html, StringComparison.Ordinal);
        Assert.Contains($"<code>{Path.Combine(_dir, "MKCDREC_VM_20261206.iso")}</code> (4 KiB", html, StringComparison.Ordinal);
        Assert.Contains("No drill on record.", html, StringComparison.Ordinal);
        Assert.Contains("/dev/loop0p1", html, StringComparison.Ordinal);
    }

    [Fact]
    public void An_output_in_a_missing_directory_is_refused_with_what_to_do()
    {
        var (code, _, e) = CliTests.Mkcdrec("report", "--layout", Layout, "-o", Path.Combine(_dir, "nowhere", "r.html"), "--log", Path.Combine(_dir, "log"));
        Assert.Equal(2, code);
        Assert.Contains("does not exist", e, StringComparison.Ordinal);
        Assert.Contains("what to do", e, StringComparison.Ordinal);
        Assert.Contains("-o ./report.html", e, StringComparison.Ordinal);
    }

    [Fact]
    public void Simulate_lists_the_steps_and_writes_nothing()
    {
        var page = Path.Combine(_dir, "r.html");
        var (code, o, e) = CliTests.Mkcdrec("report", "--simulate", "--layout", Layout, "-o", page, "--log", Path.Combine(_dir, "log"));
        Assert.True(code == 0, e);
        Assert.Equal(["check the output file", "read the layout", "plan the recovery onto the same disks", "list the backups", "read the last drill", "list the rescue media", "write the page"],
            o.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.False(File.Exists(page));
    }
}
