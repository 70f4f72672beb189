namespace Mkcdrec.Core.Destinations;

/// <summary>
/// Credentials for a destination off the machine from a directory laid out like the keys medium (docs/secrets.md),
/// for a rescue system or any host that does not keep them in ~/.ssh and ~/.aws: <c>ssh/known_hosts</c> (the only
/// host keys then accepted), <c>ssh/config</c> (ssh -F), <c>ssh/id_*</c> (the login keys), <c>s3/credentials</c> and
/// <c>s3/config</c> (AWS's file format, profiles included), <c>ca.pem</c> (the CAs an https server must chain to).
/// Without a directory, the admin's own configuration applies.
/// </summary>
public sealed class DestinationCredentials
{
    public const string SshFolder = "ssh";
    public const string S3Folder = "s3";
    public const string CaFileName = "ca.pem";

    /// <summary>The admin's own: ~/.ssh, ~/.aws and the environment, as ssh and the AWS CLI find them.</summary>
    public static readonly DestinationCredentials Own = new(null);

    private DestinationCredentials(string? directory, ICredentialPrompt? prompt = null, TlsTrust? trust = null)
    {
        Directory = directory;
        Prompt = prompt;
        Trust = trust ?? TlsTrust.System;
    }

    /// <summary>Which https servers are believed: --ca-file's CAs, else the directory's ca.pem, else the system's.</summary>
    public TlsTrust Trust { get; }

    /// <summary>The secrets directory, or null for <see cref="Own"/>.</summary>
    public string? Directory { get; }

    /// <summary>
    /// Who is asked for what the files do not give (a recovery at a terminal); null: nobody, a missing credential or an
    /// unknown host key is refused (a backup run, a service, an unattended recovery).
    /// </summary>
    public ICredentialPrompt? Prompt { get; }

    /// <summary>The same credentials, with <paramref name="prompt"/> asked for what they lack.</summary>
    public DestinationCredentials AskingFor(ICredentialPrompt? prompt) => new(Directory, prompt, Trust);

    /// <summary>The same credentials trusting only the CAs in <paramref name="caFile"/> (--ca-file); null: unchanged.</summary>
    public DestinationCredentials WithCaFile(string? caFile) => caFile is null ? this : new(Directory, Prompt, TlsTrust.FromFile(caFile));

    /// <summary>S3 keys typed at the terminal, when there is one to ask; null otherwise or when nothing was typed.</summary>
    public (string KeyId, string Secret)? AskForS3(string endpoint)
    {
        if (Prompt?.Ask($"No S3 credentials found (keys medium s3/credentials, ~/.aws, the environment). Access key ID for {endpoint}: ", hidden: false) is not { Length: > 0 } id)
        {
            return null;
        }

        return Prompt.Ask("Secret access key (not shown): ", hidden: true) is { Length: > 0 } secret ? (id.Trim(), secret.Trim()) : null;
    }

    public static DestinationCredentials From(string? directory)
    {
        if (directory is null)
        {
            return Own;
        }

        var full = Path.GetFullPath(Secrets.SecretsDirectory.Existing(directory));
        var ca = Path.Combine(full, CaFileName);
        return new DestinationCredentials(full, trust: File.Exists(ca) ? TlsTrust.FromFile(ca) : null);
    }

    public string? SshConfig => Existing(SshFolder, "config");

    public string? KnownHosts => Existing(SshFolder, "known_hosts");

    /// <summary>The private keys in ssh/: every id_* file that is not a .pub, in name order.</summary>
    public IReadOnlyList<string> SshIdentities => Directory is null || !System.IO.Directory.Exists(Path.Combine(Directory, SshFolder))
        ? []
        : System.IO.Directory.EnumerateFiles(Path.Combine(Directory, SshFolder), "id_*")
            .Where(f => !f.EndsWith(".pub", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .ToList();

    /// <summary>The environment S3 reads, with s3/credentials and s3/config of the directory in place of ~/.aws's files.</summary>
    public Func<string, string?> S3Environment(Func<string, string?> getenv)
    {
        var credentials = Existing(S3Folder, "credentials");
        var config = Existing(S3Folder, "config");
        return name => name switch
        {
            "AWS_SHARED_CREDENTIALS_FILE" when credentials is not null => credentials,
            "AWS_CONFIG_FILE" when config is not null => config,
            _ => getenv(name),
        };
    }

    /// <summary>What the directory gives, for the log: names of files, never their contents.</summary>
    public string Describe() => Directory is null
        ? "the admin's own (~/.ssh, ~/.aws, the environment)"
        : $"{Directory}: " + string.Join(", ", new[] { SshConfig, KnownHosts, Existing(S3Folder, "credentials"), Existing(S3Folder, "config"), Trust.CaFile }
            .Concat(SshIdentities).OfType<string>().Select(f => Path.GetRelativePath(Directory, f)).DefaultIfEmpty("nothing for ssh, s3 or https"));

    private string? Existing(string folder, string name) =>
        Directory is not null && File.Exists(Path.Combine(Directory, folder, name)) ? Path.Combine(Directory, folder, name) : null;
}
