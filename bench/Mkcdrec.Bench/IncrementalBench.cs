using System.Diagnostics;

/// <summary>
/// Issue #20's figures: on the mixed tree, a full backup, then three times 1 % of the files changed (rewritten, or 4 KiB
/// overwritten in place for the large ones) and an increment made; the increment's time against the full backup's
/// (target at most 0.1x), and the restore of the full backup + 3 increments (archive extract applies the chain) against
/// the restore of one full backup of the same final tree (target at most 1.2x), both into a tmpfs. Each increment and
/// restore runs --runs times (the increments into fresh directories from the same parent); the best time counts.
/// </summary>
internal static class IncrementalBench
{
    private const double IncrementTarget = 0.1, ChainRestoreTarget = 1.2;

    public static int Run(string dir, string bin, long size, int runs, bool keep)
    {
        var tree = Path.Combine(dir, "inc-tree");
        Shell.Run($"rm -rf '{tree}'");
        var content = TreeGenerator.Mixed(tree, size);
        var work = Path.Combine(dir, "inc-work");
        DestinationBench.Reset(work);
        var mib = content / 1048576.0;
        var files = Directory.EnumerateFiles(tree, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();
        Console.WriteLine($"== incremental: {tree}, {mib:F0} MiB in {files.Count:N0} files; {Environment.ProcessorCount} CPUs; best of {runs}");
        var create = $"'{bin}' --log /dev/null archive create --root '{tree}' --level 3";

        Thread.Sleep(1100); // the tree is older than the clock margin of the full backup's start
        var full = Path.Combine(work, "full");
        var fullTime = DestinationBench.Rounds(runs, ("full backup", $"{create} --dest '{full}' >/dev/null", () => DestinationBench.Reset(full)))["full backup"];
        var links = new List<string> { full };
        var incTimes = new List<double>();
        for (var i = 1; i <= 3; i++)
        {
            var changed = Change(files, i);
            Thread.Sleep(1100);
            var inc = Path.Combine(work, "inc" + i);
            var label = $"increment {i}";
            incTimes.Add(DestinationBench.Rounds(runs, (label, $"{create} --dest '{inc}' --incremental-from '{links[^1]}' >/dev/null", () => DestinationBench.Reset(inc)))[label]);
            Console.WriteLine($"  increment {i}: {changed.Files} files changed ({changed.Bytes / 1048576.0:F1} MiB of them), {incTimes[^1]:F2} s, " +
                              $"{StoredMib(inc):F1} MiB stored (the full backup: {StoredMib(full):F1} MiB)");
            links.Add(inc);
        }

        var final = Path.Combine(work, "final-full");
        Shell.Run($"{create} --dest '{final}' >/dev/null");
        // Restored into a tmpfs: this machine's disk varies 3x from one 2 GiB write to the next, which would drown the
        // difference between the two restores (the chain's extra work: three more archives, the dumpdirs applied).
        var target = Path.Combine(work, "restore");
        Directory.CreateDirectory(target);
        Shell.Run($"mount -t tmpfs -o size={(content >> 20) * 3 / 2 + 512}m mkcdrec-bench '{target}'");
        Dictionary<string, double> restore;
        try
        {
            restore = DestinationBench.Rounds(runs,
                ("restore: full + 3 increments", $"'{bin}' --log /dev/null archive extract --from '{links[^1]}' --to '{target}' >/dev/null", () => Empty(target)),
            ("restore: one full backup", $"'{bin}' --log /dev/null archive extract --from '{final}' --to '{target}' >/dev/null", () => Empty(target)));
        }
        finally
        {
            Shell.Run($"umount '{target}'");
        }

        DestinationBench.Print(restore, mib);
        var incRatio = incTimes.Max() / fullTime;
        var chainRatio = restore["restore: full + 3 increments"] / restore["restore: one full backup"];
        Console.WriteLine("ratios (lower is better):");
        Console.WriteLine($"  slowest increment vs the full backup ({fullTime:F2} s): {incRatio:F3}x   (target <= {IncrementTarget:F1}x: {(incRatio <= IncrementTarget ? "met" : "NOT met")})");
        Console.WriteLine($"  restore of full + 3 increments vs one full  : {chainRatio:F2}x   (target <= {ChainRestoreTarget:F1}x: {(chainRatio <= ChainRestoreTarget ? "met" : "NOT met")})");
        Console.WriteLine($"  load average at the end: {File.ReadAllText("/proc/loadavg").Trim()}");
        if (keep)
        {
            Console.WriteLine($"  kept (--keep): the backups in {work}, the changed tree in {tree}");
            return 0;
        }

        Shell.Run($"rm -rf '{work}' '{tree}'"); // the tree was changed three times: the next run makes a fresh one
        return 0;
    }

    /// <summary>Changes every 100th file (offset by the round): small ones rewritten whole, large ones 4 KiB in place.</summary>
    private static (int Files, long Bytes) Change(List<string> files, int round)
    {
        var rng = new Random(round);
        var (count, bytes) = (0, 0L);
        for (var i = round * 7 % 100; i < files.Count; i += 100)
        {
            var f = files[i];
            var len = new FileInfo(f).Length;
            using var s = new FileStream(f, FileMode.Open, FileAccess.Write);
            var block = new byte[(int)Math.Min(len, len <= 1 << 20 ? len : 4096)];
            rng.NextBytes(block);
            s.Position = len <= 1 << 20 ? 0 : rng.NextInt64(0, len - block.Length);
            s.Write(block);
            count++;
            bytes += len;
        }

        return (count, bytes);
    }

    private static void Empty(string dir) => Shell.Run($"find '{dir}' -mindepth 1 -delete");

    private static double StoredMib(string backup) =>
        Directory.EnumerateFiles(backup).Where(f => !f.EndsWith(".json", StringComparison.Ordinal)).Sum(f => new FileInfo(f).Length) / 1048576.0;
}
