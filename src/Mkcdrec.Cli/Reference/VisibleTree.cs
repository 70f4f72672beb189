using System.CommandLine;
using System.CommandLine.Completions;
using Mkcdrec.Cli.Configuration;

namespace Mkcdrec.Cli.Reference;

/// <summary>The command tree as the reference pages and the shell completion show it: what --help would list (hidden
/// commands, options and arguments left out, with everything under a hidden command), read from the real tree.</summary>
internal static class VisibleTree
{
    /// <summary>Every visible command below <paramref name="root"/>, depth first in the order the tree declares them, with
    /// its words after "mkcdrec" ("backups prune").</summary>
    public static IEnumerable<(string Path, Command Command)> Commands(Command root) => Below(root, "");

    public static IEnumerable<Command> Subcommands(Command command) => command.Subcommands.Where(c => !c.Hidden);

    public static IEnumerable<Option> Options(Command command) => command.Options.Where(o => !o.Hidden);

    public static IEnumerable<Argument> Arguments(Command command) => command.Arguments.Where(a => !a.Hidden);

    /// <summary>The root's options every verb accepts too (--json, --verbose, --log, --config, --help).</summary>
    public static IEnumerable<Option> Globals(Command root) => Options(root).Where(o => o.Recursive);

    /// <summary>The option's names as typed, short ones first ("-o", "--output"); help's "/?" spellings are left out.</summary>
    public static IEnumerable<string> Names(Option option) =>
        new[] { option.Name }.Concat(option.Aliases).Where(n => n.StartsWith('-')).Distinct().OrderBy(n => n.StartsWith("--", StringComparison.Ordinal)).ThenBy(n => n, StringComparer.Ordinal);

    /// <summary>True for an option that takes no value (a bool is written as a bare flag; its optional true/false is not offered).</summary>
    public static bool IsFlag(Option option) => option.Arity.MaximumNumberOfValues == 0 || option.ValueType == typeof(bool);

    /// <summary>The values the tree itself knows for an option (AcceptOnlyFromAmong or a completion source); empty for free text.</summary>
    public static IReadOnlyList<string> Values(Option option) =>
        IsFlag(option) ? [] : [.. option.GetCompletions(CompletionContext.Empty).Select(c => c.Label)];

    /// <summary>The placeholder for an option's value: its help name, else its known values, else VALUE.</summary>
    public static string ValueName(Option option) =>
        option.HelpName ?? (Values(option) is { Count: > 0 } values ? string.Join('|', values) : "VALUE");

    public static string ValueName(Argument argument) => argument.HelpName ?? argument.Name;

    /// <summary>The default an option declares, for the reference; null for flags (off unless given) and when it has none.</summary>
    public static string? Default(Option option) =>
        IsFlag(option) || option.Arity.MaximumNumberOfValues > 1 ? null : ConfigUses.DefaultText(option);

    private static IEnumerable<(string, Command)> Below(Command command, string path)
    {
        foreach (var sub in Subcommands(command))
        {
            var subPath = path.Length == 0 ? sub.Name : $"{path} {sub.Name}";
            yield return (subPath, sub);
            foreach (var deeper in Below(sub, subPath))
            {
                yield return deeper;
            }
        }
    }
}
