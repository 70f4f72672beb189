using System.Diagnostics;
using Mkcdrec.Model.Layout;
using Mkcdrec.TestVm.Servers;

/// <summary>
/// mkbackuponly into a local directory against the same backup streamed to OpenSSH's sshd over loopback (issue #17:
/// SFTP at least 0.8x the local directory), and the fetch back from SFTP against OpenSSH's own scp of the same backup;
/// S3 (s3rver, a node.js emulator: figures only, not a peer). Then the restore (archive extract, the recovery's own
/// restore path): from the local directory, streamed from SFTP and S3 with no spool, and fetched into a spool first.
/// Rounds alternate the commands; the best time counts.
/// </summary>
internal static class DestinationBench
{
    private const double SftpTarget = 0.8;

    public static int Run(string dir, string bin, long size, int runs)
    {
        var tree = Path.Combine(dir, "dest-tree");
        var content = Directory.Exists(tree) ? TreeSize(tree) : TreeGenerator.Mixed(tree, size);
        var work = Path.Combine(dir, "dest-work");
        Reset(work);
        var layout = Path.Combine(work, "layout.json");
        var doc = new LayoutDocument { Host = new HostInfo { Hostname = "benchhost" } };
        doc.Filesystems.Add(new Filesystem { Id = "fs:ext4:r", Type = "ext4", Uuid = "r", DeviceIds = ["disk:x/p2"] });
        doc.Mounts.Add(new Mount { Target = tree, FilesystemId = "fs:ext4:r", Source = "/dev/x2", Type = "ext4" });
        File.WriteAllText(layout, LayoutSerializer.Serialize(doc));
        var mib = content / 1048576.0;
        Console.WriteLine($"== destinations: {tree}, {mib:F0} MiB of content; {Environment.ProcessorCount} CPUs; best of {runs}");

        using var sshd = new Sshd();
        var local = Path.Combine(work, "local");
        var sftpDir = Path.Combine(work, "sftp");
        var backup = $"'{bin}' --log /dev/null mkbackuponly --layout '{layout}' --level 3";
        var best = Rounds(runs,
            ("mkbackuponly --dest DIR", $"{backup} --dest '{local}' >/dev/null", () => Reset(local)),
            ("mkbackuponly --dest sftp:// (loopback)", $"{backup} --dest '{sshd.Url(sftpDir)}' >/dev/null", () => Reset(sftpDir)));
        Print(best, mib);

        var stored = Directory.GetDirectories(Path.Combine(sftpDir, "benchhost")).Single();
        var spool = Path.Combine(work, "spool");
        var scp = Path.Combine(work, "scp");
        var fetch = Rounds(runs,
            ("mkcdrec fetch sftp://…/latest", $"'{bin}' --log /dev/null fetch '{sshd.Url(sftpDir + "/benchhost/latest")}' --spool '{spool}' >/dev/null", () => Reset(spool)),
            ("scp -r (OpenSSH, SFTP protocol)", $"scp -q -r -F '{sshd.ConfigFile}' '{Sshd.Alias}:{stored}' '{scp}'", () => Reset(scp)));
        Print(fetch, mib);

        var restore = RestoreFigures(bin, work, local, sshd.Url(sftpDir + "/benchhost/latest"), spool, runs, mib);
        var s3 = S3Figures(bin, backup, work, runs, mib);
        var ratio = best["mkbackuponly --dest DIR"] / best["mkbackuponly --dest sftp:// (loopback)"];
        var fetchRatio = fetch["scp -r (OpenSSH, SFTP protocol)"] / fetch["mkcdrec fetch sftp://…/latest"];
        Console.WriteLine("ratios (higher is better for mkcdrec):");
        Console.WriteLine($"  backup to sftp:// vs to a local directory : {ratio:F2}x   (target >= {SftpTarget:F1}x: {(ratio >= SftpTarget ? "met" : "NOT met")})");
        Console.WriteLine($"  fetch from sftp:// vs OpenSSH scp -r     : {fetchRatio:F2}x");
        Console.WriteLine(restore);
        Console.WriteLine(s3);
        Console.WriteLine($"  load average at the end: {File.ReadAllText("/proc/loadavg").Trim()}");
        Shell.Run($"rm -rf '{work}'");
        return 0;
    }

    private static string S3Figures(string bin, string backup, string work, int runs, double mib)
    {
        using var s3 = new S3rver();
        var env = $"AWS_ACCESS_KEY_ID={S3rver.AccessKey} AWS_SECRET_ACCESS_KEY={S3rver.Secret}";
        var spool = Path.Combine(work, "s3-spool");
        var fresh = Path.Combine(work, "s3-fresh");
        var restored = Path.Combine(fresh, "restored");
        var best = Rounds(runs,
            ("mkbackuponly --dest s3:// (s3rver)", $"{env} {backup} --dest '{s3.Url("bench")}' >/dev/null", null),
            ("mkcdrec fetch s3://…/latest", $"{env} '{bin}' --log /dev/null fetch '{s3.Url("bench/benchhost/latest")}' --spool '{spool}' >/dev/null", () => Reset(spool)),
            ("extract --from s3://… (streamed)", $"{env} '{bin}' --log /dev/null archive extract --from '{s3.Url("bench/benchhost/latest")}' --to '{restored}' >/dev/null",
                () => FreshFilesystem(fresh, restored)));
        Print(best, mib);
        Shell.Run($"umount '{fresh}'");
        return $"  s3rver (node.js emulator, figures only): backup {mib / best["mkbackuponly --dest s3:// (s3rver)"]:F0} MiB/s, fetch {mib / best["mkcdrec fetch s3://…/latest"]:F0} MiB/s, "
            + $"restore streamed {mib / best["extract --from s3://… (streamed)"]:F0} MiB/s";
    }

    /// <summary>archive extract from the local backup, streamed from sftp:// (no spool), and fetch into a spool then extract.</summary>
    private static string RestoreFigures(string bin, string work, string local, string sftpUrl, string spool, int runs, double mib)
    {
        var localBackup = local; // --dest DIR: the backup directory itself (no HOST/TIME below it)
        var fresh = Path.Combine(work, "fresh");
        var to = Path.Combine(fresh, "restored");
        var spooled = Path.Combine(fresh, "spool");
        var extract = $"'{bin}' --log /dev/null archive extract --to '{to}'";
        var fetch = $"'{bin}' --log /dev/null fetch '{sftpUrl}' --spool '{spooled}' >/dev/null";
        var best = Rounds(runs,
            ("extract --from DIR (local)", $"{extract} --from '{localBackup}' >/dev/null", () => FreshFilesystem(fresh, to)),
            ("extract --from sftp://… (streamed)", $"{extract} --from '{sftpUrl}' >/dev/null", () => FreshFilesystem(fresh, to)),
            ("fetch sftp:// to a spool, then extract", $"{fetch} && {extract} --from '{spooled}' >/dev/null", () => FreshFilesystem(fresh, to, spooled)));
        Print(best, mib);
        Shell.Run($"umount '{fresh}'");
        var local1 = best["extract --from DIR (local)"];
        return $"  restore streamed from sftp:// vs from a local directory: {local1 / best["extract --from sftp://… (streamed)"]:F2}x; "
            + $"fetch-then-restore: {local1 / best["fetch sftp:// to a spool, then extract"]:F2}x (streaming needs no spool the size of the backup)";
    }

    /// <summary>
    /// A restore lands on an ext4 made just before it, as in a recovery. Into a directory emptied by rm -rf moments
    /// before, ext4's allocator skips the inodes deleted in the last seconds: the same restore measured 3-10x slower.
    /// </summary>
    internal static void FreshFilesystem(string mountPoint, params string[] dirs)
    {
        var image = mountPoint + ".img";
        Shell.Run($"umount '{mountPoint}' 2>/dev/null; rm -f '{image}' && truncate -s 8G '{image}' && mkfs.ext4 -q -F '{image}' && mkdir -p '{mountPoint}' "
            + $"&& mount -o loop '{image}' '{mountPoint}'");
        foreach (var d in dirs)
        {
            Directory.CreateDirectory(d);
        }
    }

    internal static Dictionary<string, double> Rounds(int runs, params (string Label, string Script, Action? Before)[] commands)
    {
        var best = commands.ToDictionary(c => c.Label, _ => double.MaxValue);
        for (var r = 0; r < runs; r++)
        {
            foreach (var (label, script, before) in commands)
            {
                before?.Invoke();
                Shell.Run("sync");
                var t = Stopwatch.StartNew();
                Shell.Run(script + " && sync");
                best[label] = Math.Min(best[label], t.Elapsed.TotalSeconds);
            }
        }

        return best;
    }

    internal static void Print(Dictionary<string, double> best, double mib)
    {
        foreach (var (label, s) in best)
        {
            Console.WriteLine($"  {label,-42} {s,7:F2} s  {mib / s,6:F0} MiB/s");
        }
    }

    internal static long TreeSize(string tree) =>
        new DirectoryInfo(tree).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length);

    internal static void Reset(string path)
    {
        Shell.Run($"rm -rf '{path}'");
        Directory.CreateDirectory(path);
    }
}
