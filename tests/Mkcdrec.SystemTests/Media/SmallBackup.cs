using Mkcdrec.Tests.Shared;
using Mkcdrec.TestVm;

namespace Mkcdrec.SystemTests.Media;

/// <summary>The backup the media boot tests carry: a few files of random bytes (each 1 MiB less <c>step × i</c> bytes, so
/// volume boundaries fall inside files) and one text file, archived by <c>mkcdrec archive create</c> uncompressed in
/// 1 MiB volumes.</summary>
internal static class SmallBackup
{
    /// <summary>Writes the tree to WORK/tree and the backup to <paramref name="backup"/>; returns its volume names, sorted.</summary>
    public static List<string> Create(string work, string backup, int files, int seed, int step, string text)
    {
        var tree = Path.Combine(work, "tree");
        Directory.CreateDirectory(tree);
        var rnd = new Random(seed);
        for (var i = 0; i < files; i++)
        {
            var data = new byte[(1 << 20) - (step * i)];
            rnd.NextBytes(data);
            File.WriteAllBytes(Path.Combine(tree, $"data{i}.bin"), data);
        }

        File.WriteAllText(Path.Combine(tree, "small.txt"), text);
        Tool.Checked(RepoPaths.MkcdrecBinary, ["archive", "create", "--root", tree, "--dest", backup, "--compress", "none", "--volume-size", "1M", "--log", Path.Combine(work, "archive.log")]);
        return Directory.GetFiles(backup).Select(f => Path.GetFileName(f)).Where(f => f != "manifest.json").Order(StringComparer.Ordinal).ToList();
    }
}
