using System.Diagnostics;
using Mkcdrec.Core.Media;
using Mkcdrec.Tests.Shared;
using Mkcdrec.TestVm;

namespace Mkcdrec.SystemTests.Media;

/// <summary>
/// A backup larger than the medium, end to end with the real binary: `mkcdrec archive create` makes a backup of
/// several volumes, `mkcdrec mkbackup --use-backup --medium SIZE` splits it over two ISOs (the first boots), QEMU
/// boots ISO 1 with an empty second CD drive, and inside the guest `mkcdrec verify /run/mkcdrec/medium/backup`
/// asks for medium 2 by its label; the test then inserts ISO 2 through the QEMU monitor and presses Enter on the
/// serial console, and mkcdrec finds the medium by scanning the block devices, mounts it and verifies every volume.
/// </summary>
public class MultiMediumTests(ITestOutputHelper output)
{
    private const string Label = "MKCDREC_MMTEST_20261126";

    private static readonly string[] Modules = ["isofs", "sr_mod", "ata_piix"];

    private const string Init = """
        #!/bin/busybox sh
        /bin/busybox --install -s /bin
        export PATH=/usr/sbin:/usr/bin:/sbin:/bin
        mount -t proc proc /proc; mount -t sysfs sysfs /sys; mount -t devtmpfs devtmpfs /dev
        for m in /modules/*.ko; do insmod $m; done
        label=$(sed -n 's/.*mkcdrec\.medium=\([^ ]*\).*/\1/p' /proc/cmdline)
        dev=
        for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
          dev=$(blkid -c /dev/null -l -o device -t LABEL=$label) && break
          sleep 1
        done
        echo "MKCDREC-MEDIUM $label $dev"
        mkdir -p /run/mkcdrec/medium /var/log/mkcdrec
        mount -t iso9660 -o ro $dev /run/mkcdrec/medium
        echo "MKCDREC-SET $(cat /run/mkcdrec/medium/mkcdrec/medium.json | tr -d ' \n')"
        mkcdrec -v verify /run/mkcdrec/medium/backup < /dev/console > /tmp/verify.out 2>&1 &
        pid=$!
        while ! grep -q 'asking for medium' /tmp/verify.out; do kill -0 $pid 2>/dev/null || break; sleep 1; done
        echo "MKCDREC-ASKED $(grep -c 'asking for medium' /tmp/verify.out)"
        wait $pid
        echo "MKCDREC-VERIFY-EXIT $?"
        sed 's/^/MKCDREC-OUT /' /tmp/verify.out
        echo MKCDREC-END
        poweroff -f
        """;

    [Fact]
    public void A_two_medium_backup_is_read_in_the_guest_which_asks_for_and_finds_medium_2()
    {
        var kernel = MiniRescue.Kernel();
        Assert.SkipWhen(kernel is null, "no /boot/vmlinuz-* to boot");
        Assert.SkipUnless(File.Exists(RepoPaths.MkcdrecBinary), "run ./build.sh first (out/linux-x64/mkcdrec)");
        Assert.SkipUnless(File.Exists("/bin/busybox") && File.Exists("/usr/sbin/blkid"), "busybox and util-linux blkid are needed");
        foreach (var t in new[] { "qemu-system-x86_64", "xorriso", "grub-mkimage", "mcopy", "modprobe" })
        {
            Tool.SkipUnlessTool(t);
        }

        var dir = Tool.TempDir("multimedium");
        try
        {
            var bin = RepoPaths.MkcdrecBinary;

            // a backup of ~5 MiB of incompressible data in 1 MiB volumes
            var tree = Path.Combine(dir, "tree");
            Directory.CreateDirectory(tree);
            var rnd = new Random(42);
            for (var i = 0; i < 5; i++)
            {
                var data = new byte[(1 << 20) - 1000 * i];
                rnd.NextBytes(data);
                File.WriteAllBytes(Path.Combine(tree, $"data{i}.bin"), data);
            }

            File.WriteAllText(Path.Combine(tree, "small.txt"), "hello\n");
            var backup = Path.Combine(dir, "backup");
            Tool.Checked(bin, ["archive", "create", "--root", tree, "--dest", backup, "--compress", "none", "--volume-size", "1M", "--log", Path.Combine(dir, "a.log")]);
            var volumes = Directory.GetFiles(backup).Where(f => !f.EndsWith("manifest.json", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList();
            Assert.True(volumes.Count >= 5, $"{volumes.Count} volumes");

            // the stand-in rescue system: busybox, CD/ISO modules, util-linux blkid and the mkcdrec binary with their libraries
            var initrd = Path.Combine(dir, "initrd.img");
            var kver = MiniRescue.KernelVersion(kernel!);
            // .NET loads OpenSSL with dlopen (SHA-256), so it is not in the binary's DT_NEEDED closure: add it by name
            var ssl = new[] { "libssl.so.3", "libcrypto.so.3" }.Select(l => Path.Combine("/usr/lib/x86_64-linux-gnu", l)).ToList();
            Assert.SkipUnless(ssl.All(File.Exists), "OpenSSL 3 (libssl3) is needed by the mkcdrec binary");
            MiniRescue.Build(initrd, Init, MiniRescue.ModuleClosure(kver, Modules), ["/usr/sbin/blkid", .. ssl],
                new Dictionary<string, byte[]> { ["/usr/bin/mkcdrec"] = File.ReadAllBytes(bin) }, librariesOf: [Path.GetFullPath(bin)]);
            var layout = Path.Combine(dir, "layout.json");
            Tool.Checked(bin, ["layout", "save", "-o", layout, "--log", Path.Combine(dir, "l.log")]);

            // room on medium 1 for the rescue system and two volumes; medium 2 takes the rest
            var common = MediumPlanner.IsoCost(new FileInfo(Path.Combine(backup, "manifest.json")).Length) + MediumPlanner.IsoCost(64 << 10);
            var first = MediumPlanner.IsoCost(new FileInfo(kernel!).Length) + MediumPlanner.IsoCost(new FileInfo(initrd).Length) + MediaWriter.BootFilesReserve;
            var capacity = MediumPlanner.IsoOverhead + common + first + (2 * MediumPlanner.IsoCost(1 << 20)) + 8192;
            var outDir = Path.Combine(dir, "out");
            var sw = Stopwatch.StartNew();
            var mk = Tool.Run(bin, ["mkbackup", "--use-backup", backup, "--medium", capacity.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "--kernel", kernel!, "--initrd", initrd, "--layout", layout, "--label", Label, "--timeout", "1", "--output", outDir, "--log", Path.Combine(dir, "m.log")]);
            output.WriteLine(mk.StdOut + mk.StdErr);
            Assert.True(mk.ExitCode == 0, mk.StdOut + mk.StdErr + File.ReadAllText(Path.Combine(dir, "m.log")));
            output.WriteLine($"mkbackup wrote the set in {sw.Elapsed.TotalSeconds:0.0} s (medium size {capacity} bytes)");

            var host = MediaWriter.BaseName(File.ReadAllText("/proc/sys/kernel/hostname").Trim());
            var iso1 = Path.Combine(outDir, host + "-1.iso");
            var iso2 = Path.Combine(outDir, host + "-2.iso");
            Assert.Equal([iso1, iso1 + ".sha256", iso2, iso2 + ".sha256"], Directory.GetFiles(outDir).Order(StringComparer.Ordinal));
            Assert.All([iso1, iso2], i => Assert.True(new FileInfo(i).Length <= capacity, $"{i}: {new FileInfo(i).Length} > {capacity}"));
            var list2 = Tool.Run("xorriso", ["-indev", iso2, "-find", "/", "-type", "f"]).StdOut;
            Assert.Contains("'/backup/manifest.json'", list2, StringComparison.Ordinal);
            Assert.Contains("'/mkcdrec/medium.json'", list2, StringComparison.Ordinal);
            Assert.DoesNotContain("/boot/vmlinuz", list2, StringComparison.Ordinal);
            Assert.Contains("'/backup/" + Path.GetFileName(volumes[^1]) + "'", list2, StringComparison.Ordinal);
            Assert.DoesNotContain("'/backup/" + Path.GetFileName(volumes[0]) + "'", list2, StringComparison.Ordinal);

            var monitor = Path.Combine(dir, "monitor.sock");
            var args = new List<string>
            {
                "-accel", "tcg", "-m", "1024", "-smp", "1", "-nodefaults", "-display", "none", "-serial", "stdio", "-no-reboot", "-boot", "d",
                "-monitor", $"unix:{monitor},server,nowait",
                "-drive", $"file={iso1},media=cdrom,if=ide,index=2,readonly=on",
                "-drive", "media=cdrom,if=ide,index=3,id=cd2",
            };
            sw.Restart();
            var r = RunWithMediumChange(args, monitor, iso2);
            output.WriteLine($"guest ran {sw.Elapsed.TotalSeconds:0.0} s");
            var lines = r.Replace("\r", "", StringComparison.Ordinal).Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith("MKCDREC-", StringComparison.Ordinal)).ToList();
            lines.ForEach(output.WriteLine);
            var tail = string.Join('\n', r.Split('\n').TakeLast(40));
            Assert.True(lines.Contains("MKCDREC-END"), $"the guest did not finish; console:\n{tail}");
            Assert.Contains(lines, l => l.StartsWith($"MKCDREC-MEDIUM {Label}_1 /dev/sr", StringComparison.Ordinal));
            Assert.Contains("MKCDREC-VERIFY-EXIT 0", lines);
            var outText = string.Join('\n', lines.Where(l => l.StartsWith("MKCDREC-OUT", StringComparison.Ordinal)));
            Assert.Contains($"Insert medium {Label}_2", outText, StringComparison.Ordinal);
            Assert.Contains("MKCDREC-ASKED 1", lines);
            Assert.Contains($"on medium 2 of 2 ({Label}_2) at /dev/sr1", outText, StringComparison.Ordinal);
            foreach (var v in volumes)
            {
                Assert.Contains($"MKCDREC-OUT ok      {Path.GetFileName(v)}:", outText, StringComparison.Ordinal);
            }

            Assert.Contains("every content hash matches", outText, StringComparison.Ordinal);
        }
        finally
        {
            Tool.RemoveDir(dir);
        }
    }

    /// <summary>Runs QEMU; when the guest asks for a medium, inserts <paramref name="iso"/> into drive cd2 via the monitor and presses Enter.</summary>
    private static string RunWithMediumChange(List<string> args, string monitor, string iso)
    {
        using var g = new SerialGuest(args, monitor);
        var deadline = DateTime.UtcNow.AddSeconds(480);
        DateTime? lastPress = null;
        while (!g.Exited && DateTime.UtcNow < deadline)
        {
            var text = g.Text;
            if (lastPress is null && text.Contains("MKCDREC-ASKED", StringComparison.Ordinal))
            {
                // the guest waits at the prompt: insert the disc, give the drive a moment, press Enter
                g.Monitor($"change cd2 {iso}");
                Thread.Sleep(3000);
                g.Send("\n");
                lastPress = DateTime.UtcNow;
            }
            else if (lastPress is { } t && DateTime.UtcNow - t > TimeSpan.FromSeconds(30) && !text.Contains("MKCDREC-VERIFY-EXIT", StringComparison.Ordinal))
            {
                g.Send("\n"); // the drive was slow: mkcdrec asked again
                lastPress = DateTime.UtcNow;
            }

            Thread.Sleep(500);
        }

        g.WaitForExit(TimeSpan.FromSeconds(1));
        return g.Text;
    }
}
