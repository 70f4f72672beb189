using System.Net;
using Mkcdrec.Core.Archive;
using Mkcdrec.Core.Destinations;
using Mkcdrec.Core.Destinations.Local;
using Mkcdrec.Core.Platform;
using Mkcdrec.Model.Manifest;

namespace Mkcdrec.Core.Serve;

/// <summary>Everything serve checked before it serves a byte: the interface, the pool, each client's backup.</summary>
public sealed record ServePlan(ServeOptions Options, ServeInterface Interface, (string First, string Last) Pool, IReadOnlyList<ServeHost> Hosts,
    IReadOnlyList<ServeClientBoot> Clients, string? DefaultBackupPath, IReadOnlyList<string> Backups)
{
    public string HttpServer => $"{Interface.Address}:{Options.Port}";

    /// <summary>The URL a client's rescue system fetches a served backup from (a path under /backup/).</summary>
    public string UrlOf(string backupPath) => $"http://{HttpServer}/backup{(backupPath.Length == 0 ? "" : "/" + backupPath)}";

    /// <summary>
    /// Checks all of serve's input and refuses before anything is served: the interface (exists, has IPv4), the hosts
    /// file, the netboot files, each backup (one for all, or each listed host's newest in a directory of named backups),
    /// verified unless told not to.
    /// </summary>
    public static ServePlan Make(ServeOptions o, IProcessRunner run, IFileSystemAccess fs, ILog log)
    {
        var ifc = ServeInterface.Find(run, o.Interface);
        var pool = o.Dhcp == DhcpMode.Pool ? PoolOf(ifc, o.DhcpRange) : ("", "");
        var hosts = o.HostsFile is null ? [] : ServeHostsFile.Read(o.HostsFile);
        foreach (var f in new[] { "vmlinuz", "initrd.img" })
        {
            if (!File.Exists(Path.Combine(o.NetbootDir, f)))
            {
                throw new MkcdrecException(ExitCode.Usage, $"{Path.Combine(o.NetbootDir, f)} is missing: --netboot names the output of mkrescue --format netboot.",
                    $"Make it with: mkcdrec mkrescue --format netboot --output {o.NetbootDir}");
            }
        }

        if (!Directory.Exists(o.BackupDir))
        {
            throw new MkcdrecException(ExitCode.Usage, $"The backup directory {o.BackupDir} does not exist.", "Give --backup a backup (manifest.json in it) or a directory of named backups (HOST/TIME).");
        }

        string? single = File.Exists(Path.Combine(o.BackupDir, BackupFiles.Manifest)) ? "" : null;
        var clients = new List<ServeClientBoot>();
        var backups = new List<string>();
        if (single is not null)
        {
            backups.Add("");
        }

        var store = single is null ? DirectoryBackupStore.Open(o.BackupDir) : null;
        foreach (var h in hosts)
        {
            if (store is not null && h.Action == ServeAction.Clone && h.From is null)
            {
                throw new MkcdrecException(ExitCode.Usage, $"{o.HostsFile}:{h.Line}: clone without the host to clone, in a directory of named backups.",
                    $"Write clone:HOST (e.g. {h.Mac} {h.Hostname} clone:web1), or serve one backup with --backup.");
            }

            var source = h.Action == ServeAction.Clone ? h.From! : h.Hostname;
            var path = single ?? BackupCatalog.Latest(store!, source)?.Name;
            if (path is null && h.Action is ServeAction.Recover or ServeAction.Clone)
            {
                throw new MkcdrecException(ExitCode.BadInput, $"There is no complete backup of '{source}' in {o.BackupDir} (hosts file line {h.Line}).",
                    $"List what is there with: mkcdrec backups list {o.BackupDir}; or give that client the action menu.");
            }

            clients.Add(new ServeClientBoot(h, path));
            if (path is not null && !backups.Contains(path))
            {
                backups.Add(path);
            }
        }

        if (o.Verify)
        {
            foreach (var b in backups)
            {
                Verify(Path.Combine(o.BackupDir, b), fs, log);
            }
        }

        return new ServePlan(o, ifc, pool, hosts, clients, single, backups);
    }

    private static void Verify(string dir, IFileSystemAccess fs, ILog log)
    {
        try
        {
            var report = new ArchiveVerifier(fs).VerifyChain(ArchiveSource.Open(dir), passphrase: null);
            log.Info($"serve: verified {dir}: {string.Join("; ", report.Checked)}" + (report.Skipped.Count > 0 ? $"; not checked: {string.Join("; ", report.Skipped)}" : ""));
        }
        catch (Exception e) when (e is InvalidDataException or IOException or MkcdrecException)
        {
            throw new MkcdrecException(ExitCode.BadInput, $"The backup {dir} fails verification: {e.Message}", "Serve a good backup (mkcdrec verify DIR says which); nothing was served.", e);
        }
    }

    private static (string, string) PoolOf(ServeInterface ifc, string? range)
    {
        if (range is null)
        {
            var (a, b) = ifc.DefaultPool();
            return (a.ToString(), b.ToString());
        }

        var parts = range.Split(',');
        if (parts.Length != 2 || !parts.All(p => IPAddress.TryParse(p, out var ip) && ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork))
        {
            throw new MkcdrecException(ExitCode.Usage, $"--dhcp-range '{range}' is not FIRST,LAST.", "Give two IPv4 addresses of the interface's subnet, e.g. 192.168.50.100,192.168.50.199.");
        }

        ifc.CheckPool(IPAddress.Parse(parts[0]), IPAddress.Parse(parts[1]), range);
        return (parts[0], parts[1]);
    }
}
