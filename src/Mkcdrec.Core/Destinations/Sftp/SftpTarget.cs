namespace Mkcdrec.Core.Destinations.Sftp;

/// <summary>
/// Where an sftp:// destination is and how ssh reaches it: [user@]host[:port], the directory, and optionally an ssh
/// configuration file (?config=FILE: ssh -F) and key (?identity=FILE: ssh -i) for backups of their own, and what a
/// secrets directory gives (<see cref="DestinationCredentials"/>: its known_hosts, config and keys).
/// </summary>
public sealed record SftpTarget(string Host, string? User, int? Port, string Directory, string? ConfigFile, string? IdentityFile)
{
    /// <summary>Only these host keys are accepted (the secrets directory's known_hosts); null: ssh's own files.</summary>
    public string? KnownHostsFile { get; init; }

    /// <summary>Private keys to offer besides ssh's own (copied to private files by <see cref="SftpSession.Connect"/>).</summary>
    public IReadOnlyList<string> ExtraIdentities { get; init; } = [];

    /// <summary>
    /// ssh may ask at the terminal (a recovery run by a person): for a password, and to confirm an unknown host key by
    /// its fingerprint. A changed host key is refused all the same.
    /// </summary>
    public bool MayAsk { get; init; }

    public static SftpTarget From(DestinationUrl url, DestinationCredentials? credentials = null)
    {
        if (url.Kind != DestinationKind.Sftp || url.Host is null)
        {
            throw new ArgumentException("not an sftp:// destination", nameof(url));
        }

        // sftp://host/~/dir: relative to the login directory, as sftp's own client takes it.
        var dir = url.Path.StartsWith("/~/", StringComparison.Ordinal) ? url.Path[3..] : url.Path;
        var c = credentials ?? DestinationCredentials.Own;
        return new(url.Host, url.User, url.Port, dir.Length > 1 ? dir.TrimEnd('/') : dir, url.Option("config") ?? c.SshConfig, url.Option("identity"))
        {
            KnownHostsFile = c.KnownHosts,
            ExtraIdentities = c.SshIdentities,
            MayAsk = c.Prompt is not null,
        };
    }

    public string Display => $"{(User is null ? "" : User + "@")}{Host}{(Port is { } p ? ":" + p : "")}";

    /// <summary>ssh's arguments: the admin's configuration applies, but no question (unless <see cref="MayAsk"/>) and no unknown host key taken unasked.</summary>
    /// <param name="identityCopies">Private copies of <see cref="ExtraIdentities"/> (ssh refuses a key file others can read).</param>
    public IReadOnlyList<string> SshArguments(IReadOnlyList<string>? identityCopies = null)
    {
        var a = new List<string>
        {
            "-o", MayAsk ? "BatchMode=no" : "BatchMode=yes", "-o", MayAsk ? "StrictHostKeyChecking=ask" : "StrictHostKeyChecking=yes",
            "-o", "ServerAliveInterval=15", "-o", "ServerAliveCountMax=4", "-x", "-a",
        };
        if (KnownHostsFile is not null)
        {
            // ssh splits this option's value at spaces unless quoted; a known_hosts given here replaces ~/.ssh/known_hosts.
            a.AddRange(["-o", $"UserKnownHostsFile=\"{KnownHostsFile}\""]);
        }

        foreach (var copy in identityCopies ?? [])
        {
            a.AddRange(["-i", copy]);
        }

        if (ConfigFile is not null)
        {
            a.AddRange(["-F", ConfigFile]);
        }

        if (IdentityFile is not null)
        {
            a.AddRange(["-i", IdentityFile]);
        }

        if (Port is { } port)
        {
            a.AddRange(["-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        }

        if (User is not null)
        {
            a.AddRange(["-l", User]);
        }

        a.AddRange(["-s", "--", Host, "sftp"]);
        return a;
    }

    /// <summary>The server path of <paramref name="name"/> under the destination's directory.</summary>
    public string PathOf(string name) => Directory.Length == 0 ? name : Directory.TrimEnd('/') + "/" + name;
}
