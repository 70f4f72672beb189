using Mkcdrec.Core.Rescue;
using Mkcdrec.Core.Tests.Archive;

namespace Mkcdrec.Core.Tests.Rescue;

/// <summary>
/// The rescue system's sshd_config, as OpenSSH's own sshd reads it: key login as root and nothing else. Runs the real
/// sshd in a private mount and network namespace (its /run a tmpfs, its loopback its own), so the host's sshd, /run and
/// ports are never touched; the authorized keys file is the test's own (-o AuthorizedKeysFile; StrictModes off for it
/// alone, as it lies under the world-writable /tmp).
/// </summary>
[Trait("Category", "Root")]
public sealed class RescueSshdTests : IDisposable
{
    private readonly string _dir = TreeFixture.NewTempDir();

    public RescueSshdTests()
    {
        using var s = typeof(RescueSystemBuilder).Assembly.GetManifestResourceStream("Mkcdrec.Rescue.sshd_config")!;
        using var f = File.Create(Path.Combine(_dir, "sshd_config"));
        s.CopyTo(f);
        TreeFixture.Sh($"ssh-keygen -q -t ed25519 -N '' -f {_dir}/host && ssh-keygen -q -t ed25519 -N '' -f {_dir}/admin && cp {_dir}/admin.pub {_dir}/authorized_keys && chmod 600 {_dir}/authorized_keys");
    }

    public void Dispose() => TreeFixture.Cleanup(_dir);

    /// <summary>Runs <paramref name="script"/> in new mount and network namespaces with /run/sshd and lo up.</summary>
    private string InNamespace(string script) =>
        TreeFixture.Run("unshare", ["-m", "-n", "--propagation", "private", "sh", "-c",
            $"mount -t tmpfs none /run && mkdir -m 755 /run/sshd && ip link set lo up && {script}"]);

    [Fact]
    public void Sshd_reads_it_as_key_only_root_with_no_forwarding()
    {
        var effective = InNamespace($"/usr/sbin/sshd -T -f {_dir}/sshd_config -h {_dir}/host").Split('\n').Select(l => l.Trim()).ToHashSet();
        foreach (var want in new[]
                 {
                     "permitrootlogin without-password", "authenticationmethods publickey", "passwordauthentication no",
                     "kbdinteractiveauthentication no", "hostbasedauthentication no", "allowusers root", "allowtcpforwarding no",
                     "allowagentforwarding no", "allowstreamlocalforwarding no", "x11forwarding no", "permittunnel no",
                     "permituserenvironment no", "maxauthtries 3", "permitopen none", "permitlisten none",
                 })
        {
            Assert.Contains(want, effective);
        }
    }

    [Fact]
    public void A_key_logs_in_and_a_password_or_a_forward_does_not()
    {
        var ssh = $"ssh -F /dev/null -p 2222 -o BatchMode=yes -o UserKnownHostsFile={_dir}/known_hosts -o StrictHostKeyChecking=accept-new -o ConnectTimeout=10";
        var output = InNamespace(
            $"/usr/sbin/sshd -f {_dir}/sshd_config -h {_dir}/host -p 2222 -o AuthorizedKeysFile={_dir}/authorized_keys -o StrictModes=no -o PidFile={_dir}/pid -E {_dir}/sshd.log; " +
            // sshd daemonizes before it listens and writes its pid file once it does: connect only then.
            $"for i in $(seq 100); do [ -s {_dir}/pid ] && break; sleep 0.1; done; " +
            $"echo KEY: $({ssh} -i {_dir}/admin root@127.0.0.1 echo logged-in 2>&1); " +
            $"echo PASSWORD: $({ssh} -o PubkeyAuthentication=no -o PreferredAuthentications=password,keyboard-interactive root@127.0.0.1 true 2>&1); " +
            $"echo FORWARD: $({ssh} -i {_dir}/admin -W 127.0.0.1:2222 root@127.0.0.1 </dev/null 2>&1); " +
            $"kill $(cat {_dir}/pid)");
        Assert.Matches(@"KEY: .*logged-in", output);
        Assert.Matches(@"PASSWORD: .*Permission denied \(publickey\)", output);
        Assert.Matches(@"FORWARD: .*administratively prohibited", output);
        Assert.Contains("refused local port forward", File.ReadAllText(Path.Combine(_dir, "sshd.log")), StringComparison.Ordinal);
    }
}
