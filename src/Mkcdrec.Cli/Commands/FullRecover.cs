using System.CommandLine;
using Mkcdrec.Core;
using Mkcdrec.Core.Archive;
using Mkcdrec.Core.Execution;
using Mkcdrec.Core.Planning;
using Mkcdrec.Core.Recovery;
using Mkcdrec.Core.Workflows;
using Mkcdrec.Model.Layout;
using Mkcdrec.Model.Manifest;
using Mkcdrec.Platform.Linux;
using Mkcdrec.Core.Storage;

namespace Mkcdrec.Cli.Commands;

/// <summary>The options only a full recovery (with a data restore) takes.</summary>
internal sealed class FullRecoverOptions
{
    public Option<string?> PassphraseFile { get; } = new("--passphrase-file") { Description = "The passphrase of an encrypted backup, first line of FILE ('-' asks).", HelpName = "FILE" };

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

    public Option<bool> Drill { get; } = new("--drill") { Description = "Used by 'mkcdrec drill' on scratch disks: report the comparison of the restored files and install a first-boot check." };

    public void AddTo(Command c)
    {
        c.Add(PassphraseFile);
        c.Add(Hostname);
        c.Add(NewMachineId);
        c.Add(NewSshHostKeys);
        c.Add(Net);
        c.Add(KeepMounted);
        c.Add(Drill);
        c.Add(Spool);
    }
}

/// <summary>`mkcdrec recover --backup DIR|URL`: verify, plan, confirm, recreate, restore, finalize, unmount (RecoverWorkflow).</summary>
internal static class FullRecover
{
    /// <summary>The layout file the rescue system carries.</summary>
    public const string RescueLayoutPath = "/etc/mkcdrec/layout.json";

    internal sealed record Common(
        Option<string> Layout, Option<string[]> Map, Option<string> TargetRoot, Option<string[]> ExcludeDisk, Option<string[]> Backup,
        Option<bool> ResizeFixed, Option<bool> Yes, Option<bool> Unattended, Option<string?> KeyFile, Option<string> Journal);

    public static int Run(ParseResult p, FullRecoverOptions f, Common c)
    {
        var backups = p.GetValue(c.Backup) ?? [];
        if (backups.Length == 0)
        {
            throw new MkcdrecException(ExitCode.Usage, "'mkcdrec recover' needs the backup: --backup DIR (the directory with manifest.json) or --backup URL (http:// or https://).",
                "Give --backup DIR; or --plan / --layout-only to recreate the layout without data.");
        }

        var net = p.GetValue(f.Net);
        if (net is not null)
        {
            SystemFinalizer.ParseNet(net); // refuse a bad spec before anything happens
        }

        if (!OperatingSystem.IsLinux())
        {
            throw new MkcdrecException(ExitCode.Environment, "Recovery runs only on Linux.", "Boot the rescue system.");
        }

        if (!Environment.IsPrivilegedProcess)
        {
            throw MkcdrecException.NeedsRoot("'mkcdrec recover'");
        }

        using var ctx = CliContext.Create(p, "recover");

        // A backup URL is fetched into the spool first; the spool's disk is then never a target (like any backup directory's).
        using var local = FetchCommands.LocalBackup.Resolve(ctx, backups[0], p.GetValue(f.Spool));
        var dir = local.Directory;
        backups = [dir, .. backups.Skip(1).Where(b => !BackupFetcher.IsUrl(b))];
        var layoutPath = p.GetResult(c.Layout) is { Implicit: false } ? p.GetValue(c.Layout)! : DefaultLayout(dir);
        ctx.Log.Info($"recover: backup {dir}, layout {layoutPath}");
        var doc = LayoutWorkflows.Load(layoutPath);
        var unattended = p.GetValue(c.Unattended);
        var terminal = !unattended && !Console.IsInputRedirected;
        var passFile = p.GetValue(f.PassphraseFile);
        var manifest = ArchiveSourceManifest(dir);
        byte[]? passphrase = null;
        if (manifest.Archives.Any(a => a.Encryption is not null))
        {
            passphrase = passFile is not null ? ArchiveCommands.ReadPassphrase(passFile, confirm: false)
                : terminal ? ArchiveCommands.ReadPassphrase("-", confirm: false)
                : throw new MkcdrecException(ExitCode.Usage, "The backup is encrypted and no passphrase was given.", "Give --passphrase-file FILE; no disk was touched.");
        }

        Action<string>? report = ctx.Json ? null : line => Console.WriteLine(line);

        // The workflow checks every volume before it touches a disk (its first phase); planning below only reads.
        var maps = p.GetValue(c.Map) ?? [];
        var requestKey = RecoverJournal.RequestKeyOf(File.ReadAllText(layoutPath),
            [.. maps.Select(m => "map=" + m), "root=" + p.GetValue(c.TargetRoot), "fixed=" + p.GetValue(c.ResizeFixed), "backup=" + (local.Url ?? Path.GetFullPath(dir)),
             "manifest=" + manifest.Created.ToString("O"), .. (p.GetValue(c.ExcludeDisk) ?? []).Select(x => "exclude=" + x)]);
        var journalPath = p.GetValue(c.Journal)!;
        Mkcdrec.Model.Plan.RecoveryPlan plan;
        if (RecoverJournal.Load(journalPath) is { Plan: { } saved } j && j.RequestKey == requestKey)
        {
            Console.WriteLine($"Resuming the recovery recorded in {journalPath} ({j.CompletedSteps.Count} step(s) done).");
            plan = saved;
        }
        else
        {
            var disks = TargetDiskDiscovery.Discover(ctx.Files, p.GetValue(c.ExcludeDisk) ?? [], backups);
            plan = Planner.Plan(doc, disks, new PlanOptions { Maps = maps, TargetRoot = p.GetValue(c.TargetRoot)!, ResizeFixed = p.GetValue(c.ResizeFixed) });
            if (!ctx.Json)
            {
                Console.Write(PlanRenderer.Render(plan));
            }
        }

        foreach (var w in plan.Warnings)
        {
            Console.Error.WriteLine("warning: " + w);
        }

        var wf = new RecoverWorkflow(ctx.Runner, new BlockDevices(), ctx.FileSystem, ctx.Files, ctx.Log, new ArchiveCommands.CliEvents(ctx));
        var result = wf.Run(doc, plan, new RecoverOptions
        {
            BackupDirectory = dir,
            Passphrase = passphrase,
            LogFile = ctx.LogPath,
            KeepMounted = p.GetValue(f.KeepMounted),
            Drill = p.GetValue(f.Drill),
            Clone = new CloneSettings
            {
                Hostname = p.GetValue(f.Hostname),
                NewMachineId = p.GetValue(f.NewMachineId),
                NewSshHostKeys = p.GetValue(f.NewSshHostKeys),
                Network = net,
            },
            Executor = new ExecutorOptions
            {
                JournalPath = journalPath,
                RequestKey = requestKey,
                Yes = p.GetValue(c.Yes) || unattended,
                KeyFile = p.GetValue(c.KeyFile),
                Confirm = terminal ? ConfirmOnTerminal : null,
                AskPassphrase = terminal ? what => Terminal.ReadHidden($"Passphrase for {what}: ") : null,
                Report = report,
            },
        });
        if (ctx.Json)
        {
            Console.WriteLine("{\"seconds\":" + result.Elapsed.TotalSeconds.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture) +
                ",\"entries\":" + result.RestoredEntries + ",\"bytes\":" + result.RestoredBytes + ",\"phases\":{" +
                string.Join(',', result.Phases.Select(x => $"\"{x.Phase}\":{x.Elapsed.TotalSeconds.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture)}")) + "}}");
        }
        else
        {
            foreach (var ch in result.Changes)
            {
                Console.WriteLine("  changed: " + ch);
            }

            Console.WriteLine($"Recovered {result.RestoredEntries} entries ({result.RestoredBytes / 1048576.0:0.0} MiB) in {result.Elapsed.TotalSeconds:0.0} s" +
                (result.LogInTarget is null ? "." : $"; the log is in the recovered system at {result.LogInTarget}.") + " Remove the rescue medium and reboot.");
        }

        return 0;
    }

    private static string DefaultLayout(string backupDir)
    {
        var inBackup = Path.Combine(backupDir, BackupFiles.Layout);
        if (File.Exists(inBackup))
        {
            return inBackup;
        }

        if (File.Exists(RescueLayoutPath))
        {
            return RescueLayoutPath;
        }

        throw new MkcdrecException(ExitCode.BadInput, $"No layout: neither {inBackup} nor {RescueLayoutPath} exists.", "Name the layout with --layout FILE; no disk was touched.");
    }

    private static BackupManifest ArchiveSourceManifest(string dir) => Mkcdrec.Core.Archive.ArchiveSource.Open(dir).Manifest;

    private static bool ConfirmOnTerminal(string summary)
    {
        Console.Error.Write(summary);
        Console.Error.Write("Type YES to go on: ");
        return Console.ReadLine()?.Trim() == "YES";
    }
}
