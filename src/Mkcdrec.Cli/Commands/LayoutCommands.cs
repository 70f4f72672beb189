using System.CommandLine;
using Mkcdrec.Core;

namespace Mkcdrec.Cli.Commands;

internal static class LayoutCommands
{
    public static Command Build()
    {
        var layout = new Command("layout", "Capture, show and check the storage and system layout.");
        var save = new Command("save", "Capture the layout of this machine (as root) into the layout JSON.");
        save.SetAction(int (ParseResult _) => throw new MkcdrecException(ExitCode.Usage, "not built yet", "wait"));
        layout.Add(save);
        return layout;
    }
}
