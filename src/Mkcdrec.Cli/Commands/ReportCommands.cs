using System.CommandLine;
using Mkcdrec.Cli.Json;
using Mkcdrec.Core.Destinations.Routing;
using Mkcdrec.Core.Drill;
using Mkcdrec.Core.Media;
using Mkcdrec.Core.Report;
using Mkcdrec.Core.Workflows;

namespace Mkcdrec.Cli.Commands;

/// <summary>`mkcdrec report [-o FILE.html]`: the page for the disaster-recovery binder (docs/report.md).</summary>
internal static class ReportCommands
{
    public static Command Build()
    {
        var output = new Option<string>("--output", "-o")
        {
            Description = $"Where to write the HTML page (default {ReportPage.DefaultPath}); written atomically.",
            HelpName = "FILE",
            DefaultValueFactory = _ => ReportPage.DefaultPath,
        };
        var layout = new Option<string?>("--layout")
        {
            Description = $"Draw this saved layout (e.g. {LayoutWorkflows.DefaultLayoutPath}, which mkbackup saves) instead of capturing this machine's (which needs root).",
            HelpName = "FILE",
        };
        var disks = LayoutCommands.DiskOption();
        var dest = new Option<string?>("--dest") { Description = "The destination whose backups the page lists (default: the configured destination; none: the backup is on the rescue ISO).", HelpName = "URL" };
        var secrets = ArchiveCommands.SecretsOption();
        var caFile = ReadingCredentials.CaFileOption();
        var encrypted = new Option<bool>("--encrypted") { Description = "The backups are encrypted (configuration: encrypt): the steps name the keys medium's backup.passphrase." };
        var media = new Option<string>("--media")
        {
            Description = $"The directory holding the rescue ISOs (default: the configured output, {MediaWorkflows.DefaultOutputDir}).",
            HelpName = "DIR",
            DefaultValueFactory = _ => MediaWorkflows.DefaultOutputDir,
        };
        var drill = new Option<string>("--drill")
        {
            Description = $"The last drill's report (default {LastDrill.DefaultPath}, which mkcdrec drill writes).",
            HelpName = "FILE",
            DefaultValueFactory = _ => LastDrill.DefaultPath,
        };
        var simulate = new Option<bool>("--simulate") { Description = "List the steps and do nothing." };
        var cmd = new Command("report",
            "Write one self-contained HTML page for the disaster-recovery binder: the storage stack drawn, the recovery plan, the backups, the last drill and the steps to recover. Runs nothing on the disks.")
        {
            output, layout, disks, dest, secrets, caFile, encrypted, media, drill, simulate,
        };
        cmd.SetAction(int (ParseResult p) =>
        {
            using var ctx = CliContext.Create(p, "report");
            if (p.GetValue(simulate))
            {
                ReportWorkflow.Steps(new ReportWorkflow(ctx.Log)).Describe().ToList().ForEach(Console.WriteLine);
                return 0;
            }

            var path = p.GetValue(output)!;
            var file = p.GetValue(layout);
            var version = typeof(ReportCommands).Assembly.GetName().Version?.ToString(3) ?? "0";
            var request = new ReportRequest
            {
                OutputPath = path,
                Layout = file is null ? () => LayoutCommands.Workflows(ctx).CaptureLive(p.GetValue(disks) ?? []) : () => LayoutWorkflows.Load(file),
                LayoutSource = file ?? "the live system",
                Destination = p.GetValue(dest),
                OpenStore = url => BackupStores.Open(url, ctx.Log.Warn, ctx.Runner, ctx.Processes, ReadingCredentials.For(p.GetValue(secrets), unattended: true, caFile: p.GetValue(caFile))),
                DrillPath = p.GetValue(drill)!,
                MediaDirectory = p.GetValue(media)!,
                Encrypted = p.GetValue(encrypted),
                MkcdrecVersion = version,
            };
            var data = new ReportWorkflow(ctx.Log).Run(request);
            var bytes = new FileInfo(path).Length;
            if (ctx.Json)
            {
                CliJson.WriteLine(new ReportOutput(Path.GetFullPath(path), bytes, data.Plan is not null, data.Backups?.Unreachable is null, data.Drill?.Passed),
                    CliJsonContext.Default.ReportOutput);
            }
            else
            {
                // An unreachable destination was already warned about (the log's warnings reach standard error); the page says it too.
                Console.WriteLine($"Report written to {path} ({bytes / 1024.0:0.0} KiB): open it in a browser and print it for the binder.");
            }

            return 0;
        });
        return cmd;
    }
}
