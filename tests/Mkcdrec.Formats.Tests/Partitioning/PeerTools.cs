using System.Diagnostics;

namespace Mkcdrec.Formats.Tests.Partitioning;

/// <summary>Finds and runs the real partitioning tools for the peer tests; a missing tool fails with what to install.</summary>
internal static class PeerTools
{
    private static readonly string[] ExtraDirs = ["/usr/sbin", "/sbin", "/usr/local/sbin"];

    public static bool IsRoot => Environment.UserName == "root" || (File.Exists("/proc/self/status") && File.ReadLines("/proc/self/status").Any(l => l.StartsWith("Uid:\t0\t", StringComparison.Ordinal)));

    public static string Find(string tool, string package)
    {
        var dirs = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries).Concat(ExtraDirs);
        foreach (var dir in dirs)
        {
            var path = Path.Combine(dir, tool);
            if (File.Exists(path))
            {
                return path;
            }
        }

        Assert.Fail($"peer tool '{tool}' not found in PATH or /usr/sbin: install it (apt-get install {package}) — the peer tests compare our tables with it");
        return "";
    }

    public static string Sgdisk => Find("sgdisk", "gdisk");
    public static string Sfdisk => Find("sfdisk", "fdisk");
    public static string Blkid => Find("blkid", "util-linux");
    public static string Partx => Find("partx", "util-linux");
    public static string Losetup => Find("losetup", "mount");

    public sealed record Result(int ExitCode, string Stdout, string Stderr)
    {
        public override string ToString() => $"exit {ExitCode}\nstdout:\n{Stdout}\nstderr:\n{Stderr}";
    }

    public static Result Run(string exe, params string[] args)
    {
        var psi = new ProcessStartInfo(exe) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment["LC_ALL"] = "C.UTF-8";
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        var stdout = p.StandardOutput.ReadToEnd();
        if (!p.WaitForExit(60_000))
        {
            p.Kill(entireProcessTree: true);
            Assert.Fail($"{exe} {string.Join(' ', args)} did not finish in 60 s");
        }

        return new Result(p.ExitCode, stdout, stderr.Result);
    }

    /// <summary>Runs and asserts exit code 0.</summary>
    public static string Ok(string exe, params string[] args)
    {
        var r = Run(exe, args);
        Assert.True(r.ExitCode == 0, $"{exe} {string.Join(' ', args)} failed: {r}");
        return r.Stdout;
    }

    /// <summary>A sparse image file in a private temporary directory, deleted on dispose.</summary>
    public sealed class TempImage : IDisposable
    {
        private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("mkcdrec-pt-");

        public TempImage(long size)
        {
            Path = System.IO.Path.Combine(_dir.FullName, "disk.img");
            using var f = new FileStream(Path, FileMode.CreateNew);
            f.SetLength(size);
        }

        public string Path { get; }

        public FileStream Open() => new(Path, FileMode.Open, FileAccess.ReadWrite);

        public void Dispose() => _dir.Delete(recursive: true);
    }

    /// <summary>A loop device over an image file (with partition nodes via partx), detached on dispose.</summary>
    public sealed class Loop : IDisposable
    {
        public Loop(string image, int sectorSize)
        {
            Device = Ok(Losetup, "--find", "--show", "--sector-size", sectorSize.ToString(System.Globalization.CultureInfo.InvariantCulture), image).Trim();
            Assert.StartsWith("/dev/loop", Device, StringComparison.Ordinal);
        }

        public string Device { get; }

        public string PartitionNode(int n) => $"{Device}p{n}";

        /// <summary>Creates the partition nodes (no udev here). The extended container is left out: the kernel
        /// refuses it on 4096-byte-sector devices even for tables made by sfdisk itself.</summary>
        public void AddPartitions(IEnumerable<int> numbers)
        {
            foreach (int n in numbers)
            {
                Ok(Partx, "-a", "--nr", $"{n}:{n}", Device);
            }
        }

        public void Dispose()
        {
            Run(Partx, "-d", Device);
            Run(Losetup, "-d", Device);
        }
    }

    /// <summary>blkid -o export escapes spaces and other unsafe characters with a backslash.</summary>
    private static string Unescape(string value)
    {
        var sb = new System.Text.StringBuilder(value.Length);
        for (int i = 0; i < value.Length; i++)
        {
            if (value[i] == '\\' && i + 1 < value.Length)
            {
                i++;
            }

            sb.Append(value[i]);
        }

        return sb.ToString();
    }

    public static Dictionary<string, string> BlkidExport(string device)
    {
        var output = Ok(Blkid, "-p", "-o", "export", device);
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split('=', 2)).ToDictionary(kv => kv[0], kv => Unescape(kv[1]));
    }
}
