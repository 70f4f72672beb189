using System.Diagnostics;

// Throughput of the NativeAOT mkcdrec binary against the shell pipelines it replaces, on two generated trees: a mixed
// one (small text files, large compressible and random files, sparse images) and one of many small files (a mail spool
// or source tree, where the cost per file dominates).
//   dotnet run -c Release --project bench/Mkcdrec.Bench -- [--tree mixed|small|both] [--size 2G] [--files 200000]
//       [--dir /var/tmp/mkcdrec-bench] [--bin out/linux-x64/mkcdrec] [--runs 2] [--keep] [--no-gzip]
//   ... -- --destinations [--size 1G]: backups to a local directory, SFTP (sshd on loopback) and S3 (DestinationBench.cs).
//   ... -- --incremental [--size 2G]: a full backup, 3 increments of 1 % changed files, the chain's restore (IncrementalBench.cs).
// Each command runs --runs times (page cache warm), in rounds that alternate mkcdrec and the pipeline; the best time
// counts. Prints MiB/s of tree content and the ratios against the issue's targets (backup >= 1.5x, restore >= 2.0x).
const double BackupTarget = 1.5, RestoreTarget = 2.0;
var size = 2L << 30;
var files = 200_000;
var trees = "both";
var dir = "/var/tmp/mkcdrec-bench";
var bin = Path.GetFullPath("out/linux-x64/mkcdrec");
var runs = 2;
var keep = false;
var gzip = true;
var destinations = false;
var incremental = false;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--size": size = ParseSize(args[++i]); break;
        case "--files": files = int.Parse(args[++i]); break;
        case "--tree": trees = args[++i]; break;
        case "--dir": dir = args[++i]; break;
        case "--bin": bin = Path.GetFullPath(args[++i]); break;
        case "--runs": runs = int.Parse(args[++i]); break;
        case "--keep": keep = true; break;
        case "--no-gzip": gzip = false; break; // the tar|gzip figure costs ~95 s on 2 cores: CI leaves it out
        case "--destinations": destinations = true; break;
        case "--incremental": incremental = true; break;
        default: Console.Error.WriteLine($"unknown argument {args[i]}"); return 2;
    }
}

if (!File.Exists(bin))
{
    Console.Error.WriteLine($"{bin} not found: run ./build.sh first (the benchmark measures the NativeAOT binary).");
    return 2;
}

if (trees is not ("mixed" or "small" or "both"))
{
    Console.Error.WriteLine($"--tree {trees}: say mixed, small or both");
    return 2;
}

Directory.CreateDirectory(dir);
if (destinations)
{
    return DestinationBench.Run(dir, bin, size, runs);
}

if (incremental)
{
    return IncrementalBench.Run(dir, bin, size, runs, keep);
}

var summary = new List<string>();
if (trees is "mixed" or "both")
{
    Bench("mixed", Path.Combine(dir, "tree"), t => TreeGenerator.Mixed(t, size), withGzip: gzip);
}

if (trees is "small" or "both")
{
    Bench($"small files ({files:N0})", Path.Combine(dir, "small-tree"), t => TreeGenerator.SmallFiles(t, files), withGzip: false);
}

Console.WriteLine("summary:");
summary.ForEach(Console.WriteLine);
Console.WriteLine($"  load average at the end: {File.ReadAllText("/proc/loadavg").Trim()}");
return 0;

void Bench(string name, string tree, Func<string, long> generate, bool withGzip)
{
    var sw = Stopwatch.StartNew();
    var content = generate(tree);
    Console.WriteLine($"== {name} tree: {tree}, {content / 1048576.0:F0} MiB of content, generated in {sw.Elapsed.TotalSeconds:F0} s; "
        + $"{Environment.ProcessorCount} CPUs; best of {runs}");

    var cpu = new Dictionary<string, double>();
    var wall = new Dictionary<string, double>();

    // Runs the commands in rounds (A B A B …, not A A B B), so a slow spell of a shared machine hits both sides alike;
    // the best wall time and the best CPU time of each command count.
    void Compare(int rounds, params (string Label, string Script, Action? Before)[] commands)
    {
        var tf = Path.Combine(dir, "time.txt");
        foreach (var c in commands)
        {
            wall[c.Label] = double.MaxValue;
            cpu[c.Label] = double.MaxValue;
        }

        for (var r = 0; r < rounds; r++)
        {
            foreach (var (label, script, before) in commands)
            {
                before?.Invoke();
                Sh("sync");
                var t = Stopwatch.StartNew();
                // CPU seconds (user+sys of the whole pipeline) too: on a shared machine they are steadier than wall time.
                Sh($"{script}; times > '{tf}'");
                wall[label] = Math.Min(wall[label], t.Elapsed.TotalSeconds);
                // bash 'times': second line = user and system time of the shell's children, as "1m2.345s 0m0.678s".
                var children = File.ReadAllLines(tf)[1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
                cpu[label] = Math.Min(cpu[label], children.Sum(Seconds));
            }
        }

        foreach (var (label, _, _) in commands)
        {
            Console.WriteLine($"  {label,-40} {wall[label],7:F2} s  {content / 1048576.0 / wall[label],6:F0} MiB/s   cpu {cpu[label],6:F2} s");
        }
    }

    // Restores go onto a freshly made file system, as in a recovery (and so that neither side pays for the last run's
    // deletions: ext4 skips recently deleted inodes, which made restores into a cleaned directory vary 3x). As root with
    // mkfs.ext4: a new ext4 on a loop device (direct I/O to a sparse image under --dir) for every run; otherwise a
    // cleaned directory.
    var fresh = Environment.IsPrivilegedProcess && File.Exists("/sbin/mkfs.ext4") && File.Exists("/sbin/losetup");
    var mounted = new List<string>();
    void Unmount(string mountPoint)
    {
        if (mounted.Remove(mountPoint))
        {
            Sh($"dev=$(findmnt -n -o SOURCE --target '{mountPoint}'); umount '{mountPoint}' && losetup -d \"$dev\"; rm -f '{mountPoint}.img'");
        }
    }

    void FreshFs(string mountPoint)
    {
        if (!fresh)
        {
            Clean(mountPoint);
            return;
        }

        Unmount(mountPoint);
        Directory.CreateDirectory(mountPoint);
        var img = mountPoint + ".img";
        Sh($"rm -f '{img}' && truncate -s {(content * 2 / 1048576 + 1024) * 1048576} '{img}' && mkfs.ext4 -q -F -E lazy_itable_init=0,lazy_journal_init=0,nodiscard '{img}' "
            + $"&& dev=$(losetup --direct-io=on -f --show '{img}') && mount \"$dev\" '{mountPoint}'");
        mounted.Add(mountPoint);
    }

    var work = Path.Combine(dir, "work");
    Clean(work);
    var ours = Path.Combine(work, "ours");
    var zst = Path.Combine(work, "tree.tar.zst");
    var gz = Path.Combine(work, "tree.tar.gz");
    var r1 = Path.Combine(work, "restore-ours");
    var r2 = Path.Combine(work, "restore-tar");
    // A backup is done when it is on disk: mkcdrec fsyncs every volume before its manifest names it, so each backup is
    // timed until its output is durable (the shell pipelines are followed by sync; a sync before every run flushed
    // everything else). Restores are timed as they return: neither side fsyncs what it extracts.
    Console.WriteLine("backup (until the output is on disk):");
    const string CreateLabel = "mkcdrec archive create (zstd -3)", ZstdLabel = "tar -cf - | zstd -T0 -3", GzipLabel = "tar -cf - | gzip (once)";
    const string ExtractLabel = "mkcdrec archive extract", UnzstdLabel = "zstd -d | tar -x";
    Compare(runs,
        (CreateLabel, $"'{bin}' archive create --root '{tree}' --dest '{ours}' --log /dev/null >/dev/null && sync", () => Clean(ours)),
        (ZstdLabel, $"tar -cf - -C '{tree}' . | zstd -q -T0 -3 > '{zst}' && sync", null));
    if (withGzip)
    {
        Compare(1, (GzipLabel, $"tar -cf - -C '{tree}' . | gzip > '{gz}' && sync", null)); // ~15x slower: once is enough
    }

    Console.WriteLine("restore:");
    Console.WriteLine(fresh ? "  (each onto a new ext4 on a loop device)" : "  (each into a cleaned directory: run as root for a new file system each time)");
    try
    {
        Compare(runs,
            (ExtractLabel, $"'{bin}' archive extract --from '{ours}' --to '{r1}' --log /dev/null >/dev/null", () => FreshFs(r1)),
            (UnzstdLabel, $"zstd -q -dc '{zst}' | tar -xf - -C '{r2}'", () => FreshFs(r2)));
    }
    finally
    {
        Unmount(r1);
        Unmount(r2);
    }

    var (tOurs, tZstd, rOurs, rZstd) = (wall[CreateLabel], wall[ZstdLabel], wall[ExtractLabel], wall[UnzstdLabel]);
    var oursSize = Directory.GetFiles(ours, "root.tar*").Sum(f => new FileInfo(f).Length);
    Console.WriteLine("sizes:");
    Console.WriteLine($"  mkcdrec {oursSize / 1048576.0:F0} MiB, tar|zstd {new FileInfo(zst).Length / 1048576.0:F0} MiB"
        + (withGzip ? $", tar|gzip {new FileInfo(gz).Length / 1048576.0:F0} MiB" : ""));
    Console.WriteLine("ratios (higher is better for mkcdrec):");
    var backup = $"backup  vs tar|zstd -T0 -3 : {tZstd / tOurs:F2}x   (target >= {BackupTarget:F1}x: {(tZstd / tOurs >= BackupTarget ? "met" : "NOT met")})";
    var restore = $"restore vs zstd -d|tar -x  : {rZstd / rOurs:F2}x   (target >= {RestoreTarget:F1}x: {(rZstd / rOurs >= RestoreTarget ? "met" : "NOT met")})";
    Console.WriteLine("  " + backup);
    if (withGzip)
    {
        Console.WriteLine($"  backup  vs tar|gzip        : {wall[GzipLabel] / tOurs:F2}x");
    }

    Console.WriteLine("  " + restore);
    Console.WriteLine($"  cpu time, backup  vs tar|zstd : {cpu[ZstdLabel] / cpu[CreateLabel]:F2}x");
    Console.WriteLine($"  cpu time, restore vs zstd|tar : {cpu[UnzstdLabel] / cpu[ExtractLabel]:F2}x");
    summary.Add($"  {name,-22} {backup}");
    summary.Add($"  {name,-22} {restore}");
    if (!keep)
    {
        Sh($"rm -rf '{work}'");
    }
}

static void Clean(params string[] paths)
{
    foreach (var p in paths)
    {
        Sh($"rm -rf '{p}'");
        Directory.CreateDirectory(p);
    }
}

static double Seconds(string t)
{
    var m = t.IndexOf('m');
    return double.Parse(t[..m], System.Globalization.CultureInfo.InvariantCulture) * 60
        + double.Parse(t[(m + 1)..].TrimEnd('s'), System.Globalization.CultureInfo.InvariantCulture);
}

static long ParseSize(string s)
{
    s = s.Trim().ToUpperInvariant();
    long m = s[^1] switch { 'K' => 1L << 10, 'M' => 1L << 20, 'G' => 1L << 30, _ => 1 };
    return long.Parse(m == 1 ? s : s[..^1]) * m;
}

static void Sh(string script) => Shell.Run(script);
