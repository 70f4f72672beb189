using System.CommandLine;
using Mkcdrec.Cli.Configuration;
using Mkcdrec.Cli.Json;
using Mkcdrec.Core.Scheduled;
using Mkcdrec.Core.Workflows;

namespace Mkcdrec.Cli.Commands;

/// <summary>
/// `mkcdrec scheduled backup|layout-check`: what the systemd timers run (docs/packaging.md). One summary line on standard
/// output (the journal's), the details in the log, the result mailed through sendmail when asked.
/// </summary>
internal static class ScheduledCommands
{
    public static Command Build()
    {
        var cmd = new Command("scheduled", "What the systemd timers run: the configured backup, or the layout check that makes a new backup and medium "
                                           + "when the layout changed; one summary line for the journal, mail through sendmail.")
        {
            Job("backup", "Run mkbackup as the configuration file sets it up; print one summary line.", r => r.Backup()),
            Job("layout-check", "Compare the live layout with the one the last medium was made from (layout check); when a change matters, "
                                + "or no medium was made yet, run mkbackup; print one summary line.", r => r.LayoutCheck()),
        };
        return cmd;
    }

    private static Command Job(string name, string description, Func<ScheduledRuns, ScheduledOutcome> run)
    {
        var mailTo = new Option<string?>("--mail-to")
        {
            Description = "Mail the result to these addresses (comma-separated) through the local sendmail: failures only, unless --mail-on always.",
            HelpName = "ADDRESSES",
        };
        mailTo.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<string?>() is { } v && MailSettings.Check(v) is { } why)
            {
                r.AddError($"--mail-to: {why}.");
            }
        });
        var mailOn = new Option<string>("--mail-on") { Description = "When to mail: failure or always.", DefaultValueFactory = _ => "failure" };
        mailOn.AcceptOnlyFromAmong("failure", "always");
        var cmd = new Command(name, description) { mailTo, mailOn };
        cmd.SetAction(int (ParseResult p) =>
        {
            using var ctx = CliContext.Create(p, "scheduled-" + name);
            var config = p.GetValue(GlobalOptions.Config) is { } c ? new[] { "--config", c } : [];
            var runs = new ScheduledRuns(ctx.Runner, ctx.Log, Self(), config, LayoutWorkflows.DefaultLayoutPath);
            var outcome = run(runs);
            var mail = new MailSettings(p.GetValue(mailTo) is { } to ? MailSettings.ParseRecipients(to) : [], MailSettings.ParseWhen(p.GetValue(mailOn)!) == true);
            var note = ScheduledMail.SendIfDue(ctx.Runner, ctx.Log, mail, MediaCommands.Host(), outcome, ctx.LogPath);
            var summary = outcome.Summary + (note is null ? "" : " (" + note + ")");
            ctx.Log.Info("scheduled: " + summary);
            if (ctx.Json)
            {
                CliJson.WriteLine(new ScheduledOutput(outcome.Job, outcome.ExitCode, summary, note), CliJsonContext.Default.ScheduledOutput);
            }
            else
            {
                Console.WriteLine("mkcdrec " + summary);
            }

            return outcome.ExitCode;
        });
        return cmd;
    }

    /// <summary>This program as a command line: the NativeAOT binary, or dotnet with the assembly when run that way (tests).</summary>
    private static string[] Self()
    {
        var path = Environment.ProcessPath ?? "mkcdrec";
        return Path.GetFileNameWithoutExtension(path) == "dotnet" ? [path, Path.Combine(AppContext.BaseDirectory, "mkcdrec.dll")] : [path];
    }
}
