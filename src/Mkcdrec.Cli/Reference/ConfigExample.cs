using System.CommandLine;
using System.Text;
using Mkcdrec.Cli.Configuration;
using Mkcdrec.Core.Configuration;

namespace Mkcdrec.Cli.Reference;

/// <summary>
/// The example configuration file a package installs as /etc/mkcdrec/mkcdrec.conf: every key of <see cref="ConfigKeys.All"/>
/// commented out as "#key = example", after its description, allowed values and the options it sets. Comment lines start
/// with "# " and key lines with "#" and the key, so removing the "#" of a key line gives a line <see cref="ConfigFile.Parse"/> takes.
/// </summary>
internal static class ConfigExample
{
    private const int Width = 100;

    public static string Write(Command root)
    {
        var text = new StringBuilder();
        Comment(text, $"{ConfigFile.DefaultPath}: settings mkcdrec reads for the verbs they concern (man 5 mkcdrec.conf).");
        Comment(text, "Options on the command line override them; 'mkcdrec config show' prints what is in effect and where it comes from.");
        Comment(text, "Syntax: one 'key = value' per line; a value in double quotes keeps its spaces; a line starting with # is a comment.");
        Comment(text, "Every key is shown commented out with an example value (the default, where the options it sets share one): remove the # to set it.");
        foreach (var key in ConfigKeys.All)
        {
            text.Append('\n');
            Comment(text, $"{key.Name}: {key.Description}");
            Comment(text, $"Allowed: {key.Allowed}.");
            Comment(text, $"Sets: {ConfigUses.Describe(ConfigUses.Of(root, key.Name), withDefaults: true)}.");
            text.Append('#').Append(key.Name).Append(" = ").Append(Value(key.Example)).Append('\n');
        }

        return text.ToString();
    }

    /// <summary>A value as the file must spell it: quoted when white space at its ends or a leading quote would be lost.</summary>
    private static string Value(string value) => value.Trim() != value || value.StartsWith('"') ? $"\"{value}\"" : value;

    /// <summary>"# " lines, wrapped at spaces to stay readable in an editor.</summary>
    private static void Comment(StringBuilder text, string comment)
    {
        var line = new StringBuilder("#");
        foreach (var word in comment.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.Length > 1 && line.Length + 1 + word.Length > Width)
            {
                text.Append(line).Append('\n');
                line.Clear().Append("#  ");
            }

            line.Append(' ').Append(word);
        }

        text.Append(line).Append('\n');
    }
}
