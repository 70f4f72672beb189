using System.CommandLine;
using Mkcdrec.Cli.Json;
using Mkcdrec.Core;
using Mkcdrec.Core.Archive;
using Mkcdrec.Core.Destinations;
using Mkcdrec.Core.Destinations.Routing;
using Mkcdrec.Core.Workflows;
using Mkcdrec.Model.Layout;

namespace Mkcdrec.Cli.Commands;

/// <summary>`mkcdrec mkbackuponly`: capture the layout (or read one) and back up every mounted filesystem of it with <see cref="BackupWorkflow"/>.</summary>
internal static class BackupCommands
{
    public const string DefaultDestination = "/var/lib/mkcdrec/backup";

    public static Command MkBackupOnly()
    {
        var o = new MkBackupOnlyCommandOptions();
        var cmd = new Command("mkbackuponly", "Back up every mounted filesystem of the layout (one archive each, btrfs: one per subvolume), without a rescue medium.");
        o.AddTo(cmd);
        cmd.SetAction(int (ParseResult p) =>
        {
            using var ctx = CliContext.Create(p, "mkbackuponly");
            if (!Environment.IsPrivilegedProcess)
            {
                throw MkcdrecException.NeedsRoot("'mkcdrec mkbackuponly'");
            }

            var destination = p.GetValue(o.Dest)!;
            var remote = destination.Contains("://", StringComparison.Ordinal) && !destination.StartsWith("file://", StringComparison.OrdinalIgnoreCase);
            var localDir = remote ? null : destination.StartsWith("file://", StringComparison.OrdinalIgnoreCase) ? DestinationUrl.Parse(destination).Path : destination;
            var options = o.BackupOptions(p, localDir);
            if (localDir is null || options.Incremental)
            {
                if (localDir is not null)
                {
                    Directory.CreateDirectory(localDir);
                }

                return ToStore(ctx, DestinationUrl.Parse(localDir ?? destination), p.GetValue(o.Layout), options, localDir, ReadingCredentials.ForBackup(p.GetValue(o.CaFile)));
            }

            Directory.CreateDirectory(localDir);
            var doc = LoadOrCapture(ctx, p.GetValue(o.Layout), localDir);
            var events = new ArchiveCommands.CliEvents(ctx);
            var r = new BackupWorkflow(ctx.Runner, ctx.FileSystem, ctx.Log, events).Run(doc, localDir, options);
            events.EndProgress();
            Report(ctx, r);
            return options.Hooks.FailureError() is { } hookFailed ? throw hookFailed : 0;
        });
        return cmd;
    }

    /// <summary>A backup to a destination off the machine: a new backup named HOST/TIME there, the volumes streamed as they are made.</summary>
    /// <param name="localDir">The destination when it is a directory of this machine (its disk is left out of the capture).</param>
    /// <param name="credentials">The admin's own, trusting --ca-file's CAs for an https endpoint.</param>
    private static int ToStore(CliContext ctx, DestinationUrl url, string? layoutFile, BackupOptions options, string? localDir, DestinationCredentials credentials)
    {
        using var store = BackupStores.Open(url, ctx.Log.Warn, ctx.Runner, ctx.Processes, credentials);
        var doc = LoadOrCapture(ctx, layoutFile, localDir);
        var events = new ArchiveCommands.CliEvents(ctx);
        var r = new StoreBackupWorkflow(ctx.Runner, ctx.FileSystem, ctx.Log, events).Run(doc, store, options);
        events.EndProgress();
        Report(ctx, r.Backup, $"{r.Name} at {r.Destination}");
        foreach (var c in r.CleanedUp)
        {
            Console.Error.WriteLine($"mkcdrec: removed {c}, left behind by an interrupted run");
        }

        return options.Hooks.FailureError() is { } hookFailed ? throw hookFailed : 0;
    }

    /// <summary>The layout from FILE, or captured live now (and saved to the default layout path for `layout check`).</summary>
    /// <param name="destination">A local backup directory (its disk is left out of the capture); null for a destination off the machine.</param>
    internal static LayoutDocument LoadOrCapture(CliContext ctx, string? file, string? destination)
    {
        if (file is not null)
        {
            return LayoutWorkflows.Load(file);
        }

        var wf = new LayoutWorkflows(ctx.Runner, ctx.Files, ctx.Log, Environment.IsPrivilegedProcess, typeof(BackupCommands).Assembly.GetName().Version?.ToString(3) ?? "0");
        var disks = destination is null ? [] : BackupWorkflow.DisksToCapture(ctx.Files, destination);
        if (disks.Count > 0)
        {
            ctx.Log.Info($"mkbackuponly: the destination {destination} is on a disk of its own; capturing only {string.Join(", ", disks)}");
        }

        return wf.Save(disks, LayoutWorkflows.DefaultLayoutPath);
    }

    /// <param name="where">Where the backup went, when not its directory (a destination off the machine).</param>
    internal static void Report(CliContext ctx, BackupResult r, string? where = null)
    {
        var secs = r.Elapsed.TotalSeconds;
        if (ctx.Json)
        {
            var archives = r.Archives.Select(a =>
                new BackupArchiveOutput(a.FilesystemId, a.Root, a.EntryCount, a.Bytes, a.Volumes.Sum(v => v.Size), a.Volumes.Count, a.Notes.Count)).ToList();
            CliJson.WriteLine(new BackupOutput(where ?? r.Directory, where is null ? r.ManifestPath : Path.GetFileName(r.ManifestPath),
                    where is null ? r.LayoutPath : Path.GetFileName(r.LayoutPath), archives, r.NotBackedUp, r.Bytes, r.StoredBytes, secs),
                CliJsonContext.Default.BackupOutput);
            return;
        }

        foreach (var a in r.Archives)
        {
            Console.WriteLine($"  {a.FilesystemId}: {a.Root}: {a.EntryCount} entries, {Mib(a.Bytes)} MiB → {Mib(a.Volumes.Sum(v => v.Size))} MiB in {a.Volumes.Count} volume(s)" +
                (a.Notes.Count > 0 ? $", {a.Notes.Count} problem(s) noted" : ""));
        }

        foreach (var n in r.NotBackedUp)
        {
            Console.WriteLine("  not backed up: " + n);
        }

        Console.WriteLine($"Backed up {r.Archives.Count} archive(s), {r.Entries} entries, {Mib(r.Bytes)} MiB → {Mib(r.StoredBytes)} MiB in {secs:F1} s " +
            $"({Mib(r.Bytes) / Math.Max(secs, 1e-3):F0} MiB/s) into {where ?? r.Directory} (manifest {Path.GetFileName(r.ManifestPath)}, layout {Path.GetFileName(r.LayoutPath)}).");
    }

    private static double Mib(long b) => Math.Round(b / 1048576.0, 1);
}
