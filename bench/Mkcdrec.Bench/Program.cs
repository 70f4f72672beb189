using System.Diagnostics;
using System.Text;

// Throughput of the NativeAOT mkcdrec binary against the shell pipelines it replaces, on one generated tree.
//   dotnet run -c Release --project bench/Mkcdrec.Bench -- [--size 2G] [--dir /var/tmp/mkcdrec-bench] [--bin out/linux-x64/mkcdrec] [--runs 2] [--keep]
// Each command runs --runs times (page cache warm), in rounds that alternate mkcdrec and the pipeline; the best time counts. Prints MiB/s of tree content and ratios.
var size = 2L << 30;
var dir = "/var/tmp/mkcdrec-bench";
var bin = Path.GetFullPath("out/linux-x64/mkcdrec");
var runs = 2;
var keep = false;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--size": size = ParseSize(args[++i]); break;
        case "--dir": dir = args[++i]; break;
        case "--bin": bin = Path.GetFullPath(args[++i]); break;
        case "--runs": runs = int.Parse(args[++i]); break;
        case "--keep": keep = true; break;
        default: Console.Error.WriteLine($"unknown argument {args[i]}"); return 2;
    }
}

if (!File.Exists(bin))
{
    Console.Error.WriteLine($"{bin} not found: run ./build.sh first (the benchmark measures the NativeAOT binary).");
    return 2;
}

var tree = Path.Combine(dir, "tree");
var work = Path.Combine(dir, "work");
Directory.CreateDirectory(dir);
var sw = Stopwatch.StartNew();
var content = Generate(tree, size);
Console.WriteLine($"tree: {tree}, {content / 1048576.0:F0} MiB of content, generated in {sw.Elapsed.TotalSeconds:F0} s; {Environment.ProcessorCount} CPUs; best of {runs}");

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
    Sh($"rm -f '{img}' && truncate -s {size * 2 + (1L << 30)} '{img}' && mkfs.ext4 -q -F -E lazy_itable_init=0,lazy_journal_init=0,nodiscard '{img}' "
        + $"&& dev=$(losetup --direct-io=on -f --show '{img}') && mount \"$dev\" '{mountPoint}'");
    mounted.Add(mountPoint);
}

void Clean(params string[] paths)
{
    foreach (var p in paths)
    {
        Sh($"rm -rf '{p}'");
        Directory.CreateDirectory(p);
    }
}

var ours = Path.Combine(work, "ours");
var zst = Path.Combine(work, "tree.tar.zst");
var gz = Path.Combine(work, "tree.tar.gz");
var r1 = Path.Combine(work, "restore-ours");
var r2 = Path.Combine(work, "restore-tar");
Directory.CreateDirectory(work);
// A backup is done when it is on disk: mkcdrec fsyncs every volume before its manifest names it, so each backup is
// timed until its output is durable (the shell pipelines are followed by sync; a sync before every run flushed
// everything else). Restores are timed as they return: neither side fsyncs what it extracts.
Console.WriteLine("backup (until the output is on disk):");
const string CreateLabel = "mkcdrec archive create (zstd -3)", ZstdLabel = "tar -cf - | zstd -T0 -3", GzipLabel = "tar -cf - | gzip (once)";
const string ExtractLabel = "mkcdrec archive extract", UnzstdLabel = "zstd -d | tar -x";
Compare(runs,
    (CreateLabel, $"'{bin}' archive create --root '{tree}' --dest '{ours}' --log /dev/null >/dev/null && sync", () => Clean(ours)),
    (ZstdLabel, $"tar -cf - -C '{tree}' . | zstd -q -T0 -3 > '{zst}' && sync", null));
Compare(1, (GzipLabel, $"tar -cf - -C '{tree}' . | gzip > '{gz}' && sync", null)); // ~15x slower: once is enough
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

var (tOurs, tZstd, tGzip, rOurs, rZstd) = (wall[CreateLabel], wall[ZstdLabel], wall[GzipLabel], wall[ExtractLabel], wall[UnzstdLabel]);
var oursSize = Directory.GetFiles(ours, "root.tar*").Sum(f => new FileInfo(f).Length);
Console.WriteLine("sizes:");
Console.WriteLine($"  mkcdrec {oursSize / 1048576.0:F0} MiB, tar|zstd {new FileInfo(zst).Length / 1048576.0:F0} MiB, tar|gzip {new FileInfo(gz).Length / 1048576.0:F0} MiB");
Console.WriteLine("ratios (higher is better for mkcdrec):");
Console.WriteLine($"  backup  vs tar|zstd -T0 -3 : {tZstd / tOurs:F2}x   (target >= 1.2x)");
Console.WriteLine($"  backup  vs tar|gzip        : {tGzip / tOurs:F2}x");
Console.WriteLine($"  restore vs zstd -d|tar -x  : {rZstd / rOurs:F2}x   (target >= 1.0x)");
Console.WriteLine($"  cpu time, backup  vs tar|zstd : {cpu[ZstdLabel] / cpu[CreateLabel]:F2}x");
Console.WriteLine($"  cpu time, restore vs zstd|tar : {cpu[UnzstdLabel] / cpu[ExtractLabel]:F2}x");
Console.WriteLine($"  load average at the end: {File.ReadAllText("/proc/loadavg").Trim()}");
if (!keep)
{
    Sh($"rm -rf '{work}'");
}

return 0;

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

static void Sh(string script)
{
    var psi = new ProcessStartInfo("bash") { UseShellExecute = false };
    psi.ArgumentList.Add("-c");
    psi.ArgumentList.Add("set -o pipefail; " + script);
    using var p = Process.Start(psi)!;
    p.WaitForExit();
    if (p.ExitCode != 0)
    {
        throw new InvalidOperationException($"failed ({p.ExitCode}): {script}");
    }
}

// 25% small files (1-16 KiB, text-like), 35% large compressible files, 30% random, 10% sparse (1/8 data). Reused when present.
static long Generate(string root, long size)
{
    var stamp = Path.Combine(root, ".bench-size");
    if (File.Exists(stamp) && File.ReadAllText(stamp) == size.ToString())
    {
        return size;
    }

    if (Directory.Exists(root))
    {
        Directory.Delete(root, true);
    }

    Directory.CreateDirectory(root);
    var rnd = new Random(12345);
    var words = "the quick brown fox jumps over lazy dog backup restore archive volume manifest kernel module disk partition filesystem ext4 xfs btrfs grub boot initramfs systemd network interface address route"
        .Split(' ');
    byte[] Text(int n)
    {
        var sb = new StringBuilder(n + 64);
        while (sb.Length < n)
        {
            sb.Append(words[rnd.Next(words.Length)]).Append(rnd.Next(10) == 0 ? '\n' : ' ');
            if (rnd.Next(50) == 0)
            {
                sb.Append(rnd.Next()).Append(' ');
            }
        }

        return Encoding.ASCII.GetBytes(sb.ToString(0, n));
    }

    long written = 0;
    var small = size / 4;
    var d = 0;
    for (long s = 0; s < small; d++)
    {
        var sub = Path.Combine(root, "small", $"d{d / 100:D4}", $"e{d % 100:D2}");
        Directory.CreateDirectory(sub);
        for (var i = 0; i < 100 && s < small; i++)
        {
            var data = Text(1024 + rnd.Next(15 * 1024));
            File.WriteAllBytes(Path.Combine(sub, $"f{i:D3}.txt"), data);
            s += data.Length;
        }
    }

    written += small;
    Directory.CreateDirectory(Path.Combine(root, "large"));
    var chunk = Text(8 << 20);
    var compressible = size * 35 / 100;
    for (var i = 0; compressible > 0; i++)
    {
        var n = Math.Min(compressible, 256L << 20);
        using var f = File.Create(Path.Combine(root, "large", $"text{i}.log"));
        for (long w = 0; w < n; w += chunk.Length)
        {
            // vary the chunk a little so it is not one repeated block
            chunk[rnd.Next(chunk.Length)] = (byte)'x';
            f.Write(chunk, 0, (int)Math.Min(chunk.Length, n - w));
        }

        compressible -= n;
        written += n;
    }

    var random = size * 30 / 100;
    var buf = new byte[8 << 20];
    for (var i = 0; random > 0; i++)
    {
        var n = Math.Min(random, 256L << 20);
        using var f = File.Create(Path.Combine(root, "large", $"random{i}.bin"));
        for (long w = 0; w < n; w += buf.Length)
        {
            rnd.NextBytes(buf);
            f.Write(buf, 0, (int)Math.Min(buf.Length, n - w));
        }

        random -= n;
        written += n;
    }

    var sparse = size - written;
    Directory.CreateDirectory(Path.Combine(root, "sparse"));
    for (var i = 0; sparse > 0; i++)
    {
        var n = Math.Min(sparse, 128L << 20);
        using var f = File.Create(Path.Combine(root, "sparse", $"image{i}.img"));
        f.SetLength(n);
        for (long off = 0; off < n; off += 8L << 20)
        {
            f.Position = off;
            rnd.NextBytes(buf.AsSpan(0, 1 << 20));
            f.Write(buf, 0, (int)Math.Min(1 << 20, n - off));
        }

        sparse -= n;
        written += n;
    }

    File.WriteAllText(stamp, size.ToString());
    return size;
}
