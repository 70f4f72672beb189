using System.CommandLine;
using System.CommandLine.Parsing;
using Mkcdrec.Core.Configuration;

namespace Mkcdrec.Cli.Configuration;

/// <summary>One configuration line as it met the command line: the tokens it added, or the option that overrode it.</summary>
internal sealed record AppliedEntry(ConfigEntry Entry, ConfigBinding Binding, string[] Tokens, string? OverriddenBy);

/// <summary>
/// The configuration file under the command line: each key bound to the invoked verb adds its option to the arguments
/// unless the command line gives that option itself, then the arguments are parsed again. Working on the arguments
/// keeps one path for values (System.CommandLine's own parsing and checks) whatever their source.
/// </summary>
internal sealed class ConfigOverlay
{
    private ConfigOverlay(string? file, string[] args, IReadOnlyList<AppliedEntry> applied)
    {
        File = file;
        Args = args;
        Applied = applied;
    }

    /// <summary>The overlay of this run, for its log.</summary>
    public static ConfigOverlay? Current { get; private set; }

    public string? File { get; }

    /// <summary>The command line with the configuration's options added.</summary>
    public string[] Args { get; }

    public IReadOnlyList<AppliedEntry> Applied { get; }

    /// <summary>The arguments with the configuration added; <paramref name="environment"/> replaces the process's for tests.</summary>
    public static ConfigOverlay Apply(ParseResult first, string[] args, Func<string, string?>? environment = null)
    {
        var verb = VerbOf(first);
        var bindings = ConfigBindings.For(verb).ToList();
        if (bindings.Count == 0 || args.Any(a => a is "--help" or "-h" or "-?"))
        {
            return Current = new ConfigOverlay(null, args, []);
        }

        var (file, entries) = ConfigLocation.Read(first, environment);
        var command = first.CommandResult.Command;
        var added = new List<string>();
        var applied = new List<AppliedEntry>();
        foreach (var binding in bindings)
        {
            var overriddenBy = binding.GivenBy.FirstOrDefault(name => Given(first, command, name));
            foreach (var entry in entries.Where(e => e.Key == binding.Key))
            {
                var tokens = overriddenBy is null ? binding.Tokens(entry.Value) : [];
                added.AddRange(tokens);
                applied.Add(new AppliedEntry(entry, binding, tokens, overriddenBy));
            }
        }

        var end = Array.IndexOf(args, "--");
        var merged = end < 0 ? [.. args, .. added] : args[..end].Concat(added).Concat(args[end..]).ToArray();
        return Current = new ConfigOverlay(file, merged, applied);
    }

    /// <summary>The invoked verb as its words ("backups prune"); "" for mkcdrec itself.</summary>
    public static string VerbOf(ParseResult parse)
    {
        var words = new List<string>();
        for (SymbolResult? r = parse.CommandResult; r is CommandResult c && c.Command is not RootCommand; r = c.Parent)
        {
            words.Insert(0, c.Command.Name);
        }

        return string.Join(' ', words);
    }

    /// <summary>Lines for the run's log: each configuration value used or overridden.</summary>
    public IEnumerable<string> Describe()
    {
        foreach (var a in Applied)
        {
            yield return a.OverriddenBy is { } by
                ? $"configuration: {a.Entry.Key} = {a.Entry.Value} ({a.Entry.Where}) not used: the command line gives {by}"
                : a.Tokens.Length == 0
                    ? $"configuration: {a.Entry.Key} = {a.Entry.Value} ({a.Entry.Where}): {a.Binding.Symbol} stays off"
                    : $"configuration: {a.Entry.Key} = {a.Entry.Value} ({a.Entry.Where}) used as '{string.Join(' ', a.Tokens)}'";
        }
    }

    /// <summary>For an error message: which options came from the configuration file (null when none did), so that a
    /// value the admin did not type is traced to its line.</summary>
    public string? Provenance()
    {
        var used = Applied.Where(a => a.Tokens.Length > 0).ToList();
        return used.Count == 0 ? null
            : $"Options from the configuration file {File}: {string.Join(", ", used.Select(a => $"{(a.Tokens[0].StartsWith('-') ? a.Tokens[0] : a.Binding.Symbol)} (line {a.Entry.Line})"))}.";
    }

    private static bool Given(ParseResult parse, Command command, string name)
    {
        if (command.Options.FirstOrDefault(o => o.Name == name || o.Aliases.Contains(name)) is { } option)
        {
            return parse.GetResult(option) is { Implicit: false };
        }

        return command.Arguments.FirstOrDefault(a => a.Name == name) is { } argument && parse.GetResult(argument) is { Tokens.Count: > 0 };
    }
}
