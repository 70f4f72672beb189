using System.CommandLine;

namespace Mkcdrec.Cli.Reference;

/// <summary>`mkcdrec reference man8|man5|config-example|bash-completion`: the reference made from this binary's own command
/// tree, printed for packaging (`mkcdrec reference man8 > mkcdrec.8`). Hidden: it is not for administrators, and so
/// stays out of --help and out of the pages it writes.</summary>
internal static class ReferenceCommands
{
    public static Command Build()
    {
        var reference = new Command("reference", "Print reference documentation made from this binary's command tree (for packaging).") { Hidden = true };
        Add(reference, "man8", "The mkcdrec(8) manual page, in roff.", CommandManPage.Write);
        Add(reference, "man5", "The mkcdrec.conf(5) manual page, in roff.", ConfigManPage.Write);
        Add(reference, "config-example", "An example /etc/mkcdrec/mkcdrec.conf: every key commented out after its description.", ConfigExample.Write);
        Add(reference, "bash-completion", "The bash completion script.", BashCompletion.Write);
        return reference;
    }

    private static void Add(Command parent, string name, string description, Func<Command, string> write)
    {
        var command = new Command(name, description);
        command.SetAction(int (ParseResult p) =>
        {
            Console.Out.Write(write(p.RootCommandResult.Command));
            return 0;
        });
        parent.Add(command);
    }
}
