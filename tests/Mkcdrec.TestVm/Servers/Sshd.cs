using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Mkcdrec.TestVm.Servers;

/// <summary>
/// OpenSSH's sshd on a free loopback port with a throwaway host key and a throwaway user key (root, key only,
/// internal-sftp), and an ssh configuration file for the client (sftp:// URLs give it as ?config=). Everything lives
/// in a temporary directory; stopped and removed on Dispose.
/// </summary>
public sealed class Sshd : IDisposable
{
    public const string Alias = "sftp-test";
    private const string Binary = "/usr/sbin/sshd";
    private readonly Process _process;
    private readonly bool _madeRunDir;

    public Sshd()
    {
        if (!File.Exists(Binary))
        {
            throw new InvalidOperationException($"{Binary} is missing: run .ci/install-deps (it installs openssh-server without starting its service).");
        }

        Directory = System.IO.Directory.CreateTempSubdirectory("mkcdrec-sshd-").FullName;
        Keygen("host_key");
        Keygen("user_key");
        File.Copy(Path.Combine(Directory, "user_key.pub"), Path.Combine(Directory, "authorized_keys"));
        Port = FreePort();
        File.WriteAllText(Path.Combine(Directory, "sshd_config"), $"""
            Port {Port}
            ListenAddress 127.0.0.1
            HostKey {Directory}/host_key
            AuthorizedKeysFile {Directory}/authorized_keys
            PermitRootLogin prohibit-password
            PasswordAuthentication no
            KbdInteractiveAuthentication no
            UsePAM no
            StrictModes no
            PidFile none
            Subsystem sftp internal-sftp
            LogLevel ERROR
            """);
        WriteClientConfig("config", KnownHostsLine(Path.Combine(Directory, "host_key.pub")));

        // sshd insists on its privilege separation directory (the package makes it at boot).
        _madeRunDir = !System.IO.Directory.Exists("/run/sshd");
        System.IO.Directory.CreateDirectory("/run/sshd");
        var psi = new ProcessStartInfo(Binary) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "-D", "-e", "-f", Path.Combine(Directory, "sshd_config") })
        {
            psi.ArgumentList.Add(a);
        }

        _process = Process.Start(psi)!;
        _ = _process.StandardOutput.ReadToEndAsync();
        var err = _process.StandardError.ReadToEndAsync();
        WaitListening(err);
    }

    public string Directory { get; }

    public int Port { get; }

    /// <summary>The client configuration that knows the host key.</summary>
    public string ConfigFile => Path.Combine(Directory, "config");

    /// <summary>An sftp:// URL of <paramref name="path"/> on this server through <paramref name="config"/> (default: the one that knows the key).</summary>
    public string Url(string path, string? config = null) => $"sftp://{Alias}{path}?config={Uri.EscapeDataString(config ?? ConfigFile)}";

    /// <summary>A client configuration named <paramref name="name"/> whose known_hosts holds <paramref name="knownHosts"/> (empty: the host is unknown).</summary>
    public string WriteClientConfig(string name, string knownHosts, string identity = "user_key")
    {
        var known = Path.Combine(Directory, name + ".known_hosts");
        File.WriteAllText(known, knownHosts);
        var path = Path.Combine(Directory, name);
        File.WriteAllText(path, $"""
            Host {Alias}
              HostName 127.0.0.1
              Port {Port}
              User root
              IdentityFile {Directory}/{identity}
              IdentitiesOnly yes
              UserKnownHostsFile {known}
              GlobalKnownHostsFile /dev/null
            """);
        return path;
    }

    /// <summary>A known_hosts line for this server's port with the public key in <paramref name="publicKeyFile"/>, the host
    /// named <paramref name="host"/> (a guest on QEMU's user network reaches this host's loopback as 10.0.2.2).</summary>
    public string KnownHostsLine(string publicKeyFile, string host = "127.0.0.1") => $"[{host}]:{Port} {string.Join(' ', File.ReadAllText(publicKeyFile).Split(' ')[..2])}\n";

    /// <summary>The throwaway host key's public half and the user key's private half (the server takes it for root).</summary>
    public string HostPublicKey => Path.Combine(Directory, "host_key.pub");

    public string UserKey => Path.Combine(Directory, "user_key");

    /// <summary>Makes another key pair in the directory (a changed host key, a key the server does not accept).</summary>
    public string Keygen(string name)
    {
        HostProcess.Checked("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "mkcdrec-test", "-f", Path.Combine(Directory, name));
        return Path.Combine(Directory, name);
    }

    /// <summary>Kills the server and every session it serves (a server gone in the middle of a transfer).</summary>
    public void Stop()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }
    }

    public void Dispose()
    {
        Stop();
        _process.Dispose();
        if (_madeRunDir)
        {
            System.IO.Directory.Delete("/run/sshd", recursive: true);
        }

        System.IO.Directory.Delete(Directory, recursive: true);
    }

    /// <summary>A TCP port free on loopback now (the caller binds it soon after; a clash makes its server fail to start, loudly).</summary>
    public static int FreePort()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        var port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    private void WaitListening(Task<string> stderr)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"sshd exited ({_process.ExitCode}): {stderr.Result}");
            }

            try
            {
                using var c = new TcpClient();
                c.Connect(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException)
            {
                Thread.Sleep(100);
            }
        }

        throw new TimeoutException("sshd did not listen within 20 s");
    }
}
