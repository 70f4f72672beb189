namespace Mkcdrec.Core.Destinations.Nfs;

/// <summary>What mount.nfs says, turned into what the admin should do.</summary>
public static class NfsErrors
{
    public static MkcdrecException MountFailed(DestinationUrl url, string source, string said)
    {
        var (what, hint) = said switch
        {
            _ when Has(said, "access denied") || Has(said, "Permission denied") =>
                ("the server refuses this machine", $"Export {url.Path} to this machine's address on the server (/etc/exports or the Ganesha EXPORT's clients), read-write and without root squash for backups."),
            _ when Has(said, "No such file or directory") =>
                ("the server exports no such directory", $"Check the path with 'showmount -e {url.Host}' (NFSv3) or create the directory in the export."),
            _ when Has(said, "Connection refused") || Has(said, "No route to host") || Has(said, "timed out") || Has(said, "Network is unreachable") =>
                ("the server does not answer", $"Check that {url.Host} runs an NFS server and that the network and firewall let this machine reach it (TCP 2049; 111 and mountd for NFSv3)."),
            _ when Has(said, "requested NFS version or transport protocol is not supported") || Has(said, "Protocol not supported") =>
                ("the server does not speak the NFS version asked for", "Give ?vers=3 or ?vers=4 as the server offers, or leave vers out to negotiate."),
            _ when Has(said, "unknown filesystem type") || Has(said, "wrong fs type") =>
                ("this kernel has no NFS client", "Load it (modprobe nfs) or install the kernel's modules package."),
            _ => ("mount.nfs failed", "Read mount.nfs's message above; the full command is in the log."),
        };
        return new MkcdrecException(ExitCode.BadInput, $"Cannot mount {source} for {url}: {what}." + (said.Length > 0 ? "\n" + said : ""), hint);
    }

    private static bool Has(string s, string part) => s.Contains(part, StringComparison.OrdinalIgnoreCase);
}
