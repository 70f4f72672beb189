using System.Text;
using Mkcdrec.Core.Rescue;
using Mkcdrec.Formats.Cpio;
using Mkcdrec.Platform.Linux;
using Mkcdrec.Tests.Shared;

namespace Mkcdrec.SystemTests.Media;

/// <summary>
/// A minimal stand-in for the rescue system, to test the media on their own: the host's Debian kernel and an
/// initramfs (our cpio writer) with static busybox, the kernel modules asked for (with their dependencies, from
/// modprobe --show-depends, loaded in order by /init), optional programs with their library closure, and a test /init.
/// </summary>
internal static class MiniRescue
{
    public static string? Kernel() =>
        Directory.Exists("/boot") ? Directory.GetFiles("/boot", "vmlinuz-*").Order(StringComparer.Ordinal).LastOrDefault() : null;

    public static string KernelVersion(string kernel) => Path.GetFileName(kernel)["vmlinuz-".Length..];

    /// <summary>Module files (absolute host paths) in load order for the named modules.</summary>
    public static List<string> ModuleClosure(string kver, IEnumerable<string> modules)
    {
        var order = new List<string>();
        foreach (var m in modules)
        {
            var r = Tool.Run("modprobe", ["-S", kver, "--show-depends", m]);
            Assert.True(r.ExitCode == 0, $"modprobe --show-depends {m}: {r.StdErr}");
            foreach (var line in r.StdOut.Split('\n'))
            {
                var parts = line.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (parts.Length >= 2 && parts[0] == "insmod" && !order.Contains(parts[1]))
                {
                    order.Add(parts[1]);
                }
            }
        }

        return order;
    }

    /// <summary>Writes a gzip initramfs: /init = <paramref name="init"/> (a busybox sh script), /modules/NN-name.ko, programs.</summary>
    /// <param name="librariesOf">Programs put in by <paramref name="extra"/> under another name: only their shared libraries are added here.</param>
    /// <param name="busybox">The static busybox put in as /bin/busybox (another machine's for the arm64 medium).</param>
    public static void Build(string path, string init, IReadOnlyList<string> moduleFiles, IReadOnlyList<string> programs, IReadOnlyDictionary<string, byte[]>? extra = null,
        IReadOnlyList<string>? librariesOf = null, string busybox = "/bin/busybox")
    {
        using var output = File.Create(path);
        using var z = InitramfsCompression.OpenCompressor(output, InitramfsCompressionKind.Gzip, null, leaveOpen: true);
        using var w = new CpioWriter(z, leaveOpen: true);
        var closure = new LibraryClosure(new SystemFiles()).Resolve([.. programs, .. librariesOf ?? []]);
        Assert.True(closure.IsComplete, string.Join("; ", closure.Missing));
        var skip = new HashSet<string>(librariesOf ?? [], StringComparer.Ordinal);

        var links = closure.Symlinks;
        var dirs = new SortedSet<string>(StringComparer.Ordinal) { "/dev", "/proc", "/sys", "/run", "/mnt", "/tmp", "/modules", "/bin", "/etc" };
        foreach (var p in closure.Files.Where(f => !skip.Contains(f)).Concat(links.Keys).Concat(extra?.Keys ?? []))
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

        foreach (var f in closure.Files.Where(f => !skip.Contains(f)))
        {
            using var s = File.OpenRead(f);
            w.AddFile(f, s, s.Length, new CpioAttributes(0x1ED));
        }

        using (var bb = File.OpenRead(busybox))
        {
            w.AddFile("bin/busybox", bb, bb.Length, new CpioAttributes(0x1ED));
        }

        for (var i = 0; i < moduleFiles.Count; i++)
        {
            using var m = File.OpenRead(moduleFiles[i]);
            w.AddFile($"modules/{i:D2}-{Path.GetFileName(moduleFiles[i])}", m, m.Length, new CpioAttributes(0x1A4));
        }

        foreach (var (p, content) in extra ?? new Dictionary<string, byte[]>())
        {
            w.AddFile(p.TrimStart('/'), content, new CpioAttributes(0x1ED));
        }

        w.AddFile("init", Encoding.ASCII.GetBytes(init.Replace("\r", "", StringComparison.Ordinal) + "\n"), new CpioAttributes(0x1ED));
        w.AddCharacterDevice("dev/console", 5, 1, new CpioAttributes(0x180));
    }
}
