using System.CommandLine;
using Mkcdrec.Cli.Json;
using Mkcdrec.Core.Layout;
using Mkcdrec.Core.Platform;
using Mkcdrec.Core.Workflows;
using Mkcdrec.Model.Layout;

namespace Mkcdrec.Cli.Commands;

internal static class LayoutCommands
{
    internal static LayoutWorkflows Workflows(CliContext ctx, MachineRecording? rec = null) =>
        new(rec is null ? ctx.Runner : new RecordingProcessRunner(ctx.Runner, rec),
            rec is null ? ctx.Files : new RecordingSystemFiles(ctx.Files, rec),
            ctx.Log, Environment.IsPrivilegedProcess, typeof(LayoutCommands).Assembly.GetName().Version?.ToString(3) ?? "0");

    private static Option<string?> RecordOption() => new("--record")
    {
        Description = "Also record every file, device sector and command output the capture read into FILE (for tests and bug reports).",
        HelpName = "FILE",
        Hidden = false,
    };

    public static Command Build()
    {
        var layout = new Command("layout", "Capture, show and check the storage and system layout.");
        layout.Add(Save());
        layout.Add(Show());
        layout.Add(Check());
        return layout;
    }

    internal static Option<string[]> DiskOption() => new("--disk")
    {
        Description = "Capture only this disk and everything stacked on it (repeatable). Default: every disk.",
        HelpName = "DEV",
        AllowMultipleArgumentsPerToken = false,
    };

    private static Command Save()
    {
        var output = new Option<string>("--output", "-o")
        {
            Description = $"Where to write the layout JSON (default {LayoutWorkflows.DefaultLayoutPath}).",
            HelpName = "FILE",
            DefaultValueFactory = _ => LayoutWorkflows.DefaultLayoutPath,
        };
        var disks = DiskOption();
        var simulate = new Option<bool>("--simulate") { Description = "List the steps and do nothing." };
        var record = RecordOption();
        var cmd = new Command("save", "Capture the layout of this machine (as root) into the layout JSON (docs/layout-format.md).") { output, disks, simulate, record };
        cmd.SetAction(int (ParseResult p) =>
        {
            using var ctx = CliContext.Create(p, "layout-save");
            if (p.GetValue(simulate))
            {
                foreach (var s in LayoutWorkflows.SaveSteps(Workflows(ctx)).Describe())
                {
                    Console.WriteLine(s);
                }

                return 0;
            }

            var path = p.GetValue(output)!;
            var rec = p.GetValue(record) is null ? null : new MachineRecording();
            var doc = Workflows(ctx, rec).Save(p.GetValue(disks) ?? [], path);
            rec?.Save(p.GetValue(record)!);
            if (ctx.Json)
            {
                Console.WriteLine(LayoutSerializer.Serialize(doc));
            }
            else
            {
                Console.WriteLine($"Layout saved to {path}: {doc.Disks.Count} disk(s), {doc.Disks.Sum(d => d.Partitions.Count)} partition(s), " +
                    $"{doc.MdArrays.Count} md array(s), {doc.Luks.Count} LUKS, {doc.Lvm.LogicalVolumes.Count(l => !l.Hidden)} LV(s), {doc.Filesystems.Count} filesystem(s).");
                PrintWarnings(doc);
            }

            return 0;
        });
        return cmd;
    }

    private static void PrintWarnings(LayoutDocument doc)
    {
        foreach (var u in doc.Unsupported)
        {
            Console.Error.WriteLine($"mkcdrec: warning: not supported: {u.Device}: {u.Reason}");
        }

        foreach (var w in doc.Warnings)
        {
            Console.Error.WriteLine($"mkcdrec: warning: {w}");
        }
    }

    private static Command Show()
    {
        var file = new Argument<string?>("FILE") { Description = "A saved layout file. Without it: the live layout of this machine (needs root).", Arity = ArgumentArity.ZeroOrOne };
        var disks = DiskOption();
        var cmd = new Command("show", "Print a layout as a tree: disk → partition → md → LUKS → LVM → filesystem → mount point.") { file, disks };
        cmd.SetAction(int (ParseResult p) =>
        {
            using var ctx = CliContext.Create(p, "layout-show");
            var path = p.GetValue(file);
            var doc = path is null ? Workflows(ctx).CaptureLive(p.GetValue(disks) ?? []) : LayoutWorkflows.Load(path);
            Console.Write(ctx.Json ? LayoutSerializer.Serialize(doc) + "\n" : LayoutTree.Render(doc));
            return 0;
        });
        return cmd;
    }

    private static Command Check()
    {
        var file = new Argument<string>("FILE")
        {
            Description = $"The saved layout to compare with (default {LayoutWorkflows.DefaultLayoutPath}).",
            Arity = ArgumentArity.ZeroOrOne,
            DefaultValueFactory = _ => LayoutWorkflows.DefaultLayoutPath,
        };
        var cmd = new Command("check", "Compare the live layout with a saved one; exit 1 when a change matters for recovery (for cron).") { file };
        cmd.SetAction(int (ParseResult p) =>
        {
            using var ctx = CliContext.Create(p, "layout-check");
            var saved = LayoutWorkflows.Load(p.GetValue(file)!);
            var (_, changes) = Workflows(ctx).Check(saved);
            var matters = changes.Any(c => c.Matters);
            if (ctx.Json)
            {
                var list = changes.Select(c => new LayoutChangeOutput(c.Key, c.Old, c.New, c.Matters)).ToList();
                CliJson.WriteLine(new LayoutCheckOutput(matters, list), CliIndentedJsonContext.Default.LayoutCheckOutput);
            }
            else if (changes.Count == 0)
            {
                Console.WriteLine("The layout has not changed since it was saved.");
            }
            else
            {
                foreach (var c in changes)
                {
                    Console.WriteLine(c.ToString());
                }

                Console.WriteLine(matters
                    ? "The layout changed in ways that matter for recovery (marked !): make a new rescue medium (mkcdrec mkbackup or mkrescue)."
                    : "Only details that do not matter for recovery changed.");
            }

            return matters ? 1 : 0;
        });
        return cmd;
    }
}
