using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using Mkcdrec.Core.Platform;
using Mkcdrec.Core.Rescue;
using Mkcdrec.Platform.Linux;
using Mkcdrec.Tests.Shared;
using Mkcdrec.TestVm;

namespace Mkcdrec.SystemTests.Media;

/// <summary>
/// The netboot output booted for real: <c>mkcdrec archive create</c> makes a small backup (1 MiB volumes), a loopback
/// HTTP server started here serves it on 127.0.0.1 (QEMU's user network shows the host's 127.0.0.1 to the guest as
/// 10.0.2.2), <c>mkcdrec mkrescue --format netboot --backup-url http://10.0.2.2:PORT/backup</c> builds the REAL rescue
/// system from this host, and QEMU boots its vmlinuz + initrd.img with the kernel command line of the generated
/// pxelinux config (the same as grub.cfg's), a virtio NIC on user networking and two blank disks. Over the serial
/// console: the rescue system gets its DHCP lease, /init fetches the backup with <c>mkcdrec fetch</c> (the server sees
/// every file requested), the menu shows it, and the menu's "Verify backup" passes on it.
/// </summary>
public sealed class NetbootBootTests(ITestOutputHelper output)
{
    private const string Prompt = "Choice [1-6]: ";

    [Fact]
    public void The_netboot_kernel_and_initramfs_boot_get_a_lease_fetch_the_backup_over_http_and_verify_it()
    {
        Tool.SkipUnlessTool("qemu-system-x86_64");
        var kernel = new RescueSystemBuilder(new SystemFiles(), new ProcessRunner(NullLog.Instance)).InstalledKernels().LastOrDefault();
        Assert.SkipWhen(kernel is null, "no /boot/vmlinuz-* with modules (CI installs linux-image-amd64)");
        Assert.SkipUnless(File.Exists(RepoPaths.MkcdrecBinary), $"{RepoPaths.MkcdrecBinary} is missing: run ./build.sh");
        var bin = RepoPaths.MkcdrecBinary;
        var total = Stopwatch.StartNew();
        var dir = Tool.TempDir("netboot");
        try
        {
            // 1. A small backup (~3 MiB incompressible, 1 MiB volumes) in the directory the server shares.
            var tree = Path.Combine(dir, "tree");
            Directory.CreateDirectory(tree);
            var rnd = new Random(10);
            for (var i = 0; i < 3; i++)
            {
                var data = new byte[(1 << 20) - (999 * i)];
                rnd.NextBytes(data);
                File.WriteAllBytes(Path.Combine(tree, $"data{i}.bin"), data);
            }

            File.WriteAllText(Path.Combine(tree, "small.txt"), "fetched over the network\n");
            var www = Path.Combine(dir, "www");
            var backup = Path.Combine(www, "backup");
            Tool.Checked(bin, ["archive", "create", "--root", tree, "--dest", backup, "--compress", "none", "--volume-size", "1M", "--log", Path.Combine(dir, "archive.log")]);
            var volumes = Directory.GetFiles(backup).Select(f => Path.GetFileName(f)).Where(f => f != "manifest.json").Order(StringComparer.Ordinal).ToList();
            Assert.True(volumes.Count >= 3, string.Join(' ', volumes));
            using var server = new LoopbackHttpServer(www);
            var url = $"http://10.0.2.2:{server.Port}/backup";

            // 2. The netboot output with the real rescue system built from this host.
            var layout = Path.Combine(dir, "layout.json");
            Tool.Checked(bin, ["layout", "save", "-o", layout, "--log", Path.Combine(dir, "layout.log")]);
            var netboot = Path.Combine(dir, "netboot");
            var sw = Stopwatch.StartNew();
            var mk = Tool.Run(bin, ["mkrescue", "--format", "netboot", "--output", netboot, "--kernel", kernel!, "--layout", layout, "--backup-url", url, "--timeout", "1",
                "--log", Path.Combine(dir, "mkrescue.log")]);
            var mkTime = sw.Elapsed;
            Assert.True(mk.ExitCode == 0, $"mkrescue --format netboot failed ({mk.ExitCode}):\n{mk.StdOut}{mk.StdErr}");
            foreach (var f in new[] { "vmlinuz", "initrd.img", "grub.cfg", "pxelinux.cfg/default" })
            {
                Assert.True(File.Exists(Path.Combine(netboot, f)), f + " was not written");
            }

            Report($"netboot output (rescue system built from this host): {mkTime.TotalSeconds:0.0} s; initrd.img {new FileInfo(Path.Combine(netboot, "initrd.img")).Length / 1048576.0:0.0} MiB");

            // 3. The kernel command line exactly as pxelinux would pass it (the rescue entry, the default), and GRUB's the same.
            var pxe = File.ReadAllText(Path.Combine(netboot, "pxelinux.cfg/default"));
            Assert.Matches(@"(?m)^DEFAULT rescue$", pxe);
            var append = Regex.Match(pxe, @"(?ms)^LABEL rescue$.*?^\s*APPEND (.*?)$").Groups[1].Value.Trim();
            Assert.Contains("mkcdrec.backup=" + url, append, StringComparison.Ordinal);
            Assert.DoesNotContain("mkcdrec.auto", append, StringComparison.Ordinal);
            var grub = File.ReadAllText(Path.Combine(netboot, "grub.cfg"));
            Assert.Contains("linux /vmlinuz " + append + "\n", grub, StringComparison.Ordinal);
            output.WriteLine("-append " + append);

            foreach (var (name, size) in new[] { ("disk1.img", 1L << 30), ("disk2.img", 2L << 30) })
            {
                using var f = File.Create(Path.Combine(dir, name));
                f.SetLength(size);
            }

            // 4. Boot it: no medium at all, the backup only on the (loopback) HTTP server.
            var args = new List<string>
            {
                "-accel", "tcg", "-cpu", "max", "-m", "1024", "-smp", "1", "-nodefaults", "-display", "none", "-serial", "stdio", "-monitor", "none",
                "-no-reboot", "-kernel", Path.Combine(netboot, "vmlinuz"), "-initrd", Path.Combine(netboot, "initrd.img"), "-append", append,
                "-nic", "user,model=virtio-net-pci",
                "-drive", $"file={Path.Combine(dir, "disk1.img")},if=none,id=d1,format=raw", "-device", "virtio-blk-pci,drive=d1,serial=NETBOOT-D1",
                "-drive", $"file={Path.Combine(dir, "disk2.img")},if=none,id=d2,format=raw", "-device", "virtio-blk-pci,drive=d2,serial=NETBOOT-D2",
            };
            using var g = new Guest(args);
            Match menu;
            try
            {
                menu = g.WaitFor(Regex.Escape(Prompt), 0, TimeSpan.FromMinutes(5));
            }
            finally
            {
                output.WriteLine(Guest.Tail(g.Text, 12000));
            }

            var bootTime = g.Started.Elapsed;
            var boot = g.Text[..menu.Index];
            var screen = boot[Math.Max(0, boot.LastIndexOf(" mkcdrec rescue system for ", StringComparison.Ordinal) - 80)..];

            // The lease, the fetch by mkcdrec (every file of the backup asked for by the guest), the menu showing it.
            Assert.Matches(@"Network: .*10\.0\.2\.15/24", screen);
            Assert.Contains("mkcdrec: fetching the backup from " + url, boot, StringComparison.Ordinal);
            var fetched = Regex.Match(boot, $@"Fetched the backup from {Regex.Escape(url)}/ into /run/mkcdrec/backup: (\d+) file\(s\), ([\d.]+) MiB in ([\d.]+) s \(([\d.]+) MiB/s\)");
            Assert.True(fetched.Success, "no 'Fetched the backup' line on the console");
            Assert.Equal(volumes.Count + 1, int.Parse(fetched.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)); // manifest + volumes (no layout.json)
            Assert.Contains("Backup:  /run/mkcdrec/backup", screen, StringComparison.Ordinal);
            Assert.Matches(@"vda\s+1\.0 GiB.*NETBOOT-D1", screen);
            Assert.Matches(@"vdb\s+2\.0 GiB.*NETBOOT-D2", screen);
            var asked = server.Requests.Where(r => r.Method == "GET").Select(r => r.Path).ToList();
            Assert.Equal("/backup/manifest.json", asked[0]);
            Assert.All(volumes, v => Assert.Contains("/backup/" + v, asked));
            Report($"netboot: boot to menu {bootTime.TotalSeconds:0.0} s (QEMU TCG, -smp 1); in the guest mkcdrec fetch: {fetched.Groups[2].Value} MiB in {fetched.Groups[3].Value} s ({fetched.Groups[4].Value} MiB/s)");

            // 5. Verify backup (menu entry 4) on the fetched copy.
            var from = menu.Index + menu.Length;
            sw.Restart();
            g.Send("4\n");
            var done = g.WaitFor(@"verify: exit (\d+)", from, TimeSpan.FromMinutes(3));
            var verify = g.Text[from..done.Index];
            output.WriteLine(verify);
            Assert.Equal("0", done.Groups[1].Value);
            foreach (var v in volumes)
            {
                Assert.Matches($@"ok +{Regex.Escape(v)}: \d+ bytes, SHA-256 and chunk hashes match", verify);
            }

            Assert.Contains("every content hash matches", verify, StringComparison.Ordinal);
            Report($"netboot: Verify backup {sw.Elapsed.TotalSeconds:0.0} s ({volumes.Count} volumes)");
            var pause = g.WaitFor("Press Enter to return to the menu", done.Index, TimeSpan.FromSeconds(30));
            g.Send("\n");
            var back = g.WaitFor(Regex.Escape(Prompt), pause.Index + pause.Length, TimeSpan.FromSeconds(60));

            // 6. The boot log (uptime-stamped) and mkcdrec's own log of the fetch, for the figures.
            g.Send("3\n");
            var shell = g.WaitFor(@"rescue:.*# ", back.Index + back.Length, TimeSpan.FromSeconds(60));
            g.Send("cat /run/mkcdrec/boot.log; grep -h 'fetch' /var/log/mkcdrec/*fetch*.log; echo LOGS-$((40+2))\n");
            var logs = g.WaitFor("LOGS-42", shell.Index + shell.Length, TimeSpan.FromSeconds(60));
            output.WriteLine(g.Text[(shell.Index + shell.Length)..logs.Index]);
            g.Send("exit\n");
            back = g.WaitFor(Regex.Escape(Prompt), logs.Index + logs.Length, TimeSpan.FromSeconds(60));

            // 7. Power off ends QEMU.
            g.Send("6\n");
            g.WaitFor("Powering off", back.Index + back.Length, TimeSpan.FromSeconds(30));
            Assert.True(g.WaitForExit(TimeSpan.FromSeconds(90)), "QEMU did not exit after Power off; console:\n" + Guest.Tail(g.Text, 2000));
            Report($"netboot test: {total.Elapsed.TotalSeconds:0.0} s in all");
        }
        finally
        {
            Tool.RemoveDir(dir);
        }
    }

    private void Report(string line)
    {
        output.WriteLine(line);
        Console.Error.WriteLine("testvm timing: " + line);
    }

    /// <summary>
    /// A QEMU guest whose serial console is QEMU's stdin/stdout. Minimal on purpose: the shared one
    /// (Mkcdrec.TestVm.SerialGuest) arrives with the isoboot branch; this one goes then.
    /// </summary>
    private sealed class Guest : IDisposable
    {
        private readonly Process _p;
        private readonly StringBuilder _out = new();

        public Guest(IEnumerable<string> args)
        {
            var psi = new ProcessStartInfo("qemu-system-x86_64") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in args)
            {
                psi.ArgumentList.Add(a);
            }

            _p = Process.Start(psi) ?? throw new InvalidOperationException("qemu-system-x86_64 did not start");
            Started = Stopwatch.StartNew();
            _p.ErrorDataReceived += (_, e) =>
            {
                if (e.Data is not null)
                {
                    lock (_out)
                    {
                        _out.Append("[qemu] ").Append(e.Data).Append('\n');
                    }
                }
            };
            _p.BeginErrorReadLine();
            new Thread(() =>
            {
                var buf = new byte[4096];
                int n;
                while ((n = _p.StandardOutput.BaseStream.Read(buf, 0, buf.Length)) > 0)
                {
                    lock (_out)
                    {
                        _out.Append(Encoding.UTF8.GetString(buf, 0, n));
                    }
                }
            }) { IsBackground = true }.Start();
        }

        public Stopwatch Started { get; }

        public string Text
        {
            get
            {
                lock (_out)
                {
                    return _out.ToString();
                }
            }
        }

        public static string Tail(string s, int n) => s.Length <= n ? s : s[^n..];

        public Match WaitFor(string pattern, int from, TimeSpan timeout)
        {
            var sw = Stopwatch.StartNew();
            var re = new Regex(pattern, RegexOptions.Multiline);
            while (true)
            {
                var t = Text;
                var m = re.Match(t, Math.Min(from, t.Length));
                if (m.Success)
                {
                    return m;
                }

                if (sw.Elapsed > timeout || _p.HasExited)
                {
                    throw new Xunit.Sdk.XunitException($"Timed out ({(_p.HasExited ? "QEMU exited" : timeout.TotalSeconds + " s")}) waiting for /{pattern}/. Console tail:\n{Tail(t[Math.Min(from, t.Length)..], 4000)}");
                }

                Thread.Sleep(100);
            }
        }

        public void Send(string text)
        {
            _p.StandardInput.Write(text);
            _p.StandardInput.Flush();
        }

        public bool WaitForExit(TimeSpan timeout) => _p.WaitForExit(timeout);

        public void Dispose()
        {
            try
            {
                if (!_p.HasExited)
                {
                    _p.Kill(entireProcessTree: true);
                    _p.WaitForExit(10_000);
                }
            }
            finally
            {
                _p.Dispose();
            }
        }
    }
}
