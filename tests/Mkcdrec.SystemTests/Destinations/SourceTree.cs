using System.Security.Cryptography;
using Mkcdrec.Model.Layout;
using Mkcdrec.Model.Manifest;
using Mkcdrec.TestVm;

namespace Mkcdrec.SystemTests.Destinations;

/// <summary>
/// What the destination tests back up: a small tree (a deep directory, a name with a space, 5 MiB of random data, a
/// symlink) described by a layout file of host "s3host"; the built binary run with HOME set to the test's own; and the
/// independent check: GNU tar and zstd restore a backup's volumes and every file's sha256sum is the source's.
/// </summary>
public sealed class SourceTree : IDisposable
{
    public SourceTree(string prefix)
    {
        Dir = Directory.CreateTempSubdirectory(prefix).FullName;
        Home = Path.Combine(Dir, "home");
        Directory.CreateDirectory(Home);
        Source = Path.Combine(Dir, "source");
        Directory.CreateDirectory(Path.Combine(Source, "etc", "deep", "er"));
        File.WriteAllText(Path.Combine(Source, "etc", "hostname"), "s3host\n");
        File.WriteAllText(Path.Combine(Source, "etc", "deep", "er", "with space.conf"), "x = 1\n");
        File.CreateSymbolicLink(Path.Combine(Source, "link"), "etc/hostname");
        AddRandomFile("random.bin", 5 << 20);
        Layout = WriteLayout(Path.Combine(Dir, "layout.json"), Source);
    }

    /// <summary>A layout of host "s3host" whose one filesystem is mounted at <paramref name="target"/> (a guest's copy of the tree).</summary>
    public static string WriteLayout(string file, string target)
    {
        var doc = new LayoutDocument { Host = new HostInfo { Hostname = "s3host" } };
        doc.Filesystems.Add(new Filesystem { Id = "fs:ext4:r", Type = "ext4", Uuid = "r", DeviceIds = ["disk:x/p2"] });
        doc.Mounts.Add(new Mount { Target = target, FilesystemId = "fs:ext4:r", Source = "/dev/x2", Type = "ext4" });
        File.WriteAllText(file, LayoutSerializer.Serialize(doc));
        return file;
    }

    public string Dir { get; }

    public string Home { get; }

    public string Source { get; }

    public string Layout { get; }

    public void AddRandomFile(string name, int bytes) => File.WriteAllBytes(Path.Combine(Source, name), RandomNumberGenerator.GetBytes(bytes));

    /// <summary>Runs the built binary with HOME pointing at the test's own (credentials files), no AWS keys from this environment.</summary>
    public HostResult Mkcdrec(params string[] args) =>
        HostProcess.Run("env", ["-u", "AWS_ACCESS_KEY_ID", "-u", "AWS_SECRET_ACCESS_KEY", "-u", "AWS_PROFILE", "HOME=" + Home, RepoPaths.MkcdrecBinary,
            "--log", Path.Combine(Dir, "mkcdrec.log"), .. args], TimeSpan.FromMinutes(5));

    /// <summary>GNU tar and zstd restore the single archive of the backup in <paramref name="backupDir"/>; asserts every file equals the source's.</summary>
    public void AssertTarRestoresEveryFile(string backupDir, int minVolumes)
    {
        var manifest = BackupManifest.Parse(File.ReadAllBytes(Path.Combine(backupDir, BackupFiles.Manifest)), "manifest");
        var volumes = Assert.Single(manifest.Archives).Volumes.Select(v => Path.Combine(backupDir, v.File)).ToList();
        Assert.True(volumes.Count >= minVolumes, $"{volumes.Count} volume(s)");
        var restored = Path.Combine(Dir, "restored-" + Path.GetFileName(backupDir));
        Directory.CreateDirectory(restored);
        HostProcess.Checked("sh", ["-c", "cat \"$@\" | zstd -dq | tar -x -C " + restored, "sh", .. volumes]);
        AssertSameFilesAsSource(restored);
        Assert.Equal("etc/hostname", new FileInfo(Path.Combine(restored, "link")).LinkTarget);
    }

    /// <summary>Every file under <paramref name="restored"/> has the content (sha256sum) of the source's, and no file is missing or extra.</summary>
    public void AssertSameFilesAsSource(string restored) => Assert.Equal(Sums(Source), Sums(restored));

    public void Dispose() => Directory.Delete(Dir, recursive: true);

    private static SortedDictionary<string, string> Sums(string root)
    {
        var output = HostProcess.Checked("sh", "-c", "cd \"$1\" && find . -type f -print0 | xargs -0 sha256sum", "sh", root);
        var sums = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            sums[line[66..]] = line[..64];
        }

        return sums;
    }
}
