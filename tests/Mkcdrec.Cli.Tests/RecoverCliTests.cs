using System.Text.Json;

namespace Mkcdrec.Cli.Tests;

/// <summary>`mkcdrec recover --plan` as a user meets it: prints the plan, changes nothing, refuses with exit 7 and what to do.</summary>
public sealed class RecoverCliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mkcdrec-recover-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static (int Code, string Out, string Err) Run(params string[] args) => CliTests.Mkcdrec(args);

    private static string Fixture => Path.Combine(AppContext.BaseDirectory, "fixtures", "layout-gpt.json");

    private string Disks(params (string Name, long Size)[] disks)
    {
        var path = Path.Combine(_dir, "disks.json");
        File.WriteAllText(path, "[" + string.Join(",", disks.Select(d => $"{{\"path\":\"/dev/{d.Name}\",\"kernelName\":\"{d.Name}\",\"sizeBytes\":{d.Size},\"logicalSectorSize\":512}}")) + "]");
        return path;
    }

    [Fact]
    public void Plan_prints_the_mapping_and_the_steps_and_exits_0()
    {
        var (code, o, e) = Run("recover", "--layout", Fixture, "--plan", "--target-disks", Disks(("vdb", 3L << 30)));
        Assert.True(code == 0, e);
        Assert.Contains("/dev/loop0", o);
        Assert.Contains("/dev/vdb", o);
        Assert.Contains("$ wipefs --all --force /dev/vdb", o);
        Assert.Contains("$ mkfs.ext4 -F -U 6469b6c2-38d1-40c1-b8f5-1e0019a7fff2", o);
        Assert.Contains("$ mount -t ext4 /dev/vdb2 /mnt/local/tmp/tmp.liNChlvZFj/m1", o);
    }

    [Fact]
    public void Plan_with_new_identifiers_shows_them_and_no_step_keeps_the_layouts()
    {
        var (code, o, e) = Run("recover", "--layout", Fixture, "--plan", "--new-identifiers", "--target-disks", Disks(("vdb", 3L << 30)));
        Assert.True(code == 0, e);
        Assert.Contains("New identifiers (--new-identifiers)", o);
        Assert.Contains("filesystem fs:ext4:6469b6c2-38d1-40c1-b8f5-1e0019a7fff2: 6469b6c2-38d1-40c1-b8f5-1e0019a7fff2 -> ", o);
        Assert.Contains("$ mkfs.ext4 -F -U ", o);
        Assert.DoesNotContain("-U 6469b6c2-38d1-40c1-b8f5-1e0019a7fff2", o);
    }

    [Fact]
    public void Plan_json_is_a_plan_document()
    {
        var (code, o, e) = Run("recover", "--layout", Fixture, "--plan", "--json", "--target-root", "/target", "--target-disks", Disks(("vdb", 2L << 30)));
        Assert.True(code == 0, e);
        using var doc = JsonDocument.Parse(o);
        Assert.Equal("/target", doc.RootElement.GetProperty("targetRoot").GetString());
        var steps = doc.RootElement.GetProperty("steps");
        Assert.Equal("wipe", steps[0].GetProperty("kind").GetString());
        Assert.Equal("exact", doc.RootElement.GetProperty("mappings")[0].GetProperty("resize").GetString());
        Assert.Contains(steps.EnumerateArray(), s => s.TryGetProperty("partitionTable", out _));
    }

    [Fact]
    public void Map_to_a_disk_that_does_not_exist_exits_7_naming_it()
    {
        var (code, _, e) = Run("recover", "--layout", Fixture, "--plan", "--map", "loop0=/dev/nosuchdisk", "--target-disks", Disks(("vdb", 3L << 30)));
        Assert.Equal(7, code);
        Assert.Contains("/dev/nosuchdisk", e);
        Assert.Contains("what to do", e);
    }

    [Fact]
    public void Ambiguous_disks_exit_7_with_the_map_syntax()
    {
        var (code, _, e) = Run("recover", "--layout", Fixture, "--plan", "--target-disks", Disks(("vdb", 3L << 30), ("vdc", 4L << 30)));
        Assert.Equal(7, code);
        Assert.Contains("--map /dev/loop0=", e);

        var (ok, o, _) = Run("recover", "--layout", Fixture, "--plan", "--map", "loop0=vdc", "--target-disks", Disks(("vdb", 3L << 30), ("vdc", 4L << 30)));
        Assert.Equal(0, ok);
        Assert.Contains("explicit --map", o);
    }

    [Fact]
    public void Excluded_disk_is_refused_as_a_target()
    {
        var (code, _, e) = Run("recover", "--layout", Fixture, "--plan", "--exclude-disk", "/dev/vdb", "--map", "loop0=/dev/vdb", "--target-disks", Disks(("vdb", 3L << 30)));
        Assert.Equal(7, code);
        Assert.Contains("never a target", e);
    }

    [Fact]
    public void Layout_only_runs_on_this_machines_disks_not_on_a_list()
    {
        var (code, _, e) = Run("recover", "--layout", Fixture, "--layout-only", "--yes", "--target-disks", Disks(("vdb", 3L << 30)));
        Assert.Equal(2, code);
        Assert.Contains("--target-disks only works with --plan", e);
    }

    [Fact]
    public void Recover_takes_a_secrets_directory_and_a_secret_timeout()
    {
        var (code, o, _) = Run("recover", "--help");
        Assert.Equal(0, code);
        Assert.Contains("--secrets", o);
        Assert.Contains("--secret-timeout", o);
        Assert.Contains("--key-file", o);

        var keys = Directory.CreateDirectory(Path.Combine(_dir, "keys")).FullName;
        var disks = Disks(("vdb", 3L << 30));
        (code, _, var e) = Run("recover", "--layout", Fixture, "--plan", "--target-disks", disks, "--secrets", keys, "--secret-timeout", "30");
        Assert.True(code == 0, e);
    }

    [Theory]
    [InlineData("--secret-timeout", "-1", 2, "--secret-timeout -1 is negative")]
    [InlineData("--secret-timeout", "soon", 2, "soon")]
    [InlineData("--secrets", "/nonexistent/keys", 4, "The secrets directory '/nonexistent/keys' does not exist")]
    public void Bad_secret_options_stop_recover_before_it_plans(string option, string value, int exit, string message)
    {
        var (code, o, e) = Run("recover", "--layout", Fixture, "--plan", "--target-disks", Disks(("vdb", 3L << 30)), option, value);
        Assert.Equal(exit, code);
        Assert.Contains(message, e);
        Assert.DoesNotContain("wipefs", o);
    }

    [Fact]
    public void Recovering_without_a_backup_is_a_usage_error_and_touches_nothing()
    {
        var (code, _, e) = Run("recover", "--layout", Fixture);
        Assert.Equal(2, code);
        Assert.Contains("--backup DIR", e);
    }

    [Theory]
    [InlineData("--net", "static:nonsense", "--net static:nonsense")]
    [InlineData("--report-url", "10.77.0.1:8080/report", "--report-url '10.77.0.1:8080/report' is not an http:// or https:// URL.")]
    public void A_bad_clone_network_or_report_url_is_refused_before_anything_happens(string option, string value, string message)
    {
        var (code, _, e) = Run("recover", "--backup", _dir, option, value);
        Assert.Equal(2, code);
        Assert.Contains(message, e);
    }
}
