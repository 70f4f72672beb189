using System.CommandLine;
using Mkcdrec.Core.Configuration;

namespace Mkcdrec.Cli.Configuration;

/// <summary>Which configuration file a run reads: --config FILE, else $MKCDREC_CONFIG, else /etc/mkcdrec/mkcdrec.conf when it exists.</summary>
internal static class ConfigLocation
{
    public const string Environment = "MKCDREC_CONFIG";

    /// <summary>The file and whether the admin named it (a named file must exist; the default one may be absent).</summary>
    public static (string? Path, bool Named) Resolve(ParseResult parse, Func<string, string?>? environment = null)
    {
        environment ??= System.Environment.GetEnvironmentVariable;
        if (parse.GetValue(GlobalOptions.Config) is { Length: > 0 } given)
        {
            return (given, true);
        }

        if (environment(Environment) is { Length: > 0 } env)
        {
            return (env, true);
        }

        return File.Exists(ConfigFile.DefaultPath) ? (ConfigFile.DefaultPath, false) : (null, false);
    }

    /// <summary>The entries of the file the run reads; none when there is no file.</summary>
    public static (string? Path, IReadOnlyList<ConfigEntry> Entries) Read(ParseResult parse, Func<string, string?>? environment = null)
    {
        var (path, _) = Resolve(parse, environment);
        return path is null ? (null, []) : (path, ConfigFile.Load(path));
    }
}
