using System.CommandLine;
using System.Runtime.InteropServices;
using Mkcdrec.Cli.Json;
using Mkcdrec.Core;
using Mkcdrec.Core.Serve;

namespace Mkcdrec.Cli.Commands;

/// <summary>`mkcdrec serve`: PXE (DHCP and TFTP by dnsmasq) and HTTP for the netboot rescue system and the backups of a segment's clients. Docs: docs/serve.md.</summary>
internal static class ServeCommands
{
    public static Command Build()
    {
        var backup = new Option<string>("--backup") { Description = "A backup (manifest.json in it) for every client, or a directory of named backups (HOST/TIME): each client of --hosts gets its host's newest.", HelpName = "DIR", Required = true };
        var netboot = new Option<string?>("--netboot") { Description = "The netboot rescue system: the output directory of mkrescue --format netboot (vmlinuz, initrd.img).", HelpName = "DIR" };
        var ifc = new Option<string>("--interface") { Description = "The network interface of the clients' segment: DHCP, TFTP and HTTP answer there only.", HelpName = "IF", Required = true };
        var hosts = new Option<string?>("--hosts") { Description = "Clients by MAC: 'MAC HOSTNAME recover|clone[:HOST]|menu|local' per line. A client not listed gets the rescue menu, never a recovery.", HelpName = "FILE" };
        var port = new Option<int>("--port") { Description = "HTTP port for kernel, initramfs and backups (default 8080).", HelpName = "N", DefaultValueFactory = _ => 8080 };
        var proxy = new Option<bool>("--proxy-dhcp") { Description = "The segment has a DHCP server: give addresses no one, answer PXE clients only (proxy-DHCP)." };
        var noDhcp = new Option<bool>("--no-dhcp") { Description = "No DHCP at all: the site's DHCP server points clients here (see --print-dhcp-config)." };
        var range = new Option<string?>("--dhcp-range") { Description = "The DHCP pool FIRST,LAST (default: host numbers 100-199 of the interface's subnet).", HelpName = "FIRST,LAST" };
        var noVerify = new Option<bool>("--no-verify") { Description = "Serve without verifying each backup first (verification reads every volume once)." };
        var print = new Option<bool>("--print-dhcp-config") { Description = "Print what a site's own DHCP server (dnsmasq, ISC Kea) needs to send clients here, and exit." };
        var drill = new Option<bool>("--drill") { Description = "Rehearsal on spare machines: each automatic recovery also checks the recovered system on its first boot (every file against the manifest, its host name, machine-id and SSH host keys) on its serial console, then powers it off." };
        var append = new Option<string?>("--append") { Description = "More kernel arguments for every rescue system served (e.g. a console: console=ttyS1,115200).", HelpName = "ARGS" };
        var timeout = MediaCommands.Timeout();
        var runDir = new Option<string>("--run-dir") { Description = "Where the PXE tree and dnsmasq's files live while serve runs (default /run/mkcdrec/serve).", HelpName = "DIR", DefaultValueFactory = _ => "/run/mkcdrec/serve" };
        var cmd = new Command("serve", "Serve the netboot rescue system and backups to a network segment (PXE for BIOS and UEFI, HTTP): clients of the hosts file recover unattended.")
        {
            backup, netboot, ifc, hosts, port, proxy, noDhcp, range, noVerify, print, drill, append, timeout, runDir,
        };
        cmd.SetAction(int (ParseResult p) =>
        {
            using var ctx = CliContext.Create(p, "serve");
            if (p.GetValue(print))
            {
                Console.Write(DnsmasqConfig.ForOwnServer(ServeInterface.Find(ctx.Runner, p.GetValue(ifc)!)));
                return 0;
            }

            if (!Environment.IsPrivilegedProcess)
            {
                // Found before anything starts: dnsmasq would only stop, unable to bind ports 67 and 69.
                throw MkcdrecException.NeedsRoot("'mkcdrec serve' (DHCP and TFTP on ports 67 and 69, through dnsmasq)");
            }

            if (p.GetValue(proxy) && p.GetValue(noDhcp))
            {
                throw new MkcdrecException(ExitCode.Usage, "--proxy-dhcp and --no-dhcp contradict each other.", "Give one: --proxy-dhcp beside the site's DHCP server, --no-dhcp when that server points clients here.");
            }

            var options = new ServeOptions
            {
                BackupDir = p.GetValue(backup)!,
                NetbootDir = p.GetValue(netboot) ?? throw new MkcdrecException(ExitCode.Usage, "serve needs --netboot DIR.", "Make it with: mkcdrec mkrescue --format netboot --output DIR"),
                Interface = p.GetValue(ifc)!,
                HostsFile = p.GetValue(hosts),
                Port = p.GetValue(port),
                Dhcp = p.GetValue(proxy) ? DhcpMode.Proxy : p.GetValue(noDhcp) ? DhcpMode.None : DhcpMode.Pool,
                DhcpRange = p.GetValue(range),
                Verify = !p.GetValue(noVerify),
                TimeoutSeconds = p.GetValue(timeout),
                Drill = p.GetValue(drill),
                ExtraKernelArguments = p.GetValue(append) ?? "",
                RunDirectory = p.GetValue(runDir)!,
            };
            var plan = ServePlan.Make(options, ctx.Runner, ctx.FileSystem, ctx.Log);
            SayPlan(ctx, plan);
            using var stop = new CancellationTokenSource();
            using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.Cancel(); });
            using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Cancel(); });
            var clients = new ServeWorkflow(ctx.Runner, ctx.Processes, ctx.Log).Run(plan, e => Changed(ctx, e), stop.Token);
            Say(ctx, $"serve stopped; {clients.Count} client(s) served:");
            foreach (var c in clients.OrderBy(c => c.Hostname ?? "~" + c.Mac, StringComparer.Ordinal))
            {
                Say(ctx, "  " + ServeStatus.Describe(c));
            }
            return 0;
        });
        return cmd;
    }

    /// <summary>What serve is about to serve, to whom, before it starts.</summary>
    private static void SayPlan(CliContext ctx, ServePlan plan)
    {
        Say(ctx, $"Serving on {plan.Interface.Name} ({plan.Interface.Address}): " + plan.Options.Dhcp switch
        {
            DhcpMode.Pool => $"DHCP {plan.Pool.First}-{plan.Pool.Last}, ",
            DhcpMode.Proxy => "proxy-DHCP, ",
            _ => "no DHCP, ",
        } + $"TFTP, HTTP on port {plan.Options.Port}; {plan.Backups.Count} backup(s), {plan.Hosts.Count} client(s) in the hosts file.");
        foreach (var c in plan.Clients)
        {
            var what = c.Host.Action switch
            {
                ServeAction.Recover => "unattended recovery",
                ServeAction.Clone => "unattended clone (new machine-id and SSH host keys)",
                ServeAction.Local => "its own disk (the rescue menu second)",
                _ => "rescue menu",
            };
            Say(ctx, $"  {c.Host.Mac} {c.Host.Hostname}: {what}" + (c.BackupUrl is { } b ? " of " + plan.UrlOf(b) : ", no backup"));
        }

        if (plan.Options.Drill)
        {
            Say(ctx, "Drill: each automatic recovery checks its recovered system on the first boot (serial console) and powers it off.");
        }

        Say(ctx, "Other clients: the rescue menu" + (plan.DefaultBackupPath is { } d ? " with " + plan.UrlOf(d) : "") + ". Stop with Ctrl-C.");
    }

    private static void Say(CliContext ctx, string line)
    {
        ctx.Log.Info(line);
        ctx.Human.WriteLine(line);
    }

    private static void Changed(CliContext ctx, ServeClientEvent e)
    {
        ctx.Log.Info("serve: " + ServeStatus.Describe(e));
        if (ctx.Json)
        {
            CliJson.WriteLine(new ServeClientOutput(e.Mac, e.Hostname, e.Address, e.Phase, e.HttpBytes, e.Error), CliJsonContext.Default.ServeClientOutput);
        }
        else
        {
            Console.WriteLine($"[{DateTime.Now:HH:mm:ss}] " + ServeStatus.Describe(e));
        }
    }
}
