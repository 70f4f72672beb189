using System.CommandLine;
using System.Text;

namespace Mkcdrec.Cli.Reference;

/// <summary>
/// The bash completion script, written from the command tree: the verbs under each verb, each verb's options with the
/// global ones, the values the tree knows for an option (its completion sources), and files or directories for options
/// and arguments whose value names a FILE, ISO, IMG or DIR. The tree becomes case tables; one fixed function walks them.
/// </summary>
internal static class BashCompletion
{
    public const string Function = "_mkcdrec";

    // Walks the words before the cursor to the verb they name (skipping option values), then offers the value of the
    // option before the cursor, or options, or sub-verbs and the verb's argument. bash splits --opt=value at '=' (it is in
    // COMP_WORDBREAKS), so a lone '=' word belongs to the option before it.
    private const string Walker = """
        _mkcdrec() {
            local cur=${COMP_WORDS[COMP_CWORD]} path= opt= i w
            for ((i = 1; i < COMP_CWORD; i++)); do
                w=${COMP_WORDS[i]}
                if [[ $w == -* ]]; then
                    _mkcdrec_value "$path" "$w"
                    if [[ -n $_mkcdrec_r ]]; then
                        [[ ${COMP_WORDS[i+1]} == = ]] && ((i++))
                        ((i++))
                    fi
                    continue
                fi
                _mkcdrec_commands "$path"
                [[ " $_mkcdrec_r " == *" $w "* ]] && path=${path:+$path }$w
            done
            if [[ $cur == = ]]; then
                opt=${COMP_WORDS[COMP_CWORD-1]} cur=
            elif ((COMP_CWORD > 1)) && [[ ${COMP_WORDS[COMP_CWORD-1]} == = ]]; then
                opt=${COMP_WORDS[COMP_CWORD-2]}
            elif ((COMP_CWORD > 1)); then
                opt=${COMP_WORDS[COMP_CWORD-1]}
            fi
            COMPREPLY=()
            if [[ $opt == -* ]]; then
                _mkcdrec_value "$path" "$opt"
                if [[ -n $_mkcdrec_r ]]; then
                    _mkcdrec_complete "$_mkcdrec_r" "$cur"
                    return 0
                fi
            fi
            if [[ $cur == -* ]]; then
                _mkcdrec_options "$path"
                _mkcdrec_complete "words $_mkcdrec_r" "$cur"
                return 0
            fi
            _mkcdrec_commands "$path"
            _mkcdrec_complete "words $_mkcdrec_r" "$cur"
            _mkcdrec_argument "$path"
            _mkcdrec_complete "$_mkcdrec_r" "$cur"
            return 0
        }

        # Adds to COMPREPLY what a kind offers: "words W...", "file", "dir"; "any" (free text) offers nothing.
        _mkcdrec_complete() {
            local kind=$1 cur=$2
            case $kind in
                words\ *) mapfile -t -O "${#COMPREPLY[@]}" COMPREPLY < <(compgen -W "${kind#words }" -- "$cur") ;;
                file) compopt -o filenames 2>/dev/null; mapfile -t -O "${#COMPREPLY[@]}" COMPREPLY < <(compgen -f -- "$cur") ;;
                dir) compopt -o filenames 2>/dev/null; mapfile -t -O "${#COMPREPLY[@]}" COMPREPLY < <(compgen -d -- "$cur") ;;
            esac
        }
        """;

    public static string Write(Command root)
    {
        List<(string Path, Command Command)> commands = [("", root), .. VisibleTree.Commands(root)];
        var globals = VisibleTree.Globals(root).ToList();
        var text = new StringBuilder();
        text.Append($"# bash completion for mkcdrec {ManPageWriter.Version}, written by 'mkcdrec reference bash-completion' from its command tree.\n\n");
        text.Append(Walker).Append('\n');

        Table(text, "_mkcdrec_commands", "the verbs under a verb",
            commands.Select(c => (Sh(c.Path), string.Join(' ', VisibleTree.Subcommands(c.Command).Select(s => s.Name)))));
        Table(text, "_mkcdrec_options", "a verb's options and the global ones",
            commands.Select(c => (Sh(c.Path), string.Join(' ', Options(c.Command, c.Path.Length == 0 ? [] : globals).SelectMany(VisibleTree.Names)))));
        Table(text, "_mkcdrec_argument", "what a verb's argument is",
            commands.Select(c => (Sh(c.Path), VisibleTree.Arguments(c.Command).Select(a => Kind(VisibleTree.ValueName(a), [])).FirstOrDefault() ?? "")));

        // Options that take a value, verb by verb, then the global ones after any verb; an option not listed is a flag.
        var valued = commands.SelectMany(c => VisibleTree.Options(c.Command).Where(o => !o.Recursive).Select(o => (Path: (string?)c.Path, Option: o)))
            .Concat(globals.Select(o => (Path: (string?)null, Option: o)))
            .Where(r => !VisibleTree.IsFlag(r.Option));
        text.Append("\n# the kind of value an option takes (verb, option): words W..., file, dir or any\n");
        text.Append("_mkcdrec_value() {\n    case \"$1|$2\" in\n");
        foreach (var (path, option) in valued)
        {
            var pattern = string.Join('|', VisibleTree.Names(option).Select(n => path is null ? "*" + Sh($"|{n}") : Sh($"{path}|{n}")));
            text.Append($"        {pattern}) _mkcdrec_r={Sh(Kind(VisibleTree.ValueName(option), VisibleTree.Values(option)))} ;;\n");
        }

        text.Append("        *) _mkcdrec_r= ;;\n    esac\n}\n\n");
        text.Append($"complete -F {Function} mkcdrec\n");
        return text.ToString();
    }

    private static IEnumerable<Option> Options(Command command, IEnumerable<Option> globals) =>
        VisibleTree.Options(command).Concat(globals);

    /// <summary>What completes a value: the values the tree knows, else files or directories when its name says so.</summary>
    private static string Kind(string valueName, IReadOnlyList<string> values)
    {
        if (values.Count > 0)
        {
            return "words " + string.Join(' ', values);
        }

        var name = valueName.ToUpperInvariant();
        return name.Contains("FILE", StringComparison.Ordinal) || name.Contains("ISO", StringComparison.Ordinal) || name.Contains("IMG", StringComparison.Ordinal) ? "file"
            : name.Contains("DIR", StringComparison.Ordinal) ? "dir"
            : "any";
    }

    /// <summary>A case function from a key to the words it sets <c>_mkcdrec_r</c> to.</summary>
    private static void Table(StringBuilder text, string name, string what, IEnumerable<(string Key, string Words)> rows)
    {
        text.Append($"\n# {what}\n{name}() {{\n    case $1 in\n");
        foreach (var (key, words) in rows.Where(r => r.Words.Length > 0))
        {
            text.Append($"        {key}) _mkcdrec_r={Sh(words)} ;;\n");
        }

        text.Append("        *) _mkcdrec_r= ;;\n    esac\n}\n");
    }

    /// <summary>A word in single quotes for the shell.</summary>
    private static string Sh(string word) => "'" + word.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
