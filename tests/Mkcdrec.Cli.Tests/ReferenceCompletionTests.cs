using Mkcdrec.Cli.Reference;

namespace Mkcdrec.Cli.Tests;

/// <summary>The bash completion script `mkcdrec reference bash-completion` writes, run in a real bash: sourced, then its
/// registered function called as readline would call it, with COMP_WORDS and COMP_CWORD set.</summary>
public sealed class ReferenceCompletionTests : IDisposable
{
    // Sources the script, finds the function `complete -p mkcdrec` names, calls it for the words given and prints COMPREPLY.
    private const string Driver = """
        source "$1" || exit 3
        shift
        spec=$(complete -p mkcdrec) || exit 4
        f=${spec#*-F }
        f=${f%% *}
        COMP_WORDS=("$@")
        COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
        COMP_LINE="$*"
        COMP_POINT=${#COMP_LINE}
        COMPREPLY=()
        "$f" mkcdrec "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}" || exit 5
        printf '%s\n' "${COMPREPLY[@]}"
        """;

    private readonly string _dir = Directory.CreateTempSubdirectory("mkcdrec-completion-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData("mkcdrec mk", "mkbackup mkbackuponly mkrescue")]
    [InlineData("mkcdrec layout ", "check save show")]
    [InlineData("mkcdrec mkbackup --med", "--medium")]
    [InlineData("mkcdrec mkbackup --medium ", "bd bd-dl cd dvd dvd-dl")]
    [InlineData("mkcdrec mkbackup --medium=dv", "dvd dvd-dl")]
    [InlineData("mkcdrec mkrescue --format ", "iso netboot")]
    [InlineData("mkcdrec --json backups pr", "prune")]
    [InlineData("mkcdrec backups prune --keep-full 3 --dr", "--dry-run")]
    [InlineData("mkcdrec archive create --compress gzip --ver", "--verbose")]
    [InlineData("mkcdrec --config /etc/x.conf mkbackuponly --no", "--no-default-excludes")]
    [InlineData("mkcdrec --js", "--json")]
    [InlineData("mkcdrec mkbackup --label ", "")]
    public void Completes_verbs_options_and_the_values_the_tree_knows(string line, string expected)
    {
        Assert.Equal(expected.Split(' ', StringSplitOptions.RemoveEmptyEntries), Complete(line).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Completes_files_and_directories_where_the_value_is_one()
    {
        Directory.CreateDirectory(Path.Combine(_dir, "saved.d"));
        File.WriteAllText(Path.Combine(_dir, "saved.json"), "{}");
        var prefix = Path.Combine(_dir, "sav");
        Assert.Equal([$"{prefix}ed.d", $"{prefix}ed.json"], Complete($"mkcdrec layout show {prefix}").Order(StringComparer.Ordinal));
        Assert.Equal([$"{prefix}ed.d"], Complete($"mkcdrec mkbackup --output {prefix}"));
        Assert.Equal([$"{prefix}ed.d", $"{prefix}ed.json"], Complete($"mkcdrec --log {prefix}").Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Every_visible_verb_and_option_is_offered()
    {
        var root = CommandTree.Build();
        var script = BashCompletion.Write(root);
        foreach (var (path, command) in VisibleTree.Commands(root))
        {
            var options = Complete($"mkcdrec {path} -");
            Assert.All(VisibleTree.Options(command).Concat(VisibleTree.Globals(root)).SelectMany(VisibleTree.Names), n => Assert.Contains(n, options));
            Assert.Contains($"'{path}')", script);
        }
    }

    private string[] Complete(string line)
    {
        var script = Path.Combine(_dir, "mkcdrec.bash");
        if (!File.Exists(script))
        {
            File.WriteAllText(script, BashCompletion.Write(CommandTree.Build()));
        }

        // The words as bash splits them for completion: at blanks, and '=' as a word of its own (COMP_WORDBREAKS).
        var words = line.Replace("=", " = ", StringComparison.Ordinal).Split(' ', StringSplitOptions.RemoveEmptyEntries).ToList();
        if (line.EndsWith(' '))
        {
            words.Add("");
        }

        var (code, output, errors) = ReferencePageTests.Run("bash", ["--norc", "--noprofile", "-c", Driver, "bash", script, .. words]);
        Assert.True(code == 0 && errors.Length == 0, $"bash (exit {code}): {errors}");
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }
}
