using System.Text.RegularExpressions;
using Mkcdrec.SystemTests.Media;
using Mkcdrec.SystemTests.Rescue;
using Mkcdrec.Tests.Shared;
using Mkcdrec.TestVm;
using Mkcdrec.TestVm.Servers;

namespace Mkcdrec.SystemTests.Destinations;

/// <summary>
/// The rescue system fetching its backup over SFTP with credentials from the keys medium: <c>mkrescue --format netboot
/// --backup-url sftp://…/HOST/latest</c> builds the real rescue system (it must bring OpenSSH's client), QEMU boots it
/// on the user network (10.0.2.2:PORT is OpenSSH's sshd on this host's loopback) with a keys ISO holding only
/// ssh/known_hosts and ssh/id_ed25519; /init finds the keys medium, the backup stays where it is (nothing copied into
/// RAM), and the menu's Verify streams every volume from the server once and passes. The rescue medium itself carries
/// neither file, and no copy of the key is left behind. Without known_hosts, a command with no terminal is refused
/// for the unknown host key; at the console ssh shows the key's fingerprint and asks, and typing the fingerprint the
/// server's admin gives (here: ssh-keygen -lf on the host key) lets the listing through.
/// </summary>
public sealed class SftpRescueBootTests(ITestOutputHelper output)
{
    [Fact]
    public void A_rescue_system_fetches_its_backup_over_sftp_with_the_host_key_and_login_key_from_the_keys_medium()
    {
        var dir = Tool.TempDir("sftprescue");
        using var server = new Sshd();
        try
        {
            var stored = Path.Combine(dir, "store", "s3host", "20261204T010000Z");
            var volumes = SmallBackup.Create(dir, stored, files: 3, seed: 23, step: 555, "fetched over sftp\n");
            var url = $"sftp://root@10.0.2.2:{server.Port}{dir}/store/s3host/latest";

            // The keys medium: the server's host key as the guest names it, and the login key; nothing else.
            var keys = Path.Combine(dir, "keys");
            Directory.CreateDirectory(Path.Combine(keys, "ssh"));
            File.WriteAllText(Path.Combine(keys, "ssh", "known_hosts"), server.KnownHostsLine(Path.Combine(server.Directory, "host_key.pub")).Replace("[127.0.0.1]", "[10.0.2.2]", StringComparison.Ordinal));
            File.Copy(Path.Combine(server.Directory, "user_key"), Path.Combine(keys, "ssh", "id_ed25519"));
            var keysIso = Path.Combine(dir, "keys.iso");
            Tool.Checked("xorriso", ["-as", "mkisofs", "-quiet", "-V", "MKCDREC-KEYS", "-r", "-o", keysIso, keys]);

            var args = NetbootRescue.Build(dir, url, "mkcdrec.keys=MKCDREC-KEYS");
            args.AddRange(["-nic", "user,model=virtio-net-pci", "-cdrom", keysIso]);
            using var g = new SerialGuest(args);
            var menu = new RescueMenu(g);
            var screen = NetbootRescue.WaitForMenu(menu, output);
            var boot = g.Text[..menu.At];
            Assert.Contains("keys medium MKCDREC-KEYS: /dev/sr0 mounted read-only", boot, StringComparison.Ordinal);
            Assert.Contains($"the backup is at {url}; recover and verify stream it from there with the keys medium's credentials", boot, StringComparison.Ordinal);
            Assert.Contains("Backup:  " + url, screen, StringComparison.Ordinal);
            Timings.Report($"rescue system for an SFTP backup: boot and keys medium to the menu {g.Started.Elapsed.TotalSeconds:0.0} s (QEMU TCG)");

            var verify = menu.VerifyBackup(volumes, streamed: true);
            output.WriteLine(verify);
            Assert.Matches($@"Reading the backup sftp://root@10\.0\.2\.2:{server.Port}{Regex.Escape(dir)}/store/s3host/20261204T010000Z as it streams", verify);

            // No copy of the login key outlived the login, ssh recorded nothing, and without the keys medium the same fetch
            // from a script (no terminal to ask) is refused for the unknown host key (never accepted).
            menu.EnterShell();
            var (rc, shell) = menu.Run(
                $"ls /run/mkcdrec-ssh-key-* 2>/dev/null; [ -z \"$(ls /run/mkcdrec-ssh-key-* 2>/dev/null)\" ] && ! [ -e /root/.ssh/known_hosts ] && echo NO-LEFTOVERS; "
                + $"mkcdrec fetch {url} --spool /tmp/nokeys </dev/null; echo FETCH-RC=$?");
            output.WriteLine(shell);
            Assert.Equal(0, rc);
            Assert.Contains("NO-LEFTOVERS", shell, StringComparison.Ordinal);
            Assert.Matches(@"FETCH-RC=[1-9]", shell);
            Assert.Contains("not in known_hosts", shell, StringComparison.Ordinal);

            // At the console, with the login key but no known_hosts: ssh asks, and the fingerprint typed back is accepted.
            var fingerprint = Tool.Checked("ssh-keygen", ["-lf", Path.Combine(server.Directory, "host_key.pub")]).StdOut.Split(' ')[1];
            Assert.Equal(0, menu.Run("mkdir -p /tmp/k/ssh && cp /run/mkcdrec/keys/ssh/id_ed25519 /tmp/k/ssh/").ExitCode);
            var from = menu.At;
            g.Send($"mkcdrec backups list sftp://root@10.0.2.2:{server.Port}{dir}/store --secrets /tmp/k; echo LIST-RC=$?\n");
            menu.Expect(@"Are you sure you want to continue connecting \(yes/no/\[fingerprint\]\)\? ", TimeSpan.FromSeconds(90));
            Assert.Contains(fingerprint, g.Text[from..menu.At], StringComparison.Ordinal);
            g.Send(fingerprint + "\n");
            var listed = menu.Expect(@"LIST-RC=(\d+)", TimeSpan.FromSeconds(90));
            var list = g.Text[from..menu.At];
            output.WriteLine(list);
            Assert.True(listed.Groups[1].Value == "0", list);
            Assert.Matches(@"s3host/20261204T010000Z +[\d.]+ MiB +\d+ file\(s\) +complete", list);
            menu.LeaveShell();
            menu.PowerOff();
        }
        finally
        {
            Tool.RemoveDir(dir);
        }
    }
}
