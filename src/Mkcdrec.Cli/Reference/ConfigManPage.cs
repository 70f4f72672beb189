using System.CommandLine;
using Mkcdrec.Cli.Configuration;
using Mkcdrec.Core.Configuration;

namespace Mkcdrec.Cli.Reference;

/// <summary>mkcdrec.conf(5), written from <see cref="ConfigKeys.All"/> and <see cref="ConfigBindings.All"/>: every key, what
/// it takes, and the options it sets with their defaults as the command tree declares them.</summary>
internal static class ConfigManPage
{
    /// <summary>The EXAMPLE section's file; a test parses it with <see cref="ConfigFile.Parse"/>.</summary>
    public static readonly IReadOnlyList<string> Example =
    [
        "destination = s3://backups/hosts?endpoint=https://rgw.example.org&style=path",
        "compress = zstd",
        "encrypt = yes",
        "passphrase-file = /etc/mkcdrec/backup.passphrase",
        "exclude = /srv/cache/*",
        "exclude = \"/home/* with space/.cache\"",
        "incremental = yes",
        "max-increments = 6",
        "keep-full = 4",
    ];

    public static string Write(Command root)
    {
        var page = new ManPageWriter("mkcdrec.conf", 5, "File Formats");
        page.Section("Name");
        page.Roff("mkcdrec.conf \\- settings mkcdrec reads for the verbs they concern");
        page.Section("Synopsis");
        page.Roff(ManPageWriter.Italic(ConfigFile.DefaultPath));
        page.Section("Description");
        page.Text("An administrator sets mkcdrec(8) up once in this file: where backups go, what is left out, how they are compressed "
                  + "and encrypted, how many are kept. Each key stands for an option of one or more verbs. When such a verb runs, the "
                  + "option is added to its command line unless the command line gives that option itself, and the result is parsed again, "
                  + "so a value from the file is checked exactly as one typed. Only the verbs named under KEYS, and `config show`, read "
                  + "the file; the others and `--help` do not, nor does the rescue system.");

        WhichFile(page);
        Syntax(page);
        page.Section("Keys");
        foreach (var key in ConfigKeys.All)
        {
            KeyItem(page, root, key);
        }

        CommandLineOverFile(page);
        page.Section("Example");
        page.Example(Example);
        page.Paragraph("`mkcdrec mkbackup` then streams an encrypted increment to the bucket and writes a rescue-only ISO; "
                       + "`mkcdrec backups prune` keeps four chains. Keep the file and the passphrase file mode 0600, owned by root.");
        page.Section("Files");
        page.Item(ManPageWriter.Italic(ConfigFile.DefaultPath), "The configuration file.");
        page.Section("See also");
        page.Roff($"{ManPageWriter.Bold("mkcdrec")}(8)");
        return page.ToString();
    }

    private static void WhichFile(ManPageWriter page)
    {
        page.Section("Which file");
        page.Text("mkcdrec reads one file, the first of:");
        page.Item("1.", "the file `--config FILE` names (a global option: `mkcdrec --config FILE mkbackup`);");
        page.Item("2.", $"the file the environment variable {ConfigLocation.Environment} names;");
        page.Item("3.", $"{ConfigFile.DefaultPath}, when it exists; without it every option has its built-in default.");
        page.Paragraph($"A file named by `--config` or {ConfigLocation.Environment} must exist. `--config /dev/null` reads none: "
                       + "a run with the built-in defaults.");
    }

    /// <summary>What <see cref="ConfigFile.Parse"/> accepts, rule by rule.</summary>
    private static void Syntax(ManPageWriter page)
    {
        page.Section("Syntax");
        page.Text("The file is read line by line; white space at both ends of a line is dropped.");
        page.Item("\\(bu", "An empty line, and a line whose first character is #, is ignored. A # anywhere else is part of the value: "
                           + "there are no comments at the end of a line.");
        page.Item("\\(bu", "Every other line is `key = value`: the key is what stands before the first =, the value what follows it, "
                           + "both without the white space around them. A line without = or with nothing before it is an error.");
        page.Item("\\(bu", "A value that starts with a double quote must end with one: the quotes are dropped and what stands between "
                           + "them is kept as it is, spaces included (there are no escapes).");
        page.Item("\\(bu", "A yes/no key takes yes, true, on or 1, and no, false, off or 0, in any case.");
        page.Item("\\(bu", $"A key is set once, except {string.Join(", ", ConfigKeys.All.Where(k => k.Kind == ConfigKind.List).Select(k => k.Name))}: "
                           + "each of its lines adds one item.");
        page.Paragraph("Unknown keys, values a key does not allow and keys set twice are errors. All of them are reported at once, "
                       + "each with the file, the line and what is allowed, and every verb the file reaches stops with exit status 4.");
    }

    private static void KeyItem(ManPageWriter page, Command root, ConfigKey key)
    {
        var value = key.Kind == ConfigKind.Flag ? "yes|no" : "value";
        page.Item($"{ManPageWriter.Bold(key.Name)} = {ManPageWriter.Italic(value)}", key.Description);
        page.Break();
        page.Text($"Allowed: {key.Allowed}.");
        page.Break();
        page.Text($"Sets: {ConfigUses.Describe(ConfigUses.Of(root, key.Name), withDefaults: true)}.");
    }

    private static void CommandLineOverFile(ManPageWriter page)
    {
        page.Section("Command line over file");
        page.Text("An option given on the command line wins over the key that stands for it, for that run. A list key and the "
                  + "option add up (the file's excludes and the command line's). A yes/no key set to yes is turned off for one run "
                  + "with the option's own value: `mkcdrec mkbackuponly --encrypt false`.");

        // The keys mkbackup keeps with --use-backup are the ones --use-backup does not override.
        var kept = ConfigBindings.For("mkbackup").Where(b => !b.GivenBy.Contains("--use-backup")).Select(b => b.Key).Distinct().ToList();
        page.Paragraph($"With `mkbackup --use-backup DIR` (a finished backup put on media) only {string.Join(", ", kept[..^1])} and {kept[^1]} apply: "
                       + "the keys that shape a new backup are not used, and the log says so. With `--initrd FILE` (an initramfs put on "
                       + "the media as it is) the rescue-* keys do not apply.");
        page.Paragraph("`mkcdrec config show` prints each key's value and the line it comes from, or the default of each option "
                       + "it would set (`--json`: the same as JSON); a bad file is reported with every line that is wrong.");
    }
}
