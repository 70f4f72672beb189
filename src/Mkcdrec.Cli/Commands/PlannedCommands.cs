using System.CommandLine;
using Mkcdrec.Core;

namespace Mkcdrec.Cli.Commands;

/// <summary>
/// Verbs of the design whose workflows are not built yet. Their options are declared so --help documents
/// them; running one says so and exits 2 (usage) without touching anything.
/// </summary>
internal static class PlannedCommands
{
    private static Command NotBuilt(Command c)
    {
        c.SetAction(int (ParseResult parse) =>
        {
            throw new MkcdrecException(ExitCode.Usage,
                $"'mkcdrec {string.Join(' ', c.Parents.OfType<Command>().Where(p => p is not RootCommand).Select(p => p.Name).Append(c.Name))}' is not built yet in this version.",
                "See the README for what this version can do; nothing was changed.");
        });
        return c;
    }

    public static Command MkBackup() => NotBuilt(new Command("mkbackup",
        "Capture the layout, back up every filesystem and write a bootable rescue ISO carrying the backup.")
    {
        new Option<string>("--output") { Description = "Directory for the ISO(s) (default /var/lib/mkcdrec/output).", HelpName = "DIR" },
        new Option<string>("--medium") { Description = "Split onto media of this size: cd, dvd, dvd-dl, bd or bytes.", HelpName = "SIZE" },
    });

    public static Command MkRescue() => NotBuilt(new Command("mkrescue", "Write the bootable rescue medium only, without a backup.")
    {
        new Option<string>("--output") { Description = "Directory for the ISO (default /var/lib/mkcdrec/output).", HelpName = "DIR" },
    });
}
