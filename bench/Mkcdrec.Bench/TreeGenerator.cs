using System.Text;

/// <summary>The benchmark's trees, generated once under --dir and reused while their stamp matches (same seed, same bytes).</summary>
internal static class TreeGenerator
{
    private static readonly string[] Words = ("the quick brown fox jumps over lazy dog backup restore archive volume manifest kernel module disk "
        + "partition filesystem ext4 xfs btrfs grub boot initramfs systemd network interface address route").Split(' ');

    // 25% small files (1-16 KiB, text-like), 35% large compressible files, 30% random, 10% sparse (1/8 data). Reused when present.
    public static long Mixed(string root, long size)
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
        long written = 0;
        var small = size / 4;
        var d = 0;
        for (long s = 0; s < small; d++)
        {
            var sub = Path.Combine(root, "small", $"d{d / 100:D4}", $"e{d % 100:D2}");
            Directory.CreateDirectory(sub);
            for (var i = 0; i < 100 && s < small; i++)
            {
                var data = Text(rnd, 1024 + rnd.Next(15 * 1024));
                File.WriteAllBytes(Path.Combine(sub, $"f{i:D3}.txt"), data);
                s += data.Length;
            }
        }

        written += small;
        Directory.CreateDirectory(Path.Combine(root, "large"));
        var chunk = Text(rnd, 8 << 20);
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

    /// <summary>
    /// A mail spool or source tree: <paramref name="files"/> text files of 1-20 KiB in directories 2 to 7 levels deep,
    /// about 20 files each, where the cost per file (open, metadata, small writes) dominates rather than compression.
    /// Returns the bytes of content.
    /// </summary>
    public static long SmallFiles(string root, int files)
    {
        var stamp = Path.Combine(root, ".bench-files");
        if (File.Exists(stamp) && File.ReadAllText(stamp).Split(' ') is [var n, var bytes] && n == files.ToString())
        {
            return long.Parse(bytes);
        }

        if (Directory.Exists(root))
        {
            Directory.Delete(root, true);
        }

        var rnd = new Random(4242);
        long written = 0;
        var dir = root;
        for (var i = 0; i < files; i++)
        {
            if (i % 20 == 0)
            {
                // A new directory somewhere in a tree of 8 top-level projects, 2-7 levels deep.
                var depth = 2 + rnd.Next(6);
                dir = Path.Combine([root, $"p{rnd.Next(8)}", .. Enumerable.Range(0, depth - 1).Select(l => $"{Words[rnd.Next(Words.Length)]}{rnd.Next(4 + l)}")]);
                Directory.CreateDirectory(dir);
            }

            var data = Text(rnd, 1024 + rnd.Next(19 * 1024 + 1));
            File.WriteAllBytes(Path.Combine(dir, $"f{i:D6}.txt"), data);
            written += data.Length;
        }

        File.WriteAllText(stamp, $"{files} {written}");
        return written;
    }

    private static byte[] Text(Random rnd, int n)
    {
        var sb = new StringBuilder(n + 64);
        while (sb.Length < n)
        {
            sb.Append(Words[rnd.Next(Words.Length)]).Append(rnd.Next(10) == 0 ? '\n' : ' ');
            if (rnd.Next(50) == 0)
            {
                sb.Append(rnd.Next()).Append(' ');
            }
        }

        return Encoding.ASCII.GetBytes(sb.ToString(0, n));
    }
}
