using System.CommandLine;
using Mkcdrec.Core;
using Mkcdrec.Core.Planning;
using Mkcdrec.Core.Workflows;
using Mkcdrec.Model.Plan;

namespace Mkcdrec.Cli.Commands;

/// <summary>`mkcdrec recover`: with --plan, prints what recovery would do and changes nothing. Recovering itself is not built yet.</summary>
internal static class RecoverCommands
{
    public static Command Build()
    {
        var layout = new Option<string>("--layout")
        {
            Description = $"The layout file to recreate (default {LayoutWorkflows.DefaultLayoutPath}).",
            HelpName = "FILE",
            DefaultValueFactory = _ => LayoutWorkflows.DefaultLayoutPath,
        };
        var plan = new Option<bool>("--plan") { Description = "Print the plan and change nothing." };
        var layoutOnly = new Option<bool>("--layout-only") { Description = "Recreate the layout without restoring data." };
        var map = new Option<string[]>("--map")
        {
            Description = "Map a source disk (its path, name or id in the layout) to a target disk (repeatable).",
            HelpName = "SRC=DST",
        };
        var targetRoot = new Option<string>("--target-root")
        {
            Description = $"Where the recreated filesystems are mounted (default {PlanOptions.DefaultTargetRoot}).",
            HelpName = "DIR",
            DefaultValueFactory = _ => PlanOptions.DefaultTargetRoot,
        };
        var exclude = new Option<string[]>("--exclude-disk")
        {
            Description = "Never use this disk as a target, e.g. the boot medium (repeatable).",
            HelpName = "DEV",
        };
        var backup = new Option<string[]>("--backup")
        {
            Description = "The backup's directory: the disk holding it is never a target (repeatable).",
            HelpName = "DIR",
        };
        var targets = new Option<string?>("--target-disks")
        {
            Description = "Plan for the disks listed in FILE (JSON, as 'recover --plan --json' prints under targetDisks) instead of this machine's.",
            HelpName = "FILE",
        };
        var resizeFixed = new Option<bool>("--resize-fixed") { Description = "Also scale ESP, BIOS boot, /boot and swap when disk sizes differ." };
        var yes = new Option<bool>("--yes") { Description = "Do not ask for confirmation." };
        var unattended = new Option<bool>("--unattended") { Description = "Never ask; refuse anything ambiguous." };
        var cmd = new Command("recover", "In the rescue system: recreate the layout, restore the backup and make the machine boot. With --plan: show what it would do.")
        {
            layout, plan, layoutOnly, map, targetRoot, exclude, backup, targets, resizeFixed, yes, unattended,
        };
        cmd.SetAction(int (ParseResult p) =>
        {
            if (!p.GetValue(plan) || p.GetValue(layoutOnly))
            {
                throw new MkcdrecException(ExitCode.Usage,
                    "'mkcdrec recover' " + (p.GetValue(layoutOnly) ? "--layout-only " : "") + "is not built yet in this version; only 'mkcdrec recover --plan' is.",
                    "Run 'mkcdrec recover --layout FILE --plan' to see what recovery would do; nothing was changed.");
            }

            using var ctx = CliContext.Create(p, "recover-plan");
            var doc = LayoutWorkflows.Load(p.GetValue(layout)!);
            var file = p.GetValue(targets);
            var disks = file is not null
                ? PlanSerializer.DeserializeTargetDisks(File.ReadAllText(file), file)
                : TargetDiskDiscovery.Discover(ctx.Files, p.GetValue(exclude) ?? [], p.GetValue(backup) ?? []);
            if (file is not null)
            {
                foreach (var ex in p.GetValue(exclude) ?? [])
                {
                    var d = disks.FirstOrDefault(x => x.Path == ex || x.KernelName == ex || x.ByIdLinks.Contains(ex))
                        ?? throw new MkcdrecException(ExitCode.Usage, $"--exclude-disk {ex}: no such disk in {file}.", "Name one of the disks listed there.");
                    d.IsBootMedium = true;
                    d.ExcludedBecause = "excluded with --exclude-disk";
                }
            }

            var result = Planner.Plan(doc, disks, new PlanOptions
            {
                Maps = p.GetValue(map) ?? [],
                TargetRoot = p.GetValue(targetRoot)!,
                ResizeFixed = p.GetValue(resizeFixed),
            });
            ctx.Log.Info($"plan: {result.Steps.Count} steps for {result.Mappings.Count(m => m.TargetPath is not null)} disk(s)");
            Console.Write(ctx.Json ? PlanSerializer.Serialize(result) + "\n" : PlanRenderer.Render(result));
            return 0;
        });
        return cmd;
    }
}
