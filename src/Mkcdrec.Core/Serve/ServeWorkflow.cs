using System.Globalization;
using Mkcdrec.Core.Platform;

namespace Mkcdrec.Core.Serve;

/// <summary>
/// Runs serve until it is stopped: stages the PXE tree (grub-mknetdir's GRUB for BIOS and UEFI and serve's grub.cfg),
/// serves kernel, initramfs and backups over HTTP, starts dnsmasq for DHCP and TFTP on the one interface, and turns
/// dnsmasq's log and the HTTP requests into the status view. Everything it started stops, and its run directory goes,
/// whichever way it ends.
/// </summary>
public sealed class ServeWorkflow(IProcessRunner run, IPipedProcessStarter starter, ILog log)
{
    /// <returns>Each client seen, as it was last: its phase and every byte serve sent it over HTTP.</returns>
    public IReadOnlyCollection<ServeClientEvent> Run(ServePlan plan, Action<ServeClientEvent> changed, CancellationToken stop)
    {
        var o = plan.Options;
        var runDir = Path.GetFullPath(o.RunDirectory);
        if (Directory.Exists(runDir) && File.Exists(Path.Combine(runDir, "dnsmasq.pid")) && IsRunning(Path.Combine(runDir, "dnsmasq.pid")))
        {
            throw new MkcdrecException(ExitCode.Refused, $"Another mkcdrec serve runs with {runDir} (its dnsmasq is alive).", "Stop it first, or give --run-dir another directory.");
        }

        if (Directory.Exists(runDir))
        {
            Directory.Delete(runDir, recursive: true);
        }

        Directory.CreateDirectory(runDir);
        try
        {
            var tftp = StagePxeTree(plan, runDir);
            var status = new ServeStatus(plan.Hosts, changed);
            using var http = new ServeHttpServer(plan.Interface.Address.ToString(), o.Port, o.NetbootDir, o.BackupDir, status.Served, status.Reported);
            var conf = Path.Combine(runDir, "dnsmasq.conf");
            File.WriteAllText(conf, DnsmasqConfig.Build(plan.Interface, o.Dhcp, plan.Pool, tftp, runDir));
            var logFile = Path.Combine(runDir, "dnsmasq.log");
            var pidFile = Path.Combine(runDir, "dnsmasq.pid");
            // In a session of its own (setsid): Ctrl-C on serve's terminal reaches serve, which stops dnsmasq itself.
            using var dnsmasq = starter.Start(new ProcessRequest("setsid",
                ["dnsmasq", "--keep-in-foreground", "--conf-file=" + conf, "--log-facility=" + logFile, "--pid-file=" + pidFile]));
            try
            {
                Watch(dnsmasq, logFile, status, plan, stop);
                return status.Clients;
            }
            finally
            {
                if (File.Exists(pidFile))
                {
                    run.Run("kill", File.ReadAllText(pidFile).Trim());
                }
            }
        }
        finally
        {
            Directory.Delete(runDir, recursive: true);
        }
    }

    /// <summary>grub-mknetdir's netboot GRUB (core.0 for BIOS, core.efi for UEFI) and serve's grub.cfg, the TFTP root.</summary>
    private string StagePxeTree(ServePlan plan, string runDir)
    {
        var tftp = Path.Combine(runDir, "tftp");
        var made = run.Run(new ProcessRequest("grub-mknetdir", ["--net-directory=" + tftp, "--subdir=boot/grub"]));
        foreach (var bootFile in new[] { DnsmasqConfig.BiosBootFile, DnsmasqConfig.UefiBootFile })
        {
            if (made.ExitCode != 0 || !File.Exists(Path.Combine(tftp, bootFile)))
            {
                throw new MkcdrecException(ExitCode.Environment, $"grub-mknetdir did not make {bootFile}: {made.StandardError.Trim()}",
                    "Install GRUB's netboot images for BIOS and UEFI: apt-get install grub-pc-bin grub-efi-amd64-bin");
            }
        }

        var urls = plan.Clients.Select(c => c with { BackupUrl = c.BackupUrl is { } p ? plan.UrlOf(p) : null }).ToList();
        var defaultUrl = plan.DefaultBackupPath is { } d ? plan.UrlOf(d) : null;
        File.WriteAllText(Path.Combine(tftp, "boot", "grub", "grub.cfg"),
            ServeGrubConfig.Build(plan.HttpServer, urls, defaultUrl, plan.Options.TimeoutSeconds, plan.Options.ExtraKernelArguments));
        log.Info($"serve: PXE tree in {tftp}: {DnsmasqConfig.BiosBootFile}, {DnsmasqConfig.UefiBootFile}, boot/grub/grub.cfg ({plan.Clients.Count} client(s) of the hosts file)");
        return tftp;
    }

    /// <summary>Follows dnsmasq's log into ours and the status view until stopped; dnsmasq ending by itself is an error.</summary>
    private void Watch(IPipedProcess dnsmasq, string logFile, ServeStatus status, ServePlan plan, CancellationToken stop)
    {
        long offset = 0;
        var started = false;
        while (true)
        {
            if (File.Exists(logFile))
            {
                using var f = new FileStream(logFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
                f.Position = offset;
                using var reader = new StreamReader(f);
                while (reader.ReadLine() is { } line)
                {
                    log.Info("dnsmasq: " + line);
                    status.DnsmasqLine(line);
                    started |= line.Contains("started, version", StringComparison.Ordinal);
                }

                offset = f.Position;
            }

            var ended = dnsmasq.WaitForExit(TimeSpan.FromMilliseconds(started ? 500 : 100));
            if (ended && !stop.IsCancellationRequested)
            {
                throw new MkcdrecException(ExitCode.CommandFailed, $"dnsmasq stopped: {dnsmasq.StandardError.Trim()}",
                    $"Is another DHCP or TFTP server running on {plan.Interface.Name}? Its log: {logFile}");
            }

            if (stop.IsCancellationRequested)
            {
                log.Info(string.Create(CultureInfo.InvariantCulture, $"serve: stopping; {status.Clients.Count} client(s) seen"));
                return;
            }
        }
    }

    private bool IsRunning(string pidFile) =>
        int.TryParse(File.ReadAllText(pidFile).Trim(), out var pid) && run.Run("kill", "-0", pid.ToString(CultureInfo.InvariantCulture)).ExitCode == 0;
}
