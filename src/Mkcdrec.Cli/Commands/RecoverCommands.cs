using System.CommandLine;
using System.Text;
using Mkcdrec.Core;
using Mkcdrec.Core.Execution;
using Mkcdrec.Core.Planning;
using Mkcdrec.Core.Workflows;
using Mkcdrec.Model.Plan;
using Mkcdrec.Platform.Linux;
using Mkcdrec.Core.Storage;

namespace Mkcdrec.Cli.Commands;

/// <summary>`mkcdrec recover`: with --plan, prints what recovery would do and changes nothing; with --layout-only, recreates the layout (no data restore).</summary>
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
            Description = "The backup's directory (the disk holding it is never a target; repeatable), or its http(s):// URL (fetched into --spool first).",
            HelpName = "DIR|URL",
        };
        var targets = new Option<string?>("--target-disks")
        {
            Description = "Plan for the disks listed in FILE (JSON, as 'recover --plan --json' prints under targetDisks) instead of this machine's.",
            HelpName = "FILE",
        };
        var resizeFixed = new Option<bool>("--resize-fixed") { Description = "Also scale ESP, BIOS boot, /boot and swap when disk sizes differ." };
        var yes = new Option<bool>("--yes") { Description = "Do not ask for confirmation." };
        var unattended = new Option<bool>("--unattended") { Description = "Never ask; refuse anything ambiguous." };
        var keyFile = new Option<string?>("--key-file")
        {
            Description = "A file holding the passphrase for the LUKS devices to create (otherwise asked for on the terminal).",
            HelpName = "FILE",
        };
        var noMount = new Option<bool>("--no-mount") { Description = "With --layout-only: leave the recreated filesystems unmounted." };
        var journal = new Option<string>("--journal")
        {
            Description = $"The journal of completed steps, so a rerun resumes (default {RecoverJournal.DefaultPath}).",
            HelpName = "FILE",
            DefaultValueFactory = _ => RecoverJournal.DefaultPath,
        };
        var full = new FullRecoverOptions();
        var cmd = new Command("recover", "In the rescue system: recreate the layout, restore the backup and make the machine boot. With --plan: show what it would do.")
        {
            layout, plan, layoutOnly, map, targetRoot, exclude, backup, targets, resizeFixed, yes, unattended, keyFile, noMount, journal,
        };
        full.AddTo(cmd);
        cmd.SetAction(int (ParseResult p) =>
        {
            var execute = !p.GetValue(plan);
            if (execute && p.GetValue(targets) is not null)
            {
                throw new MkcdrecException(ExitCode.Usage, "--target-disks only works with --plan: recovery runs on this machine's disks.", "Leave --target-disks out.");
            }

            if (execute && !p.GetValue(layoutOnly))
            {
                return FullRecover.Run(p, full, new FullRecover.Common(layout, map, targetRoot, exclude, backup, resizeFixed, yes, unattended, keyFile, journal));
            }

            using var ctx = CliContext.Create(p, execute ? "recover-layout" : "recover-plan");
            var layoutPath = p.GetValue(layout)!;
            string? requestKey = null;
            if (execute)
            {
                requestKey = RecoverJournal.RequestKeyOf(File.Exists(layoutPath) ? File.ReadAllText(layoutPath) : "",
                    [.. (p.GetValue(map) ?? []).Select(m => "map=" + m), "root=" + p.GetValue(targetRoot), "fixed=" + p.GetValue(resizeFixed),
                     .. (p.GetValue(exclude) ?? []).Select(x => "exclude=" + x), .. (p.GetValue(backup) ?? []).Select(x => "backup=" + x)]);
                if (RecoverJournal.Load(p.GetValue(journal)!) is { Plan: { } saved } j && j.RequestKey == requestKey)
                {
                    Console.WriteLine($"Resuming the recovery recorded in {p.GetValue(journal)} with the plan saved there ({j.CompletedSteps.Count} of {saved.Steps.Count} step(s) done).");
                    return Execute(ctx, saved, requestKey, p.GetValue(yes), p.GetValue(unattended), p.GetValue(keyFile), p.GetValue(noMount), p.GetValue(journal)!);
                }
            }

            var doc = LayoutWorkflows.Load(layoutPath);
            var file = p.GetValue(targets);
            var disks = file is not null
                ? PlanSerializer.DeserializeTargetDisks(File.ReadAllText(file), file)
                : TargetDiskDiscovery.Discover(ctx.Files, p.GetValue(exclude) ?? [], [.. (p.GetValue(backup) ?? []).Where(b => !Mkcdrec.Core.Archive.BackupFetcher.IsUrl(b))]);
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
            if (execute)
            {
                return Execute(ctx, result, requestKey, p.GetValue(yes), p.GetValue(unattended), p.GetValue(keyFile), p.GetValue(noMount), p.GetValue(journal)!);
            }

            Console.Write(ctx.Json ? PlanSerializer.Serialize(result) + "\n" : PlanRenderer.Render(result));
            return 0;
        });
        return cmd;
    }

    private static int Execute(CliContext ctx, RecoveryPlan plan, string? requestKey, bool yes, bool unattended, string? keyFile, bool noMount, string journal)
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new MkcdrecException(ExitCode.Environment, "Recovery runs only on Linux.", "Boot the rescue system.");
        }

        if (!Environment.IsPrivilegedProcess)
        {
            throw MkcdrecException.NeedsRoot("'mkcdrec recover'");
        }

        var terminal = !unattended && !Console.IsInputRedirected;
        foreach (var w in plan.Warnings)
        {
            Console.Error.WriteLine("warning: " + w);
        }

        var executor = new PlanExecutor(ctx.Runner, new BlockDevices(), ctx.Log);
        var r = executor.Execute(plan, new ExecutorOptions
        {
            JournalPath = journal,
            RequestKey = requestKey,
            NoMount = noMount,
            Yes = yes,
            KeyFile = keyFile,
            CurrentDisks = TargetDiskDiscovery.Discover(ctx.Files, [], []),
            Confirm = terminal ? ConfirmOnTerminal : null,
            AskPassphrase = terminal ? AskPassphrase : null,
            Report = ctx.Json ? null : line => Console.WriteLine(line),
        });
        if (ctx.Json)
        {
            Console.WriteLine($"{{\"ran\":{r.Ran},\"skippedCompleted\":{r.SkippedCompleted},\"skippedOtherPhase\":{r.SkippedOtherPhase},\"seconds\":{r.Elapsed.TotalSeconds.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture)}}}");
        }
        else
        {
            Console.WriteLine(noMount ? "The layout is recreated and left unmounted." : $"The layout is recreated and mounted under {plan.TargetRoot}.");
        }

        return 0;
    }

    private static bool ConfirmOnTerminal(string summary)
    {
        Console.Error.Write(summary);
        Console.Error.Write("Type YES to go on: ");
        return Console.ReadLine()?.Trim() == "YES";
    }

    private static string AskPassphrase(string what) => Terminal.ReadHidden($"Passphrase for {what}: ");
}
