using System.Text.RegularExpressions;
using Mkcdrec.Core.Platform;
using Mkcdrec.Core.Rescue;
using Mkcdrec.Platform.Linux;
using Mkcdrec.Tests.Shared;
using Mkcdrec.TestVm;
using Mkcdrec.TestVm.Servers;

namespace Mkcdrec.SystemTests.Rescue;

/// <summary>
/// The admin's extras, from the command line into a booted rescue system: <c>mkrescue --sshd --authorized-keys FILE
/// --firmware --add-program xorriso --add-module isci</c>, booted in QEMU with port 22 forwarded to a loopback port of
/// this host. OpenSSH's client logs in with the admin's key and finds xorriso working (its libraries came along), isci
/// loading (a SAS controller driver, with its dependencies) and isci's firmware byte-equal to the host's; the host key
/// the rescue system shows was made at boot, not the server's own; another key, a password and keyboard-interactive
/// login are refused. Names that are not there stop mkrescue before it does anything.
/// </summary>
public sealed class RescueExtrasBootTests(ITestOutputHelper output)
{
    private const string Firmware = "/lib/firmware/isci/isci_firmware.bin";

    [Fact]
    public void An_admin_logs_in_to_the_rescue_system_with_their_key_and_finds_the_program_module_and_firmware_they_added()
    {
        Assert.True(File.Exists(Firmware), $"{Firmware} is missing (CI installs firmware-linux-free)");
        var dir = Tool.TempDir("rescueextras");
        try
        {
            Tool.Checked("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "admin", "-f", Path.Combine(dir, "admin")]);
            Tool.Checked("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "stranger", "-f", Path.Combine(dir, "stranger")]);
            var (kernel, layout) = KernelAndLayout(dir);
            var netboot = Path.Combine(dir, "netboot");
            var mk = Tool.Run(RepoPaths.MkcdrecBinary, ["mkrescue", "--format", "netboot", "--output", netboot, "--kernel", kernel, "--layout", layout,
                "--timeout", "1", "--sshd", "--authorized-keys", Path.Combine(dir, "admin.pub"), "--firmware", "--add-program", "xorriso",
                "--add-module", "isci", "--log", Path.Combine(dir, "mkrescue.log")]);
            Assert.True(mk.ExitCode == 0, $"mkrescue failed ({mk.ExitCode}):\n{mk.StdOut}{mk.StdErr}");

            var port = Sshd.FreePort();
            var append = Regex.Match(File.ReadAllText(Path.Combine(netboot, "pxelinux.cfg/default")), @"(?ms)^LABEL rescue$.*?^\s*APPEND (.*?)$").Groups[1].Value.Trim();
            var args = SerialGuest.BaseArguments(Mkcdrec.TestVm.Firmware.Bios);
            args.AddRange(["-monitor", "none", "-kernel", Path.Combine(netboot, "vmlinuz"), "-initrd", Path.Combine(netboot, "initrd.img"), "-append", append,
                "-nic", $"user,model=virtio-net-pci,hostfwd=tcp:127.0.0.1:{port}-:22"]);
            using var g = new SerialGuest(args);
            var menu = new RescueMenu(g);
            try
            {
                menu.WaitForMenu(TimeSpan.FromMinutes(5));
            }
            finally
            {
                output.WriteLine(SerialGuest.Tail(g.Text, 6000));
            }

            Assert.Contains("sshd started (public-key login as root)", g.Text, StringComparison.Ordinal);
            var knownHosts = Path.Combine(dir, "known_hosts");
            var login = Ssh(dir, port, knownHosts, "admin",
                $"xorriso -version 2>&1 | head -n 1; modprobe isci && grep -c '^isci ' /proc/modules; sha256sum {Firmware}; ls /etc/ssh");
            output.WriteLine(login.StdOut + login.StdErr);
            Timings.Report($"rescue system with sshd: boot to a login over ssh {g.Started.Elapsed.TotalSeconds:0.0} s (QEMU TCG)");
            Assert.True(login.ExitCode == 0, login.StdErr);
            Assert.Matches(@"(?m)^xorriso 1\.\d+\.\d+", login.StdOut);
            Assert.Matches(@"(?m)^1$", login.StdOut);
            var hostSum = Tool.Checked("sha256sum", [Firmware]).StdOut.Split(' ')[0];
            Assert.Contains($"{hostSum}  {Firmware}", login.StdOut, StringComparison.Ordinal);

            // The host key the client learnt was made in the rescue system: none of this server's own keys.
            var learnt = File.ReadAllText(knownHosts);
            foreach (var own in Directory.Exists("/etc/ssh") ? Directory.GetFiles("/etc/ssh", "ssh_host_*_key.pub") : [])
            {
                Assert.DoesNotContain(File.ReadAllText(own).Split(' ')[1], learnt, StringComparison.Ordinal);
            }

            var stranger = Ssh(dir, port, knownHosts, "stranger", "true");
            Assert.Equal(255, stranger.ExitCode);
            Assert.Contains("Permission denied (publickey)", stranger.StdErr, StringComparison.Ordinal);
            var password = Ssh(dir, port, knownHosts, null, "true");
            Assert.Equal(255, password.ExitCode);
            Assert.Contains("Permission denied (publickey)", password.StdErr, StringComparison.Ordinal);
            menu.PowerOff();
        }
        finally
        {
            Tool.RemoveDir(dir);
        }
    }

    [Fact]
    public void A_module_the_kernel_does_not_have_stops_mkrescue_before_it_captures_anything()
    {
        var dir = Tool.TempDir("rescueextras-missing");
        try
        {
            var (kernel, layout) = KernelAndLayout(dir);
            var r = Tool.Run(RepoPaths.MkcdrecBinary, ["mkrescue", "--output", Path.Combine(dir, "out"), "--kernel", kernel, "--layout", layout,
                "--add-module", "no_such_module_x", "--log", Path.Combine(dir, "mkrescue.log")]);
            Assert.Equal(2, r.ExitCode);
            Assert.Contains("has no module no_such_module_x (asked for with --add-module)", r.StdErr, StringComparison.Ordinal);
            Assert.False(Directory.Exists(Path.Combine(dir, "out")));
        }
        finally
        {
            Tool.RemoveDir(dir);
        }
    }

    private static (string Kernel, string Layout) KernelAndLayout(string dir)
    {
        var kernel = new RescueSystemBuilder(new SystemFiles(), new ProcessRunner(NullLog.Instance)).InstalledKernels().LastOrDefault();
        Assert.True(kernel is not null, "no /boot/vmlinuz-* with modules (CI installs linux-image-amd64)");
        var layout = Path.Combine(dir, "layout.json");
        Tool.Checked(RepoPaths.MkcdrecBinary, ["layout", "save", "-o", layout, "--log", Path.Combine(dir, "layout.log")]);
        return (kernel!, layout);
    }

    /// <summary>OpenSSH's client as an admin runs it; <paramref name="key"/> null tries a password and keyboard-interactive only.
    /// Retries while the guest's DHCP lease is not there yet (the forward then has nobody to reach).</summary>
    private static Tool.Result Ssh(string dir, int port, string knownHosts, string? key, string command)
    {
        List<string> args = ["-F", "/dev/null", "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-o", "BatchMode=yes",
            "-o", "ConnectTimeout=20", "-o", $"UserKnownHostsFile={knownHosts}", "-o", "StrictHostKeyChecking=accept-new"];
        args.AddRange(key is null
            ? ["-o", "PubkeyAuthentication=no", "-o", "PreferredAuthentications=password,keyboard-interactive"]
            : ["-o", "IdentitiesOnly=yes", "-i", Path.Combine(dir, key)]);
        args.AddRange(["root@127.0.0.1", command]);
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (true)
        {
            var r = Tool.Run("ssh", args, timeout: TimeSpan.FromSeconds(120));
            var notYet = r.ExitCode == 255 && Regex.IsMatch(r.StdErr, "Connection (reset|closed)|kex_exchange_identification|timed out");
            if (!notYet || DateTime.UtcNow > deadline)
            {
                return r;
            }

            Thread.Sleep(2000);
        }
    }
}
