using System.CommandLine;
using Mkcdrec.Core;
using Mkcdrec.Core.Recovery;
using Mkcdrec.Core.Secrets;
using Mkcdrec.Core.Storage;
using Mkcdrec.Core.Storage.Luks;
using Mkcdrec.Core.Workflows;
using Mkcdrec.Model.Plan;

namespace Mkcdrec.Cli.Commands;

/// <summary>`mkcdrec mount` and `mkcdrec umount`: the system of a layout, from its disks as they are, under a directory (docs/recovery.md "Mount").</summary>
internal static class MountCommands
{
    private static Option<string?> LayoutOption() => new("--layout")
    {
        Description = $"The layout of the system (default {RecoverySession.RescueLayoutPath} in the rescue system, else {LayoutWorkflows.DefaultLayoutPath}).",
        HelpName = "FILE",
    };

    private static Option<string> TargetRootOption() => new("--target-root")
    {
        Description = $"Where its filesystems are mounted, each at its mount point below (default {PlanOptions.DefaultTargetRoot}).",
        HelpName = "DIR",
        DefaultValueFactory = _ => PlanOptions.DefaultTargetRoot,
    };

    public static Command Mount()
    {
        var layout = LayoutOption();
        var target = TargetRootOption();
        var readOnly = new Option<bool>("--read-only")
        {
            Description = "Assemble, open and mount read-only, without journal or log replay: nothing is written to the disks (a look at a broken or suspect system).",
        };
        var keyFile = new Option<string?>("--key-file") { Description = "One key file for every LUKS container to open, used as it is.", HelpName = "FILE" };
        var secrets = ArchiveCommands.SecretsOption();
        var unattended = new Option<bool>("--unattended") { Description = "Never ask for a passphrase; a missing key is an error." };
        var cmd = new Command("mount", "Bring the system of a layout up from its disks as they are (RAID, LUKS, LVM) and mount its filesystems under a directory: for repairs in a chroot.")
        {
            layout, target, readOnly, keyFile, secrets, unattended,
        };
        cmd.SetAction(int (ParseResult p) =>
        {
            using var ctx = CliContext.Create(p, "mount");
            var doc = LayoutWorkflows.Load(LayoutPath(p.GetValue(layout)));
            var user = new TerminalRecoveryUser(ctx);
            var closed = LuksTechnology.ClosedContainers(doc, ctx.Runner);
            var needs = closed.Select(l => new LuksKeyNeed(PlanPlaceholders.KeyFile(l.Id), l.Uuid, doc.DescribeDevice(l.DeviceId) ?? "?")).ToList();
            var prompter = user.CanAsk && !p.GetValue(unattended) ? new SecretPrompter(user.AskSecret, null) : null;
            var sources = new SecretSources { KeyFile = p.GetValue(keyFile), Directory = p.GetValue(secrets) };
            using var resolved = new RecoverySecrets(sources, prompter).Resolve(false, needs);
            var keys = needs.Where(n => resolved.KeyFiles.ContainsKey(n.Token)).ToDictionary(n => n.Uuid, n => resolved.KeyFiles[n.Token], StringComparer.Ordinal);
            new SystemAttacher(ctx.Runner, ctx.Files, Say(ctx)).Attach(doc, p.GetValue(target)!, p.GetValue(readOnly), keys);
            return 0;
        });
        return cmd;
    }

    public static Command Umount()
    {
        var layout = LayoutOption();
        var target = TargetRootOption();
        var cmd = new Command("umount", "Take down what 'mkcdrec mount' brought up: unmount everything under the directory, deactivate LVM, close LUKS, stop RAID.")
        {
            layout, target,
        };
        cmd.SetAction(int (ParseResult p) =>
        {
            using var ctx = CliContext.Create(p, "umount");
            var doc = LayoutWorkflows.Load(LayoutPath(p.GetValue(layout)));
            new SystemAttacher(ctx.Runner, ctx.Files, Say(ctx)).Detach(doc, p.GetValue(target)!);
            return 0;
        });
        return cmd;
    }

    private static string LayoutPath(string? given) =>
        given ?? (File.Exists(RecoverySession.RescueLayoutPath) ? RecoverySession.RescueLayoutPath : LayoutWorkflows.DefaultLayoutPath);

    private static Action<string> Say(CliContext ctx) => line =>
    {
        ctx.Log.Info(line);
        ctx.Human.WriteLine(line);
    };
}
