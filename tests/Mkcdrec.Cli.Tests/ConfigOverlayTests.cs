using System.CommandLine;
using Mkcdrec.Cli.Configuration;
using Mkcdrec.Core.Configuration;

namespace Mkcdrec.Cli.Tests;

/// <summary>The configuration file under the command line, on the real command tree: what each key sets, and that an
/// option typed on the command line wins.</summary>
public sealed class ConfigOverlayTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mkcdrec-config-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Every_binding_names_a_key_a_verb_and_options_that_exist_and_every_key_reaches_a_verb()
    {
        var root = CommandTree.Build();
        foreach (var b in ConfigBindings.All)
        {
            Assert.NotNull(ConfigKeys.Find(b.Key));
            var command = Find(root, b.Verb);
            Assert.All(b.GivenBy, name => Assert.True(
                command.Options.Any(o => o.Name == name) || command.Arguments.Any(a => a.Name == name), $"{b.Verb} has no {name}"));
        }

        Assert.All(ConfigKeys.All, k => Assert.Contains(ConfigBindings.All, b => b.Key == k.Name));
    }

    [Fact]
    public void A_value_from_the_file_is_used_unless_the_command_line_gives_the_option()
    {
        var conf = Write("compress = gzip\nvolume-size = 100M\nmax-increments = 3\n");
        var (parse, overlay) = Parse("--config", conf, "mkbackuponly", "--compress", "none");

        Assert.Empty(parse.Errors);
        Assert.Equal("none", Value<string>(parse, "--compress"));
        Assert.Equal("100M", Value<string>(parse, "--volume-size"));
        Assert.Equal(3, Value<int>(parse, "--max-increments"));
        Assert.Equal("--compress", overlay.Applied.Single(a => a.Entry.Key == "compress").OverriddenBy);
        Assert.Contains(overlay.Describe(), l => l.Contains("compress = gzip", StringComparison.Ordinal) && l.Contains("not used: the command line gives --compress", StringComparison.Ordinal));
    }

    [Fact]
    public void Excludes_from_the_file_and_the_command_line_add_up()
    {
        var conf = Write("exclude = /srv/cache/*\nexclude = /home/*/.cache\n");
        var (parse, _) = Parse("--config", conf, "mkbackuponly", "--exclude", "/opt/scratch");
        Assert.Equal(["/opt/scratch", "/srv/cache/*", "/home/*/.cache"], Value<string[]>(parse, "--exclude") ?? []);
    }

    [Fact]
    public void Flags_yes_sets_the_option_no_leaves_its_default_and_the_command_line_can_turn_it_off()
    {
        var on = Write("encrypt = yes\npassphrase-file = /root/backup.pass\ndefault-excludes = no\nincremental = no\n");
        var (parse, _) = Parse("--config", on, "mkbackuponly");
        Assert.True(Value<bool>(parse, "--encrypt"));
        Assert.Equal("/root/backup.pass", Value<string>(parse, "--passphrase-file"));
        Assert.True(Value<bool>(parse, "--no-default-excludes"));
        Assert.False(Value<bool>(parse, "--incremental"));

        var (off, _) = Parse("--config", on, "mkbackuponly", "--encrypt", "false");
        Assert.False(Value<bool>(off, "--encrypt"));
    }

    [Theory]
    [InlineData("/srv/backups", "--backup-dir")]
    [InlineData("s3://backups/hosts?endpoint=http://127.0.0.1:9000", "--dest")]
    [InlineData("sftp://backup@vault/srv/mkcdrec", "--dest")]
    public void Mkbackup_sends_a_directory_destination_to_backup_dir_and_a_url_to_dest(string destination, string option)
    {
        var (parse, _) = Parse("--config", Write($"destination = {destination}\n"), "mkbackup");
        Assert.Empty(parse.Errors);
        Assert.Equal(destination, Value<string>(parse, option));
    }

    [Fact]
    public void Mkbackup_use_backup_keeps_only_the_media_keys_from_the_file()
    {
        var conf = Write("destination = /srv/backups\ncompress = gzip\nexclude = /x\noutput = /srv/iso\nmedium = dvd\n");
        var (parse, overlay) = Parse("--config", conf, "mkbackup", "--use-backup", "/srv/finished");
        Assert.Empty(parse.Errors);
        Assert.Null(Value<string>(parse, "--backup-dir"));
        Assert.Equal("zstd", Value<string>(parse, "--compress"));
        Assert.Empty(Value<string[]>(parse, "--exclude") ?? []);
        Assert.Equal("/srv/iso", Value<string>(parse, "--output"));
        Assert.Equal("dvd", Value<string>(parse, "--medium"));
        Assert.All(overlay.Applied.Where(a => a.Entry.Key is "destination" or "compress" or "exclude"), a => Assert.Equal("--use-backup", a.OverriddenBy));
    }

    [Fact]
    public void Backups_prune_takes_its_destination_and_retention_from_the_file_and_an_argument_overrides_the_destination()
    {
        var conf = Write("destination = /srv/backups\nkeep-full = 2\n");
        var (parse, _) = Parse("--config", conf, "backups", "prune", "--dry-run");
        Assert.Empty(parse.Errors);
        Assert.Equal("/srv/backups", parse.GetValue(Find(parse.RootCommandResult.Command, "backups prune").Arguments.OfType<Argument<string>>().Single()));
        Assert.Equal(2, Value<int>(parse, "--keep-full"));

        var (other, overlay) = Parse("--config", conf, "backups", "prune", "/mnt/usb");
        Assert.Empty(other.Errors);
        Assert.Equal("/mnt/usb", other.GetValue(Find(other.RootCommandResult.Command, "backups prune").Arguments.OfType<Argument<string>>().Single()));
        Assert.Equal("URL", overlay.Applied.Single(a => a.Entry.Key == "destination").OverriddenBy);
    }

    [Theory]
    [InlineData("fetch", "https://backup.example/host1/")]
    [InlineData("verify", "https://backup.example/host1/")]
    [InlineData("backups list", "s3://b/p?endpoint=https://minio.example:9000")]
    [InlineData("backups prune", "s3://b/p?endpoint=https://minio.example:9000 --keep-full 2")]
    [InlineData("mkbackuponly", null)]
    [InlineData("mkbackup", null)]
    [InlineData("report", null)]
    public void Ca_file_from_the_file_reaches_every_verb_that_reads_over_https_and_the_command_line_wins(string verb, string? argument)
    {
        var conf = Write("ca-file = /etc/mkcdrec/ca.pem\n");
        string[] words = [.. verb.Split(' '), .. argument?.Split(' ') ?? []];
        var (parse, _) = Parse(["--config", conf, .. words]);
        Assert.Empty(parse.Errors);
        Assert.Equal("/etc/mkcdrec/ca.pem", Value<string>(parse, "--ca-file"));

        var (given, overlay) = Parse(["--config", conf, .. words, "--ca-file", "/root/other-ca.pem"]);
        Assert.Equal("/root/other-ca.pem", Value<string>(given, "--ca-file"));
        Assert.Equal("--ca-file", overlay.Applied.Single(a => a.Entry.Key == "ca-file").OverriddenBy);
    }

    [Fact]
    public void Recover_takes_ca_file_on_its_command_line_only()
    {
        var (parse, overlay) = Parse("--config", Write("ca-file = /etc/mkcdrec/ca.pem\n"), "recover", "--backup", "https://backup.example/h/", "--ca-file", "/run/ca.pem");
        Assert.Empty(parse.Errors);
        Assert.Equal("/run/ca.pem", Value<string>(parse, "--ca-file"));
        Assert.Null(overlay.File); // the rescue menu passes what recover needs; the file does not reach it
    }

    [Fact]
    public void Verbs_the_file_does_not_reach_and_help_do_not_read_it()
    {
        var broken = Write("this is not a configuration\n");
        var (help, _) = Parse("--config", broken, "mkbackuponly", "--help");
        Assert.Empty(help.Errors);
        var (_, overlay) = Parse("--config", broken, "layout", "show");
        Assert.Null(overlay.File);
        Assert.Empty(overlay.Applied);
        Assert.Throws<Mkcdrec.Core.MkcdrecException>(() => Parse("--config", broken, "mkbackuponly"));
    }

    [Fact]
    public void The_environment_names_the_file_when_the_command_line_does_not()
    {
        var conf = Write("compress = gzip\n");
        var environment = new Dictionary<string, string> { [ConfigLocation.Environment] = conf };
        Assert.Equal("gzip", Value<string>(Parse(environment, "mkbackuponly").Parse, "--compress"));
        Assert.Equal("zstd", Value<string>(Parse(environment, "--config", "/dev/null", "mkbackuponly").Parse, "--compress"));
        Assert.Equal((conf, true), ConfigLocation.Resolve(CommandTree.Build().Parse(["mkbackuponly"]), environment.GetValueOrDefault));
    }

    [Theory]
    [InlineData("mkrescue")]
    [InlineData("mkbackup")]
    public void The_rescue_keys_reach_mkrescue_and_mkbackup_and_not_an_initramfs_given_as_it_is(string verb)
    {
        var conf = Write("rescue-sshd = yes\nrescue-authorized-keys = /etc/mkcdrec/keys.pub\nrescue-firmware = yes\n"
                         + "rescue-program = smartctl\nrescue-program = /usr/sbin/sg_inq\nrescue-module = megaraid_sas\n");
        var (parse, _) = Parse("--config", conf, verb, "--add-module", "isci");
        Assert.Empty(parse.Errors);
        Assert.True(Value<bool>(parse, "--sshd"));
        Assert.Equal("/etc/mkcdrec/keys.pub", Value<string>(parse, "--authorized-keys"));
        Assert.True(Value<bool>(parse, "--firmware"));
        Assert.Equal(["smartctl", "/usr/sbin/sg_inq"], Value<string[]>(parse, "--add-program") ?? []);
        Assert.Equal(["isci", "megaraid_sas"], Value<string[]>(parse, "--add-module") ?? []);

        var (prebuilt, overlay) = Parse("--config", conf, verb, "--initrd", "/boot/initrd.img");
        Assert.False(Value<bool>(prebuilt, "--sshd"));
        Assert.Empty(Value<string[]>(prebuilt, "--add-program") ?? []);
        Assert.All(overlay.Applied.Where(a => a.Entry.Key.StartsWith("rescue-", StringComparison.Ordinal)), a => Assert.Equal("--initrd", a.OverriddenBy));
    }

    [Theory]
    [InlineData("rescue-program = two words", "not one program name")]
    [InlineData("rescue-program = sbin/tool", "must be absolute")]
    [InlineData("rescue-module = bad/name", "not a kernel module")]
    [InlineData("rescue-authorized-keys = keys.pub", "not an absolute path")]
    [InlineData("rescue-sshd = maybe", "yes")]
    public void Bad_rescue_values_are_named_with_what_is_allowed(string line, string expected)
    {
        var (code, _, e) = CliTests.Mkcdrec("--config", Write(line + "\n"), "mkrescue", "--simulate");
        Assert.Equal(4, code);
        Assert.Contains("line 1", e, StringComparison.Ordinal);
        Assert.Contains(expected, e, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_key_and_every_binding_is_in_the_documentation()
    {
        var doc = File.ReadAllText(Path.Combine(SizeRulesTests.RepoRoot(), "docs", "configuration.md"));
        Assert.All(ConfigKeys.All, k => Assert.Contains($"`{k.Name}`", doc));
        Assert.All(ConfigBindings.All, b => Assert.Contains($"{b.Verb} {b.Symbol}", doc));
    }

    private static (ParseResult Parse, ConfigOverlay Overlay) Parse(params string[] args) => Parse(new Dictionary<string, string>(), args);

    /// <summary>Parses as CliRunner does, with <paramref name="environment"/> instead of the process's (tests run in parallel).</summary>
    private static (ParseResult Parse, ConfigOverlay Overlay) Parse(Dictionary<string, string> environment, params string[] args)
    {
        var root = CommandTree.Build();
        var overlay = ConfigOverlay.Apply(root.Parse(args), args, environment.GetValueOrDefault);
        return (root.Parse(overlay.Args), overlay);
    }

    private static T? Value<T>(ParseResult parse, string option) =>
        parse.GetValue(parse.CommandResult.Command.Options.OfType<Option<T>>().Single(o => o.Name == option));

    private static Command Find(Command root, string verb) =>
        verb.Split(' ').Aggregate(root, (c, word) => c.Subcommands.Single(s => s.Name == word));

    private string Write(string text)
    {
        var path = Path.Combine(_dir, $"mkcdrec-{Guid.NewGuid():N}.conf");
        File.WriteAllText(path, text);
        return path;
    }
}
