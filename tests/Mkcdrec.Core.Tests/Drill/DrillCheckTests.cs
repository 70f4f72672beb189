using Mkcdrec.Core.Archive;
using Mkcdrec.Core.Drill;
using Mkcdrec.Platform.Linux;

namespace Mkcdrec.Core.Tests.Drill;

/// <summary>The comparison the drill runs inside its machines, over a real archive and a real restored tree.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class DrillCheckTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("drill-check-").FullName;
    private readonly FileSystemAccess _fs = new();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private (string Backup, string SystemRoot, string Restored) BackUpAndRestore()
    {
        var src = Path.Combine(_dir, "src");
        Directory.CreateDirectory(Path.Combine(src, "etc"));
        File.WriteAllText(Path.Combine(src, "etc", "hostname"), "ref\n");
        File.WriteAllBytes(Path.Combine(src, "big"), new byte[300_000]);
        File.CreateSymbolicLink(Path.Combine(src, "link"), "/etc/hostname");
        var backup = Path.Combine(_dir, "bk");
        new ArchiveCreator(_fs).Create(new CreateOptions { Root = src, Destination = backup, ChunkSize = 1 << 20 });

        // The restored system: the archived root (an absolute path) under a system root, as /mnt/local holds /.
        var systemRoot = Path.Combine(_dir, "mnt-local");
        var restored = DrillCheck.Under(systemRoot, src);
        Directory.CreateDirectory(restored);
        var source = ArchiveSource.Open(backup);
        var a = source.Select(null);
        using (var tar = source.OpenTar(a, null))
        {
            new ArchiveExtractor(_fs).Extract(tar.Reader, restored, a.Files);
        }

        return (backup, systemRoot, restored);
    }

    [Fact]
    public void A_faithful_restore_has_no_differences_and_a_change_is_seen()
    {
        var (backup, systemRoot, restored) = BackUpAndRestore();
        var clean = Assert.Single(new DrillCheck(_fs).Compare(backup, systemRoot));
        Assert.Equal(0, clean.Differences);
        Assert.True(clean.Files >= 4, $"{clean.Files} entries");

        File.AppendAllText(Path.Combine(restored, "etc", "hostname"), "x");
        File.WriteAllText(Path.Combine(restored, "new-file"), "");
        File.Delete(Path.Combine(restored, "big"));
        var dirty = Assert.Single(new DrillCheck(_fs).Compare(backup, systemRoot));
        Assert.Contains(dirty.Changed, c => c.StartsWith("etc/hostname", StringComparison.Ordinal));
        Assert.Equal(["new-file"], dirty.New);
        Assert.Equal(["big"], dirty.Missing);

        // What the drill reads back from the console line.
        var back = CompareSummary.FromJson(dirty.ToJson())!;
        Assert.Equal(dirty.Changed, back.Changed);
        Assert.Equal(dirty.Differences, back.Differences); // the root directory's mtime changed too
    }

    [Fact]
    public void The_first_boot_check_is_installed_enabled_and_self_removing()
    {
        var (backup, systemRoot, _) = BackUpAndRestore();
        var binary = Path.Combine(_dir, "fake-mkcdrec");
        File.WriteAllText(binary, "#!/bin/sh\n");
        var units = Directory.CreateDirectory(Path.Combine(systemRoot, "etc/systemd/system")).FullName;
        var varLib = Directory.CreateDirectory(Path.Combine(systemRoot, "var/lib")).FullName;
        Assert.Equal(0, Mkcdrec.Tests.Shared.Tool.Run("touch", ["-d", "2020-02-02 02:02:02.123456789", units, varLib]).ExitCode);
        _fs.TryLStat(System.Text.Encoding.UTF8.GetBytes(units), out var before, out _);
        DrillCheck.InstallFirstBootCheck(systemRoot, backup, binary, _fs);

        // The directories it added entries to keep their mtime to the nanosecond: the boot comparison sees only the
        // check's own files.
        foreach (var dir in new[] { units, varLib })
        {
            _fs.TryLStat(System.Text.Encoding.UTF8.GetBytes(dir), out var after, out _);
            Assert.Equal((before.MTimeSeconds, before.MTimeNanoseconds), (after.MTimeSeconds, after.MTimeNanoseconds));
        }

        var d = Path.Combine(systemRoot, DrillCheck.CheckDirectory);
        Assert.True(File.Exists(Path.Combine(d, "backup", "manifest.json")));
        Assert.Empty(Directory.GetFiles(Path.Combine(d, "backup"), "*.tar*")); // the manifest only, never the volumes
        Assert.True((File.GetUnixFileMode(Path.Combine(d, "check.sh")) & UnixFileMode.UserExecute) != 0);
        Assert.True((File.GetUnixFileMode(Path.Combine(d, "mkcdrec")) & UnixFileMode.UserExecute) != 0);
        var link = new FileInfo(Path.Combine(systemRoot, "etc/systemd/system/multi-user.target.wants", DrillCheck.UnitName));
        Assert.Equal("/etc/systemd/system/" + DrillCheck.UnitName, link.LinkTarget);
        var script = File.ReadAllText(Path.Combine(d, "check.sh"));
        Assert.Contains("drill check --backup", script, StringComparison.Ordinal);
        Assert.Contains("rm -f /etc/systemd/system/multi-user.target.wants/" + DrillCheck.UnitName, script, StringComparison.Ordinal);

        // Installing twice (a resumed recovery) replaces, never fails.
        DrillCheck.InstallFirstBootCheck(systemRoot, backup, binary);

        // Everything it adds lies under the paths the boot comparison tolerates.
        foreach (var f in Directory.GetFiles(systemRoot, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(systemRoot, f)))
        {
            if (f.StartsWith("var/", StringComparison.Ordinal) || f.StartsWith("etc/systemd", StringComparison.Ordinal))
            {
                Assert.True(DrillProtocol.IsVolatile(f), f);
            }
        }
    }

    [Fact]
    public void The_check_script_is_valid_shell()
    {
        var path = Path.Combine(_dir, "check.sh");
        File.WriteAllText(path, DrillCheck.CheckScript);
        var p = System.Diagnostics.Process.Start("sh", ["-n", path]);
        p.WaitForExit();
        Assert.Equal(0, p.ExitCode);
        Assert.StartsWith("#!/bin/sh\n", DrillCheck.CheckScript, StringComparison.Ordinal);
    }
}
