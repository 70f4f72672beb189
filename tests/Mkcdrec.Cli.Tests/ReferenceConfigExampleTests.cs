using System.Text.RegularExpressions;
using Mkcdrec.Cli.Configuration;
using Mkcdrec.Cli.Reference;
using Mkcdrec.Core.Configuration;

namespace Mkcdrec.Cli.Tests;

/// <summary>The example /etc/mkcdrec/mkcdrec.conf a package installs: as shipped it sets nothing; with every key line
/// uncommented it is a file mkcdrec reads, setting each key to the value shown.</summary>
public sealed partial class ReferenceConfigExampleTests
{
    private static readonly string Example = ConfigExample.Write(CommandTree.Build());

    [GeneratedRegex("^#(?=[a-z])", RegexOptions.Multiline)]
    private static partial Regex KeyLine();

    [Fact]
    public void As_shipped_it_parses_to_nothing_and_describes_every_key()
    {
        Assert.Empty(ConfigFile.Parse(Example, "mkcdrec.conf"));
        foreach (var key in ConfigKeys.All)
        {
            Assert.Contains($"\n#{key.Name} = ", Example);
            Assert.Contains($"\n# {key.Name}: ", Example);
        }
    }

    [Fact]
    public void Uncommenting_every_key_gives_a_file_that_sets_each_to_its_example()
    {
        var entries = ConfigFile.Parse(KeyLine().Replace(Example, ""), "mkcdrec.conf");
        Assert.Equal(ConfigKeys.All.Select(k => (k.Name, k.Example)), entries.Select(e => (e.Key, e.Value)).Select(e => (e.Key, Canonical(e.Key, e.Value))));
    }

    [Fact]
    public void A_value_example_is_the_default_of_the_options_it_sets_when_they_share_one()
    {
        var root = CommandTree.Build();
        foreach (var key in ConfigKeys.All.Where(k => k.Kind == ConfigKind.Value))
        {
            var defaults = ConfigUses.Of(root, key.Name).Select(u => u.Default).Distinct().ToList();
            if (defaults is [{ } only])
            {
                Assert.True(key.Example == only, $"{key.Name}: example {key.Example}, but the options' default is {only}");
            }
        }
    }

    [Fact]
    public void Comment_lines_stay_short_and_key_lines_are_the_only_ones_starting_with_a_bare_hash()
    {
        var lines = Example.Split('\n');
        Assert.All(lines.Where(l => l.StartsWith("# ", StringComparison.Ordinal)), l => Assert.True(l.Length <= 100, l));
        Assert.Equal(ConfigKeys.All.Count, lines.Count(l => KeyLine().IsMatch(l)));
        Assert.All(lines, l => Assert.True(l.Length == 0 || l.StartsWith('#'), l));
    }

    // Flags read back as the canonical yes/no; every other value as written.
    private static string Canonical(string key, string value) => ConfigKeys.Find(key)!.Kind == ConfigKind.Flag ? ConfigKeys.Flag(value)! : value;
}
