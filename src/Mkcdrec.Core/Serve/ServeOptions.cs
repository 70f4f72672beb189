namespace Mkcdrec.Core.Serve;

/// <summary>What <c>mkcdrec serve</c> was asked to serve, and where. Docs: docs/serve.md.</summary>
public sealed class ServeOptions
{
    /// <summary>One backup (manifest.json in it) for every client, or a directory of named backups (HOST/TIME) where
    /// each client of the hosts file gets its host's newest complete one.</summary>
    public required string BackupDir { get; init; }

    /// <summary>The output of <c>mkrescue --format netboot</c>: vmlinuz and initrd.img.</summary>
    public required string NetbootDir { get; init; }

    public required string Interface { get; init; }

    public string? HostsFile { get; init; }

    public int Port { get; init; } = 8080;

    public DhcpMode Dhcp { get; init; } = DhcpMode.Pool;

    /// <summary>FIRST,LAST of the DHCP pool; null: host numbers 100–199 of the interface's subnet.</summary>
    public string? DhcpRange { get; init; }

    public int TimeoutSeconds { get; init; } = 5;

    public string ExtraKernelArguments { get; init; } = "";

    /// <summary>--drill: every automatic recovery also checks the recovered system on its first boot (every file against
    /// the manifest, its identity) on its serial console, then powers it off. For rehearsals on spare machines.</summary>
    public bool Drill { get; init; }

    /// <summary>Verify each served backup before serving (every chunk of every volume read once).</summary>
    public bool Verify { get; init; } = true;

    /// <summary>Where the PXE tree, dnsmasq's configuration, log and leases go while serve runs; removed when it stops.</summary>
    public string RunDirectory { get; init; } = "/run/mkcdrec/serve";
}
