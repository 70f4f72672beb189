namespace Mkcdrec.Core.Configuration;

/// <summary>
/// Reads the configuration file (docs/configuration.md): `key = value` lines, '#' starts a comment line, a value may be
/// put in double quotes to keep its spaces. Every problem is reported at once, each with its file, line and what is allowed,
/// so that one edit fixes them all.
/// </summary>
public static class ConfigFile
{
    public const string DefaultPath = "/etc/mkcdrec/mkcdrec.conf";

    /// <summary>The entries of <paramref name="text"/>, checked; flags spelled as "yes"/"no".</summary>
    public static IReadOnlyList<ConfigEntry> Parse(string text, string file)
    {
        var entries = new List<ConfigEntry>();
        var problems = new List<string>();
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            var where = $"{file} line {i + 1}";
            var eq = line.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                problems.Add($"{where}: '{line}' is not 'key = value'");
                continue;
            }

            var name = line[..eq].Trim();
            var value = Unquote(line[(eq + 1)..].Trim());
            if (ConfigKeys.Find(name) is not { } key)
            {
                problems.Add($"{where}: unknown key '{name}'; the keys are {string.Join(", ", ConfigKeys.All.Select(k => k.Name))}");
                continue;
            }

            if (value is null)
            {
                problems.Add($"{where}: the value of {name} opens a double quote it does not close");
                continue;
            }

            if (key.Kind == ConfigKind.Flag)
            {
                value = ConfigKeys.Flag(value) ?? Bad(problems, where, key, value, "it is neither a yes nor a no");
            }
            else if (key.Check(value) is { } why)
            {
                value = Bad(problems, where, key, value, why);
            }

            if (key.Kind != ConfigKind.List && entries.FirstOrDefault(e => e.Key == name) is { } earlier)
            {
                problems.Add($"{where}: {name} is set again (first at line {earlier.Line}); it takes one value, keep one line");
                continue;
            }

            if (value is not null)
            {
                entries.Add(new ConfigEntry(name, value, file, i + 1));
            }
        }

        if (problems.Count > 0)
        {
            throw new MkcdrecException(ExitCode.BadInput,
                $"The configuration file {file} has {problems.Count} problem(s):\n  " + string.Join("\n  ", problems),
                $"Correct those lines (docs/configuration.md lists every key and its values), or name another file with --config FILE.");
        }

        return entries;
    }

    /// <summary>The file's entries; a file that cannot be read is an error naming it.</summary>
    public static IReadOnlyList<ConfigEntry> Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new MkcdrecException(ExitCode.BadInput, $"The configuration file {path} does not exist.",
                $"Create it (docs/configuration.md), or name another file with --config FILE or MKCDREC_CONFIG=FILE; --config /dev/null reads none.");
        }

        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new MkcdrecException(ExitCode.BadInput, $"The configuration file {path} cannot be read: {e.Message}",
                "Check that it exists and is readable (root runs mkcdrec), or name another file with --config FILE.", e);
        }

        return Parse(text, path);
    }

    private static string? Bad(List<string> problems, string where, ConfigKey key, string value, string why)
    {
        problems.Add($"{where}: {key.Name} = {value}: {why}; allowed: {key.Allowed}");
        return null;
    }

    private static string? Unquote(string value)
    {
        if (!value.StartsWith('"'))
        {
            return value;
        }

        return value.Length >= 2 && value.EndsWith('"') ? value[1..^1] : null;
    }
}
