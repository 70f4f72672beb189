using System.CommandLine;
using Mkcdrec.Cli.Configuration;
using Mkcdrec.Cli.Json;
using Mkcdrec.Core.Configuration;

namespace Mkcdrec.Cli.Commands;

/// <summary>`mkcdrec config show`: the effective configuration, where each value comes from, and which options it sets.</summary>
internal static class ConfigCommands
{
    public static Command Build()
    {
        var show = new Command("show", "Print the configuration: each key's value and the file line it comes from, or the default of each option it would set; "
                                       + "a bad file is reported with every line that is wrong.");
        show.SetAction(int (ParseResult p) =>
        {
            var (path, named) = ConfigLocation.Resolve(p);
            var entries = path is null ? [] : ConfigFile.Load(path);
            var root = p.RootCommandResult.Command;
            var keys = ConfigKeys.All.Select(k => new ConfigKeyOutput(
                k.Name, k.Kind.ToString().ToLowerInvariant(),
                [.. entries.Where(e => e.Key == k.Name).Select(e => e.Value)],
                [.. entries.Where(e => e.Key == k.Name).Select(e => e.Where)],
                k.Allowed, k.Description,
                ConfigUses.Of(root, k.Name))).ToList();
            if (p.GetValue(GlobalOptions.Json))
            {
                CliJson.WriteLine(new ConfigShowOutput(path, keys), CliJsonContext.Default.ConfigShowOutput);
                return 0;
            }

            Console.WriteLine(path is null
                ? $"Configuration file: none ({ConfigFile.DefaultPath} does not exist): every option has its default."
                : $"Configuration file: {path}{(named ? "" : " (the default place)")}; options on the command line override it.");
            foreach (var k in keys)
            {
                if (k.Values.Count == 0)
                {
                    Console.WriteLine($"{k.Key} (not set)");
                }

                for (var i = 0; i < k.Values.Count; i++)
                {
                    Console.WriteLine($"{k.Key} = {k.Values[i]}    (from {k.Sources[i]})");
                }

                Console.WriteLine("    " + ConfigUses.Describe(k.Uses, withDefaults: k.Values.Count == 0));
            }

            return 0;
        });
        return new Command("config", "The configuration file (/etc/mkcdrec/mkcdrec.conf, or --config FILE): what it sets and where each value comes from.") { show };
    }
}
