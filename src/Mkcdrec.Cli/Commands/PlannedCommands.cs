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

    public static Command MkBackupOnly() => NotBuilt(new Command("mkbackuponly", "Back up every mounted filesystem of the layout, without a rescue medium.")
    {
        new Option<string>("--dest") { Description = "Directory to write the backup to.", HelpName = "DIR" },
    });

    public static Command Drill() => NotBuilt(new Command("drill", "Prove the rescue medium: boot it in QEMU against scratch disks, recover, boot the result, compare every file.")
    {
        new Option<bool>("--uefi") { Description = "Boot with UEFI firmware (OVMF) instead of BIOS." },
        new Option<string[]>("--disk-size") { Description = "Size of a scratch disk (repeatable).", HelpName = "SIZE" },
        new Option<string>("--medium") { Description = "The ISO or output directory to drill.", HelpName = "DIR|ISO" },
    });
}
