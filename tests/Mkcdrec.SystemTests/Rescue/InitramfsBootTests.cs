using System.Security.Cryptography;
using System.Text;
using Mkcdrec.Core.Rescue;
using Mkcdrec.Formats.Cpio;
using Mkcdrec.Platform.Linux;
using Mkcdrec.Tests.Shared;

namespace Mkcdrec.SystemTests.Rescue;

/// <summary>
/// The real peer of the cpio writer: the Linux kernel. Builds an initramfs with our writer (compressed by
/// our zstd/gzip helper) holding static busybox, /bin/bash with the library closure LibraryClosure found
/// (files and symlinks), hard links, a device node and a file with owner/mode/mtime; boots the host's
/// Debian kernel on it in QEMU (TCG) and checks, from inside, what the kernel unpacked.
/// </summary>
public class InitramfsBootTests
{
    private static readonly byte[] LinkedData = Encoding.ASCII.GetBytes("hard-linked data, on the last name only\n");
    private const long SecretMTime = 1_650_000_000;

    private const string Init = """
        #!/bin/busybox sh
        B=/bin/busybox
        $B echo MKCDREC-BEGIN
        for f in /data/a /data/b /data/c; do
          $B echo "MKCDREC-LINK $f $($B stat -c '%i %h %s' $f) $($B md5sum $f | $B cut -d' ' -f1)"
        done
        $B echo "MKCDREC-DEV $($B stat -c '%F %t %T %a %u %g' /dev/sda1)"
        $B echo "MKCDREC-FILE $($B stat -c '%a %u %g %Y' /etc/secret)"
        $B echo "MKCDREC-SYMLINK $($B readlink /bin/sh)"
        /bin/bash -c 'echo "MKCDREC-BASH ${BASH_VERSINFO[0]}"'
        $B echo MKCDREC-END
        $B poweroff -f
        """;

    private static string? Kernel() =>
        Directory.Exists("/boot") ? Directory.GetFiles("/boot", "vmlinuz-*").Order(StringComparer.Ordinal).LastOrDefault() : null;

    private static void Build(Stream output, InitramfsCompressionKind kind)
    {
        var closure = new LibraryClosure(new SystemFiles()).Resolve(["/bin/bash"]);
        Assert.True(closure.IsComplete, string.Join("; ", closure.Missing));

        using var z = InitramfsCompression.OpenCompressor(output, kind, kind == InitramfsCompressionKind.Zstd ? 19 : null, leaveOpen: true);
        using var w = new CpioWriter(z, leaveOpen: true);

        // Directories first: every parent of a file or link, unless that parent is itself a link.
        var links = closure.Symlinks;
        var paths = closure.Files.Concat(links.Keys).Append("/usr/bin/busybox").Append("/data/x").Append("/etc/x").Append("/dev/x").Append("/proc/x").Append("/sys/x");
        var dirs = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var p in paths)
        {
            for (var d = Path.GetDirectoryName(p); d is not null && d != "/"; d = Path.GetDirectoryName(d))
            {
                if (!links.ContainsKey(d))
                {
                    dirs.Add(d);
                }
            }
        }

        foreach (var d in dirs)
        {
            w.AddDirectory(d);
        }

        foreach (var (link, target) in links)
        {
            w.AddSymlink(link, target);
        }

        foreach (var f in closure.Files)
        {
            using var s = File.OpenRead(f);
            w.AddFile(f, s, s.Length, new CpioAttributes(0x1ED));
        }

        using (var bb = File.OpenRead("/bin/busybox"))
        {
            w.AddFile("usr/bin/busybox", bb, bb.Length, new CpioAttributes(0x1ED));
        }

        w.AddSymlink("usr/bin/sh", "busybox");
        if (!links.ContainsKey("/bin") && !dirs.Contains("/bin"))
        {
            w.AddSymlink("bin", "usr/bin"); // a host without merged /usr: /bin/busybox must still resolve
        }

        w.AddFile("init", Encoding.ASCII.GetBytes(Init.Replace("\r", "", StringComparison.Ordinal) + "\n"), new CpioAttributes(0x1ED));
        w.AddCharacterDevice("dev/console", 5, 1, new CpioAttributes(0x180));
        w.AddBlockDevice("dev/sda1", 8, 1, new CpioAttributes(0x1B0, 0, 6));
        w.AddFile("etc/secret", "s3cret\n"u8, new CpioAttributes(0x1A0, 1000, 100, SecretMTime));
        w.AddHardLinkedFile(["data/a", "data/b", "data/c"], LinkedData, new CpioAttributes(0x1A4));
    }

    [Theory]
    [InlineData(InitramfsCompressionKind.Zstd)]
    [InlineData(InitramfsCompressionKind.Gzip)]
    public void The_kernel_unpacks_our_initramfs_and_bash_runs_from_it(InitramfsCompressionKind kind)
    {
        var kernel = Kernel();
        Assert.SkipWhen(kernel is null, "no /boot/vmlinuz-* to boot");
        Assert.SkipUnless(File.Exists("/bin/busybox") && File.Exists("/bin/bash"), "busybox and bash are needed");
        Tool.SkipUnlessTool("qemu-system-x86_64");

        var dir = Tool.TempDir("initramfs-boot");
        try
        {
            var image = Path.Combine(dir, "initrd.img");
            using (var fs = File.Create(image))
            {
                Build(fs, kind);
            }

            var r = Tool.Run("qemu-system-x86_64",
                ["-accel", "tcg", "-m", "512", "-smp", "1", "-nodefaults", "-display", "none", "-serial", "stdio", "-no-reboot",
                    "-kernel", kernel!, "-initrd", image, "-append", "console=ttyS0 panic=-1 quiet loglevel=3"],
                timeout: TimeSpan.FromSeconds(180));
            var lines = r.StdOut.Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith("MKCDREC-", StringComparison.Ordinal)).ToList();
            var console = string.Join('\n', r.StdOut.Split('\n').TakeLast(40));
            Assert.True(lines.Contains("MKCDREC-END"), $"the guest did not finish; console:\n{console}");

            string Line(string key) => lines.Single(l => l.StartsWith(key + " ", StringComparison.Ordinal))[(key.Length + 1)..];

            var md5 = Convert.ToHexStringLower(MD5.HashData(LinkedData));
            var linkLines = lines.Where(l => l.StartsWith("MKCDREC-LINK ", StringComparison.Ordinal)).Select(l => l.Split(' ')).ToList();
            Assert.Equal(3, linkLines.Count);
            Assert.Single(linkLines.Select(l => l[2]).Distinct());                     // one inode
            Assert.All(linkLines, l => Assert.Equal("3", l[3]));                       // three names
            Assert.All(linkLines, l => Assert.Equal(LinkedData.Length.ToString(), l[4]));
            Assert.All(linkLines, l => Assert.Equal(md5, l[5]));

            Assert.Equal("block special file 8 1 660 0 6", Line("MKCDREC-DEV"));
            Assert.Equal($"640 1000 100 {SecretMTime}", Line("MKCDREC-FILE"));
            Assert.Equal("busybox", Line("MKCDREC-SYMLINK"));
            Assert.Matches(@"^\d+$", Line("MKCDREC-BASH"));
        }
        finally
        {
            Tool.RemoveDir(dir);
        }
    }
}
