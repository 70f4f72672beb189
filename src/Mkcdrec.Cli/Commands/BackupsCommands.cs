using System.CommandLine;
using System.Globalization;
using Mkcdrec.Cli.Json;
using Mkcdrec.Core.Destinations;
using Mkcdrec.Core.Destinations.Routing;

namespace Mkcdrec.Cli.Commands;

/// <summary>`mkcdrec backups list|prune DEST`: the backups kept at a destination (HOST/TIME), with size, state and chain; retention by chains.</summary>
internal static class BackupsCommands
{
    public static Command Build()
    {
        var url = new Argument<string>("URL") { Description = "The destination: a directory, sftp://[user@]host[:port]/path, nfs://host/export/path or s3://bucket/prefix (options: docs/destinations.md)." };
        var host = new Option<string?>("--host") { Description = "Only the backups of this host.", HelpName = "NAME" };
        var secrets = ArchiveCommands.SecretsOption();
        var caFile = ReadingCredentials.CaFileOption();
        var list = new Command("list", "List the backups at a destination (HOST/TIME), with size and state: complete (its manifest is there) or incomplete.") { url, host, secrets, caFile };
        list.SetAction(int (ParseResult p) =>
        {
            using var ctx = CliContext.Create(p, "backups list");
            var credentials = ReadingCredentials.For(p.GetValue(secrets), caFile: p.GetValue(caFile));
            using var store = BackupStores.Open(DestinationUrl.Parse(p.GetValue(url)!), ctx.Log.Warn, ctx.Runner, ctx.Processes, credentials);
            var backups = BackupChains.Read(store, p.GetValue(host));
            if (ctx.Json)
            {
                CliJson.WriteLine(new BackupsListOutput(store.Display, [.. backups.Select(c => new StoredBackupOutput(
                    c.Name, c.Backup.Host, c.Backup.Time, c.Backup.Complete, c.Backup.Bytes, c.Backup.Files, c.Backup.LastWritten, c.Level, c.Parent, c.Full, c.Broken))]),
                    CliJsonContext.Default.BackupsListOutput);
                return 0;
            }

            Console.WriteLine($"{backups.Count} backup(s) at {store.Display}");
            foreach (var c in backups)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  {c.Name,-40} {c.Backup.Bytes / 1048576.0,10:0.0} MiB  {c.Backup.Files,4} file(s)  {c.Describe()}"));
            }

            return 0;
        });
        return new Command("backups", "The backups kept at a destination: a directory, SFTP, NFS or S3.") { list, Prune(url, host, secrets, caFile) };
    }

    private static Command Prune(Argument<string> url, Option<string?> host, Option<string?> secrets, Option<string?> caFile)
    {
        var keepFull = new Option<int>("--keep-full") { Description = "Keep the newest N full backups of each host with their increments; older chains go whole.", HelpName = "N", Required = true };
        var dryRun = new Option<bool>("--dry-run") { Description = "Print what would be deleted, delete nothing." };
        var prune = new Command("prune", "Delete older backup chains at a destination: a full backup and its increments go together; the newest chain always stays.")
        {
            url, host, secrets, caFile, keepFull, dryRun,
        };
        prune.SetAction(int (ParseResult p) =>
        {
            using var ctx = CliContext.Create(p, "backups prune");
            using var store = BackupStores.Open(DestinationUrl.Parse(p.GetValue(url)!), ctx.Log.Warn, ctx.Runner, ctx.Processes, ReadingCredentials.For(p.GetValue(secrets), caFile: p.GetValue(caFile)));
            var plan = BackupPruner.Plan(BackupChains.Read(store, p.GetValue(host)), p.GetValue(keepFull));
            var dry = p.GetValue(dryRun);
            var say = ctx.Json ? ctx.Log.Info : (Action<string>)(line => { ctx.Log.Info(line); Console.WriteLine(line); });
            if (dry)
            {
                plan.Delete.ToList().ForEach(d => say($"would delete {d.Backup.Name} ({d.Backup.Backup.Bytes / 1048576.0:0.0} MiB): {d.Why}"));
            }
            else
            {
                BackupPruner.Apply(store, plan, say);
            }

            if (ctx.Json)
            {
                CliJson.WriteLine(new PruneOutput(store.Display, p.GetValue(keepFull), dry, [.. plan.Keep.Select(k => k.Name)],
                    [.. plan.Delete.Select(d => new PrunedBackupOutput(d.Backup.Name, d.Backup.Backup.Bytes, d.Why))]), CliJsonContext.Default.PruneOutput);
            }
            else
            {
                Console.WriteLine($"{(dry ? "Would delete" : "Deleted")} {plan.Delete.Count} backup(s) at {store.Display}; {plan.Keep.Count} kept.");
            }

            return 0;
        });
        return prune;
    }
}
