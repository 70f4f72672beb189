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
        var dest = new Option<string>("--dest")
        {
            Description = $"Where the backup goes: a directory (default {DefaultDestination}), or sftp://[user@]host/path, nfs://host/export/path, "
                          + "s3://bucket/prefix?endpoint=URL (a new backup HOST/TIME there each run; docs/destinations.md).",
            HelpName = "DIR|URL",
            DefaultValueFactory = _ => DefaultDestination,
        };
        var layout = new Option<string?>("--layout") { Description = "Back up the filesystems of this layout file instead of capturing the layout now.", HelpName = "FILE" };
        var compress = new Option<string>("--compress") { Description = "zstd (default, multi-threaded), gzip or none.", HelpName = "ALG", DefaultValueFactory = _ => "zstd" };
        var level = new Option<int?>("--level") { Description = "Compression level (zstd 1-19, default 3; gzip 1-9, default 6).", HelpName = "N" };
        var threads = new Option<int>("--threads") { Description = "zstd worker threads (default: one per processor).", HelpName = "N" };
        var encrypt = new Option<bool>("--encrypt") { Description = "Encrypt every archive (openssl enc -aes-256-cbc -pbkdf2 compatible); needs --passphrase-file." };
        var pass = new Option<string?>("--passphrase-file") { Description = "Read the passphrase from the first line of FILE ('-' asks on the terminal). Never stored.", HelpName = "FILE" };
        var vsize = new Option<string?>("--volume-size") { Description = "Split archives into volumes: cd, dvd, dvd-dl, bd, bd-dl or bytes (K/M/G suffix).", HelpName = "SIZE" };
        var exclude = new Option<string[]>("--exclude")
        {
            Description = "Exclude PAT (repeatable): '/abs/path' excludes that path of the live system; a pattern without a leading '/' applies inside every filesystem.",
            HelpName = "PAT",
        };
        var noDefaults = new Option<bool>("--no-default-excludes") { Description = "Do not apply the default excludes (tmp/*, var/tmp/*, caches...)." };
        var cmd = new Command("mkbackuponly", "Back up every mounted filesystem of the layout (one archive each, btrfs: one per subvolume), without a rescue medium.")
        {
            dest, layout, compress, level, threads, encrypt, pass, vsize, exclude, noDefaults,
        };
        cmd.SetAction(int (ParseResult p) =>
        {
            using var ctx = CliContext.Create(p, "mkbackuponly");
            if (!Environment.IsPrivilegedProcess)
            {
                throw MkcdrecException.NeedsRoot("'mkcdrec mkbackuponly'");
            }

            var wantEncrypt = p.GetValue(encrypt);
            if (wantEncrypt && p.GetValue(pass) is null)
            {
                throw new MkcdrecException(ExitCode.Usage, "--encrypt needs --passphrase-file.", "Give --passphrase-file FILE, or '-' to type the passphrase.");
            }

            var options = new BackupOptions
            {
                Compression = ArchivePipeline.Parse(p.GetValue(compress)!),
                Level = p.GetValue(level),
                Threads = p.GetValue(threads),
                Passphrase = wantEncrypt ? ArchiveCommands.ReadPassphrase(p.GetValue(pass)!, confirm: true) : null,
                VolumeSize = p.GetValue(vsize) is { } vs ? VolumeSizes.Parse(vs) : 0,
                Excludes = p.GetValue(exclude) ?? [],
                DefaultExcludes = !p.GetValue(noDefaults),
            };
            var destination = p.GetValue(dest)!;
            if (destination.Contains("://", StringComparison.Ordinal) && !destination.StartsWith("file://", StringComparison.OrdinalIgnoreCase))
            {
                return ToStore(ctx, DestinationUrl.Parse(destination), p.GetValue(layout), options);
            }

            destination = destination.StartsWith("file://", StringComparison.OrdinalIgnoreCase) ? DestinationUrl.Parse(destination).Path : destination;
            Directory.CreateDirectory(destination);
            var doc = LoadOrCapture(ctx, p.GetValue(layout), destination);
            var events = new ArchiveCommands.CliEvents(ctx);
            var r = new BackupWorkflow(ctx.Runner, ctx.FileSystem, ctx.Log, events).Run(doc, destination, options);
            events.EndProgress();
            Report(ctx, r);
            return 0;
        });
        return cmd;
    }

    /// <summary>A backup to a destination off the machine: a new backup named HOST/TIME there, the volumes streamed as they are made.</summary>
    private static int ToStore(CliContext ctx, DestinationUrl url, string? layoutFile, BackupOptions options)
    {
        using var store = BackupStores.Open(url, ctx.Log.Warn, ctx.Runner, ctx.Processes);
        var doc = LoadOrCapture(ctx, layoutFile, null);
        var events = new ArchiveCommands.CliEvents(ctx);
        var r = new StoreBackupWorkflow(ctx.Runner, ctx.FileSystem, ctx.Log, events).Run(doc, store, options);
        events.EndProgress();
        Report(ctx, r.Backup, $"{r.Name} at {r.Destination}");
        foreach (var c in r.CleanedUp)
        {
            Console.Error.WriteLine($"mkcdrec: removed {c}, left behind by an interrupted run");
        }

        return 0;
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
