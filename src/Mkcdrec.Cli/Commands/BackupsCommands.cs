using System.CommandLine;
using System.Globalization;
using Mkcdrec.Cli.Json;
using Mkcdrec.Core.Destinations;
using Mkcdrec.Core.Destinations.Routing;

namespace Mkcdrec.Cli.Commands;

/// <summary>`mkcdrec backups list DEST`: the backups kept at a destination (HOST/TIME), with size and state.</summary>
internal static class BackupsCommands
{
    public static Command Build()
    {
        var url = new Argument<string>("URL") { Description = "The destination: a directory, sftp://[user@]host[:port]/path, nfs://host/export/path or s3://bucket/prefix (options: docs/destinations.md)." };
        var host = new Option<string?>("--host") { Description = "Only the backups of this host.", HelpName = "NAME" };
        var secrets = ArchiveCommands.SecretsOption();
        var list = new Command("list", "List the backups at a destination (HOST/TIME), with size and state: complete (its manifest is there) or incomplete.") { url, host, secrets };
        list.SetAction(int (ParseResult p) =>
        {
            using var ctx = CliContext.Create(p, "backups list");
            var credentials = ReadingCredentials.For(p.GetValue(secrets));
            using var store = BackupStores.Open(DestinationUrl.Parse(p.GetValue(url)!), ctx.Log.Warn, ctx.Runner, ctx.Processes, credentials);
            var backups = BackupCatalog.List(store, p.GetValue(host));
            if (ctx.Json)
            {
                CliJson.WriteLine(new BackupsListOutput(store.Display, [.. backups.Select(b =>
                    new StoredBackupOutput(b.Name, b.Host, b.Time, b.Complete, b.Bytes, b.Files, b.LastWritten))]), CliJsonContext.Default.BackupsListOutput);
                return 0;
            }

            Console.WriteLine($"{backups.Count} backup(s) at {store.Display}");
            foreach (var b in backups)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  {b.Name,-40} {b.Bytes / 1048576.0,10:0.0} MiB  {b.Files,4} file(s)  {(b.Complete ? "complete" : "INCOMPLETE (no manifest: an interrupted or running backup)")}"));
            }

            return 0;
        });
        return new Command("backups", "The backups kept at a destination: a directory, SFTP, NFS or S3.") { list };
    }
}
