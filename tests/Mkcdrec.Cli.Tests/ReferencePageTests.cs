using System.CommandLine;
using Mkcdrec.Cli.Reference;
using Mkcdrec.Core;
using Mkcdrec.Core.Configuration;

namespace Mkcdrec.Cli.Tests;

/// <summary>mkcdrec(8) and mkcdrec.conf(5) as `mkcdrec reference` writes them from the real command tree: complete,
/// without hidden commands, and roff that mandoc and groff read without a warning.</summary>
public sealed class ReferencePageTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mkcdrec-reference-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Man8_has_every_visible_verb_with_each_of_its_options_and_arguments_and_every_global_option()
    {
        var root = CommandTree.Build();
        var page = CommandManPage.Write(root);
        var visible = VisibleTree.Commands(root).ToList();
        Assert.Contains(visible, c => c.Path == "backups prune");
        Assert.Equal(visible.Count, page.Split('\n').Count(l => l.StartsWith(".SS ", StringComparison.Ordinal)));
        foreach (var (path, command) in visible)
        {
            var section = Section(page, path);
            Assert.Contains(ManPageWriter.Bold($"mkcdrec {path}"), section);
            Assert.All(VisibleTree.Options(command), o => Assert.Contains(ManPageWriter.Bold(o.Name), section));
            Assert.All(VisibleTree.Arguments(command), a => Assert.Contains(ManPageWriter.Italic(VisibleTree.ValueName(a)), section));
        }

        Assert.All(["--json", "--verbose", "-v", "--log", "--config", "--help", "--version"], name => Assert.Contains(ManPageWriter.Bold(name), page));
        Assert.Contains("\\fB\\-\\-medium\\fR \\fISIZE\\fR", Section(page, "mkbackup"));
        Assert.DoesNotContain("mkcdrec drill check", page); // hidden: run by the drill inside its guests
        var probe = new System.CommandLine.Command("probe", "A command.")
        {
            new System.CommandLine.Option<string>("--root") { Description = "The root", DefaultValueFactory = _ => "/" },
        };
        Assert.Contains("Default: /.", Section(CommandManPage.Write(new System.CommandLine.RootCommand("mkcdrec — test.") { probe }), "probe"));
        Assert.DoesNotContain("Default:", Section(page, "mkrescue")); // each default there is in its description already
    }

    [Fact]
    public void Man8_lists_every_exit_code_the_files_and_the_environment_from_the_code()
    {
        var page = CommandManPage.Write(CommandTree.Build());
        Assert.All(ExitCodes.All, e => Assert.Contains($".TP\n\\fB{(int)e.Code}\\fR\n{ManPageWriter.Inline(e.Meaning)}\n", page));
        Assert.Equal(Enum.GetValues<ExitCode>().Order(), ExitCodes.All.Select(e => e.Code).Order());
        Assert.Contains(ManPageWriter.Italic(ConfigFile.DefaultPath), page);
        Assert.Contains(ManPageWriter.Italic("/var/lib/mkcdrec/layout.json"), page);
        Assert.Contains("\\fBMKCDREC_CONFIG\\fR", page);
        Assert.Contains("\\fBmkcdrec.conf\\fR(5)", page);
    }

    /// <summary>README's table and the one the page prints are the same table.</summary>
    [Fact]
    public void The_exit_code_table_is_the_one_in_the_readme()
    {
        var readme = File.ReadAllLines(Path.Combine(SizeRulesTests.RepoRoot(), "README.md"));
        var rows = readme.SkipWhile(l => l != "## Exit codes").SkipWhile(l => !l.StartsWith('|')).TakeWhile(l => l.StartsWith('|')).Skip(2)
            .Select(l => l.Trim('|').Split(" | ", 2)).Select(c => (int.Parse(c[0].Trim(), System.Globalization.CultureInfo.InvariantCulture), c[1].Trim()));
        Assert.Equal(ExitCodes.All.Select(e => ((int)e.Code, e.Meaning)), rows);
    }

    [Fact]
    public void No_hidden_command_or_option_reaches_the_page_or_the_completion()
    {
        var root = CommandTree.Build();
        var hidden = AllCommands(root, "").Where(c => c.Command.Hidden).ToList();
        Assert.Contains(hidden, c => c.Path == "reference");
        var page = CommandManPage.Write(root);
        var completion = BashCompletion.Write(root);
        Assert.All(hidden, c => Assert.DoesNotContain(ManPageWriter.Escape($"mkcdrec {c.Path}"), page));
        Assert.All(hidden, c => Assert.DoesNotContain($"'{c.Path}'", completion));
        Assert.DoesNotContain("reference", completion.Split('\n').Single(l => l.TrimStart().StartsWith("'') _mkcdrec_r='layout", StringComparison.Ordinal)));

        // The real tree has no hidden option; one made here shows that the filter would leave it out.
        var made = new RootCommand("made \u2014 a tree.\nWith hidden parts.")
        {
            new Command("shown", "A verb.") { new Option<string>("--plain") { HelpName = "X" }, new Option<bool>("--covert") { Hidden = true } },
            new Command("phantom", "A hidden verb.") { Hidden = true },
        };
        var madePage = CommandManPage.Write(made);
        Assert.Contains("\\-\\-plain", madePage);
        Assert.DoesNotContain("covert", madePage);
        Assert.DoesNotContain("phantom", madePage);
        Assert.DoesNotContain("covert", BashCompletion.Write(made));
        Assert.DoesNotContain("phantom", BashCompletion.Write(made));
    }

    [Fact]
    public void Man5_describes_every_key_with_what_it_allows_and_the_options_it_sets()
    {
        var page = ConfigManPage.Write(CommandTree.Build());
        foreach (var key in ConfigKeys.All)
        {
            var at = page.IndexOf($".TP\n{ManPageWriter.Bold(key.Name)} = ", StringComparison.Ordinal);
            Assert.True(at >= 0, $"{key.Name} is not in mkcdrec.conf(5)");
            var item = page[at..];
            Assert.Contains(ManPageWriter.Inline($"Allowed: {key.Allowed}."), item);
        }

        Assert.Contains("Sets: mkbackup \\-\\-compress (default zstd), mkbackuponly \\-\\-compress (default zstd).", page);
        Assert.Contains("only output, medium, secure\\-boot, rescue\\-sshd, rescue\\-authorized\\-keys, rescue\\-firmware, rescue\\-program and rescue\\-module apply", page);
        Assert.Contains("MKCDREC_CONFIG", page);
    }

    [Fact]
    public void The_example_in_man5_is_a_file_mkcdrec_reads()
    {
        var entries = ConfigFile.Parse(string.Join('\n', ConfigManPage.Example), "man5");
        Assert.Equal(ConfigManPage.Example.Count, entries.Count);
        Assert.Contains(entries, e => e.Value == "/home/* with space/.cache");
    }

    [Theory]
    [InlineData("man8")]
    [InlineData("man5")]
    public void The_pages_are_roff_mandoc_and_groff_read_without_a_warning(string which)
    {
        var file = Path.Combine(_dir, which);
        File.WriteAllText(file, which == "man8" ? CommandManPage.Write(CommandTree.Build()) : ConfigManPage.Write(CommandTree.Build()));

        var (code, output, errors) = Run("mandoc", "-T", "lint", "-W", "warning", file);
        Assert.True(code == 0 && output.Length == 0 && errors.Length == 0, $"mandoc (exit {code}):\n{output}{errors}");
        (code, output, errors) = Run("groff", "-man", "-ww", "-z", "-Tutf8", file);
        Assert.True(code == 0 && errors.Length == 0, $"groff (exit {code}):\n{errors}");
    }

    [Fact]
    public void Escaping_keeps_text_from_being_read_as_roff()
    {
        Assert.Equal("\\efB \\-\\-x \\(dq\\[u2014]\\[u1F600]", ManPageWriter.Escape("\\fB --x \"\u2014\U0001F600"));
        var page = new ManPageWriter("t", 1, "m");
        page.Section("s");
        page.Text(".nf is not a request\n'also not");
        Assert.Contains("\n\\&.nf is not a request\n\\&'also not\n", page.ToString());
        Assert.Equal("a \\fBcode\\-span\\fR b", ManPageWriter.Inline("a `code-span` b"));
        Assert.Equal("odd ` quote", ManPageWriter.Inline("odd ` quote"));
    }

    [Fact]
    public void The_hidden_verb_prints_each_reference_from_the_built_program_and_help_does_not_show_it()
    {
        foreach (var (which, start) in new[] { ("man8", ".TH MKCDREC 8 "), ("man5", ".TH MKCDREC.CONF 5 "), ("config-example", "# /etc/mkcdrec/mkcdrec.conf"), ("bash-completion", "# bash completion") })
        {
            var (code, o, e) = CliTests.Mkcdrec("reference", which);
            Assert.True(code == 0, e);
            Assert.StartsWith(start, o, StringComparison.Ordinal);
        }

        var (_, help, _) = CliTests.Mkcdrec("--help");
        Assert.DoesNotContain("reference", help);
    }

    /// <summary>Runs a tool found on PATH; a missing tool fails the test, it never skips it.</summary>
    internal static (int Code, string Out, string Err) Run(string tool, params string[] args)
    {
        var path = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(d => Path.Combine(d, tool)).FirstOrDefault(File.Exists);
        Assert.True(path is not null, $"{tool} is not installed; the reference tests need it (apt-get install {tool}; .ci/install-deps installs it).");
        return CliTests.Run(path!, new Dictionary<string, string>(), args);
    }

    private static string Section(string page, string path)
    {
        var start = page.IndexOf($".SS \"{ManPageWriter.Escape(path)}\"\n", StringComparison.Ordinal);
        Assert.True(start >= 0, $"no section for {path}");
        var end = page.IndexOf("\n.S", start + 1, StringComparison.Ordinal);
        return page[start..end];
    }

    private static IEnumerable<(string Path, Command Command)> AllCommands(Command command, string path) =>
        command.Subcommands.SelectMany(c => AllCommands(c, path.Length == 0 ? c.Name : $"{path} {c.Name}").Prepend((path.Length == 0 ? c.Name : $"{path} {c.Name}", c)));
}
