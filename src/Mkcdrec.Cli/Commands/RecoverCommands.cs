using System.CommandLine;
using Mkcdrec.Core;
using Mkcdrec.Core.Execution;
using Mkcdrec.Core.Planning;
using Mkcdrec.Core.Recovery;
using Mkcdrec.Model.Plan;
using Mkcdrec.Platform.Linux;

namespace Mkcdrec.Cli.Commands;

/// <summary>`mkcdrec recover`: with --plan, prints what recovery would do and changes nothing; with --layout-only, recreates the layout (no data restore).</summary>
internal static class RecoverCommands
{
    public static Command Build()
    {
        var o = new RecoverCommandOptions();
        var full = new FullRecoverOptions();
        var cmd = new Command("recover", "In the rescue system: recreate the layout, restore the backup and make the machine boot. With --plan: show what it would do.");
        o.AddTo(cmd);
        full.AddTo(cmd);
        cmd.SetAction(int (ParseResult p) =>
        {
            var execute = !p.GetValue(o.Plan);
            if (execute && p.GetValue(o.TargetDisks) is not null)
            {
                throw new MkcdrecException(ExitCode.Usage, "--target-disks only works with --plan: recovery runs on this machine's disks.", "Leave --target-disks out.");
            }

            return execute && !p.GetValue(o.LayoutOnly) ? FullRecover.Run(p, full, o) : PlanOrRecreateLayout(p, o, execute);
        });
        return cmd;
    }

    private static int PlanOrRecreateLayout(ParseResult p, RecoverCommandOptions o, bool execute)
    {
        using var ctx = CliContext.Create(p, execute ? "recover-layout" : "recover-plan");
        var request = o.Request(p) with { LayoutPath = p.GetValue(o.Layout)!, NoMount = p.GetValue(o.NoMount), TargetDisksFile = p.GetValue(o.TargetDisks) };
        var session = new RecoverySession(new RecoveryServices(ctx.Runner, new BlockDevices(), ctx.FileSystem, ctx.Files, ctx.Log), new TerminalRecoveryUser(ctx));
        if (!execute)
        {
            var plan = session.Plan(request);
            Console.Write(ctx.Json ? PlanSerializer.Serialize(plan) + "\n" : PlanRenderer.Render(plan));
            // A plan recovery would refuse is shown whole, then its refusal's reason and remedy, with the refusal's exit code.
            PlanExecutor.RefuseIdentifierConflicts(plan);
            return 0;
        }

        var ran = session.RecreateLayout(request);
        Console.WriteLine(ctx.Json ? RecoverJsonContext.Of(ran)
            : request.NoMount ? "The layout is recreated and left unmounted." : $"The layout is recreated and mounted under {request.TargetRoot}.");
        return 0;
    }
}
