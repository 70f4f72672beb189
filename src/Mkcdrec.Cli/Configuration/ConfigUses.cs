using System.CommandLine;
using System.Globalization;
using Mkcdrec.Cli.Json;

namespace Mkcdrec.Cli.Configuration;

/// <summary>Where a configuration key lands on the real command tree: each verb and option it sets, with that option's own
/// default. `config show`, mkcdrec.conf(5) and the example file print this, so they cannot disagree.</summary>
internal static class ConfigUses
{
    public static List<ConfigUseOutput> Of(Command root, string key) =>
        [.. ConfigBindings.All.Where(b => b.Key == key).Select(b => new ConfigUseOutput(b.Verb, b.Symbol, DefaultOf(root, b)))];

    /// <summary>"mkbackup --compress (default zstd), mkbackuponly --compress (default zstd)"; defaults left out when asked.</summary>
    public static string Describe(IEnumerable<ConfigUseOutput> uses, bool withDefaults) =>
        string.Join(", ", uses.Select(u => $"{u.Verb} {u.Option}" + (withDefaults && u.Default is { } d ? $" (default {d})" : "")));

    /// <summary>An option's declared default as text: "on"/"off" for a flag, null when it declares none.</summary>
    public static string? DefaultText(Option option)
    {
        if (option.ValueType == typeof(bool))
        {
            return option.HasDefaultValue && option.GetDefaultValue() is true ? "on" : "off";
        }

        return option.HasDefaultValue ? Convert.ToString(option.GetDefaultValue(), CultureInfo.InvariantCulture) : null;
    }

    private static string? DefaultOf(Command root, ConfigBinding binding)
    {
        Command? command = root;
        foreach (var word in binding.Verb.Split(' '))
        {
            command = command?.Subcommands.FirstOrDefault(c => c.Name == word);
        }

        return command?.Options.FirstOrDefault(o => o.Name == binding.Symbol) is { } option ? DefaultText(option) : null;
    }
}
