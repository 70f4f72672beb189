using System.CommandLine;
using Mkcdrec.Core;
using Mkcdrec.Core.Archive;
using Mkcdrec.Core.Drill;
using Mkcdrec.Core.Recovery;
using Mkcdrec.Platform.Linux;

namespace Mkcdrec.Cli.Commands;

/// <summary>The options only a full recovery (with a data restore) takes.</summary>
internal sealed class FullRecoverOptions
{
    public Option<string?> PassphraseFile { get; } = new("--passphrase-file") { Description = "The passphrase of an encrypted backup, first line of FILE ('-' asks); otherwise --secrets' backup.passphrase, or asked on the terminal.", HelpName = "FILE" };

    public Option<string?> Hostname { get; } = new("--hostname") { Description = "Clone: give the recovered system this hostname.", HelpName = "NAME" };

    public Option<bool> NewMachineId { get; } = new("--new-machine-id") { Description = "Clone: give the recovered system a new /etc/machine-id." };

    public Option<bool> NewSshHostKeys { get; } = new("--new-ssh-host-keys") { Description = "Clone: replace the SSH host keys with new ones." };

    public Option<string?> Net { get; } = new("--net")
    {
        Description = "Clone: network of the recovered system: dhcp, or static:ADDR/PREFIX[,gw=GW][,dns=IP[;IP]] (ifupdown or systemd-networkd, whichever it uses).",
        HelpName = "SPEC",
    };

    public Option<bool> KeepMounted { get; } = new("--keep-mounted") { Description = "Leave the recovered system mounted under the target root (to look at it before rebooting)." };

    public Option<string?> Spool { get; } = FetchCommands.Spool();

    public Option<string?> CaFile { get; } = ReadingCredentials.CaFileOption();

    public Option<string?> PostRecoveryHook { get; } = new("--post-recovery-hook")
    {
        Description = "Run CMD (/bin/sh -c, in a chroot of the recovered system) after finalize, instead of the backup's own post-recovery hook; '' runs none.",
        HelpName = "CMD",
    };

    public Option<bool> Drill { get; } = new("--drill") { Description = "Used by 'mkcdrec drill' on scratch disks: report the comparison of the restored files and install a first-boot check." };

    public Option<string?> ReportUrl { get; } = new("--report-url")
    {
        Description = "POST each phase of the recovery as it starts to URL (mkcdrec serve's /report; its rescue systems pass it): serve's status shows it. A report that fails is logged, never in the way.",
        HelpName = "URL",
    };

    public void AddTo(Command c)
    {
        c.Add(ReportUrl);
        c.Add(PassphraseFile);
        c.Add(Hostname);
        c.Add(NewMachineId);
        c.Add(NewSshHostKeys);
        c.Add(Net);
        c.Add(KeepMounted);
        c.Add(PostRecoveryHook);
        c.Add(Drill);
        c.Add(Spool);
        c.Add(CaFile);
    }
}

/// <summary>`mkcdrec recover --backup DIR|URL`: fetches a URL, then the recovery session verifies, plans, confirms, recreates, restores, finalizes, unmounts.</summary>
internal static class FullRecover
{
    public static int Run(ParseResult p, FullRecoverOptions f, RecoverCommandOptions c)
    {
        var backups = p.GetValue(c.Backup) ?? [];
        var net = p.GetValue(f.Net);
        RecoverySession.RefuseBadFullRecovery(backups, net);
        var reportUrl = p.GetValue(f.ReportUrl) is { } url ? ReportUrlOrRefuse(url) : null;
        using var ctx = CliContext.Create(p, "recover");

        // A backup URL is fetched into the spool first; the spool's disk is then never a target (like any backup directory's).
        var credentials = ReadingCredentials.For(p.GetValue(c.Secrets), unattended: p.GetValue(c.Unattended), caFile: p.GetValue(f.CaFile));
        using var local = FetchCommands.LocalBackup.Resolve(ctx, backups[0], p.GetValue(f.Spool), credentials);
        var dir = local.Directory;
        var request = c.Request(p) with
        {
            LayoutPath = p.GetResult(c.Layout) is { Implicit: false } ? p.GetValue(c.Layout)! : null,
            Backups = [dir, .. backups.Skip(1).Where(b => !BackupFetcher.IsUrl(b))],
            BackupUrl = local.Url,
            BackupVolumes = local.Volumes ?? MediaLocators.For(dir, ctx), // a set of media: the other media are mounted or asked for
            OpenParent = local.OpenParent,
            LogFile = ctx.LogPath,
            KeepMounted = p.GetValue(f.KeepMounted),
            PostRecoveryHook = p.GetValue(f.PostRecoveryHook),
            PassphraseFile = p.GetValue(f.PassphraseFile),
            CloneSettings = new CloneSettings
            {
                Hostname = p.GetValue(f.Hostname),
                NewMachineId = p.GetValue(f.NewMachineId),
                NewSshHostKeys = p.GetValue(f.NewSshHostKeys),
                Network = net,
            },
        };
        var services = new RecoveryServices(ctx.Runner, new BlockDevices(), ctx.FileSystem, ctx.Files, ctx.Log, new ArchiveCommands.CliEvents(ctx));
        var session = new RecoverySession(services, new TerminalRecoveryUser(ctx));
        IRecoveryHooks? hooks = p.GetValue(f.Drill) ? new DrillRecoveryHooks(ctx.FileSystem, dir) : null;
        using var reporting = reportUrl is null ? null : new ReportingRecoveryHooks(reportUrl, hooks, ctx.Log);
        var result = session.Recover(request, reporting ?? hooks);
        if (ctx.Json)
        {
            Console.WriteLine(RecoverJsonContext.Of(result));
            return HookFailed(result);
        }

        foreach (var ch in result.Changes)
        {
            Console.WriteLine("  changed: " + ch);
        }

        Console.WriteLine($"Recovered {result.RestoredEntries} entries ({result.RestoredBytes / 1048576.0:0.0} MiB) in {result.Elapsed.TotalSeconds:0.0} s" +
            (result.LogInTarget is null ? "." : $"; the log is in the recovered system at {result.LogInTarget}.") + " Remove the rescue medium and reboot.");
        return HookFailed(result);
    }

    private static string ReportUrlOrRefuse(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var u) && u.Scheme is "http" or "https" ? url
            : throw new MkcdrecException(ExitCode.Usage, $"--report-url '{url}' is not an http:// or https:// URL.", "Give serve's report URL, e.g. http://10.0.0.1:8080/report.");

    /// <summary>The system is recovered either way; a failed post-recovery hook still makes the command fail (exit 6), saying so.</summary>
    private static int HookFailed(RecoverResult result) => result.PostRecoveryHookFailure is { } why
        ? throw new MkcdrecException(ExitCode.CommandFailed, $"The system is recovered, but the post-recovery hook failed: {why}",
            "The recovered system is complete and bootable; do by hand what the hook was to do (its output is in the recovery log).")
        : 0;
}
