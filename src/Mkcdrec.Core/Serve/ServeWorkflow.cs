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

        RefuseUnreachable(runDir);
        if (Directory.Exists(runDir))
        {
            Directory.Delete(runDir, recursive: true);
        }

        // 0755 for every directory made on the way (/run/mkcdrec too): dnsmasq's unprivileged user must get through.
        _ = OperatingSystem.IsWindows() ? Directory.CreateDirectory(runDir) : Directory.CreateDirectory(runDir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
            | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        try
        {
            var tftp = StagePxeTree(plan, runDir);
            var recovered = new HashSet<string>(StringComparer.Ordinal);
            var status = new ServeStatus(plan.Hosts, changed, mac =>
            {
                lock (recovered)
                {
                    if (recovered.Add(mac))
                    {
                        WriteGrubConfig(plan, tftp, recovered);
                        log.Info($"serve: {mac} recovered; its boot menu now starts its own disk by default");
                    }
                }
            });
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

        WriteGrubConfig(plan, tftp, new HashSet<string>());
        OpenToDnsmasq(tftp);
        log.Info($"serve: PXE tree in {tftp}: {DnsmasqConfig.BiosBootFile}, {DnsmasqConfig.UefiBootFile}, boot/grub/grub.cfg ({plan.Clients.Count} client(s) of the hosts file)");
        return tftp;
    }

    /// <summary>
    /// dnsmasq drops root for an unprivileged user (nobody) before it serves TFTP: a run directory below a directory others
    /// cannot enter (a 0700 temporary directory) would fail every client at its boot loader, with only a warning in
    /// dnsmasq's log. Refused here instead, naming the directory.
    /// </summary>
    public static void RefuseUnreachable(string runDir)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        for (var d = Path.GetDirectoryName(runDir); !string.IsNullOrEmpty(d); d = Path.GetDirectoryName(d))
        {
            if (Directory.Exists(d) && (File.GetUnixFileMode(d) & UnixFileMode.OtherExecute) == 0)
            {
                throw new MkcdrecException(ExitCode.Usage, $"The run directory {runDir} is inside {d}, which other users cannot enter (mode {Convert.ToString((int)File.GetUnixFileMode(d), 8)}): dnsmasq serves TFTP as an unprivileged user and could not read the boot loader.",
                    "Give --run-dir a directory under one every user can enter (the default /run/mkcdrec/serve is), or chmod o+x " + d + ".");
            }
        }
    }

    /// <summary>Every file of the PXE tree readable by dnsmasq's unprivileged user, whatever the umask.</summary>
    private static void OpenToDnsmasq(string tftp)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        const UnixFileMode read = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
        const UnixFileMode enter = read | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
        File.SetUnixFileMode(Path.GetDirectoryName(tftp)!, enter);
        File.SetUnixFileMode(tftp, enter);
        foreach (var d in Directory.EnumerateDirectories(tftp, "*", SearchOption.AllDirectories))
        {
            File.SetUnixFileMode(d, enter);
        }

        foreach (var f in Directory.EnumerateFiles(tftp, "*", SearchOption.AllDirectories))
        {
            File.SetUnixFileMode(f, read);
        }
    }

    /// <summary>serve's grub.cfg, replaced whole (a client fetching it meanwhile gets the old or the new one).</summary>
    private static void WriteGrubConfig(ServePlan plan, string tftp, IReadOnlySet<string> recovered)
    {
        var urls = plan.Clients.Select(c => c with { BackupUrl = c.BackupUrl is { } p ? plan.UrlOf(p) : null }).ToList();
        var defaultUrl = plan.DefaultBackupPath is { } d ? plan.UrlOf(d) : null;
        var o = plan.Options;
        var cfg = Path.Combine(tftp, "boot", "grub", "grub.cfg");
        File.WriteAllText(cfg + ".new", ServeGrubConfig.Build(plan.HttpServer, urls, defaultUrl, o.TimeoutSeconds, o.ExtraKernelArguments, recovered, o.Drill));
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(cfg + ".new", UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        }

        File.Move(cfg + ".new", cfg, overwrite: true);
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
