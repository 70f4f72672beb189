using Mkcdrec.Model.Manifest;
using Mkcdrec.TestVm;

namespace Mkcdrec.SystemTests.Destinations;

/// <summary>
/// `mkbackup --incremental` with the built binary, its rescue system given (--kernel/--initrd, so no rescue build):
/// with the backup on the ISO, each run continues the chain the previous ISO carries and the new ISO carries it whole
/// (read back with xorriso; GNU tar and mkcdrec restore it to the live tree); with --backup-dir the chain is kept as
/// DIR/HOST/TIME and the medium names HOST/latest, which verify resolves to the newest.
/// </summary>
public sealed class IncrementalMediaTests : IDisposable
{
    private readonly SourceTree _tree = new("mkcdrec-incremental-media-");

    public IncrementalMediaTests()
    {
        File.WriteAllText(Boot, "not a kernel: this medium is never booted\n");
    }

    private string Boot => Path.Combine(_tree.Dir, "boot-file");

    private string Output => Path.Combine(_tree.Dir, "out");

    public void Dispose() => _tree.Dispose();

    [Fact]
    public void Each_iso_carries_the_whole_chain_that_gnu_tar_and_mkcdrec_restore_and_max_increments_starts_over()
    {
        var full = MkBackup("--incremental", "--max-increments", "2");
        Assert.Contains("there is no earlier medium", full.Log, StringComparison.Ordinal);
        HostProcess.Checked("sh", "-c", $"cd {_tree.Source} && echo one > added-1 && rm etc/deep/er/'with space.conf' && mv random.bin moved.bin");
        MkBackup("--incremental", "--max-increments", "2");
        HostProcess.Checked("sh", "-c", $"cd {_tree.Source} && chmod 600 etc/hostname && mkdir -p new/dir && echo two > new/dir/added-2 && ln etc/hostname hard");
        var second = MkBackup("--incremental", "--max-increments", "2");
        Assert.Contains("the new ISO carries its 2 link(s) too", second.Log, StringComparison.Ordinal);
        Assert.Contains("level 2", second.Stdout + second.Log, StringComparison.Ordinal);

        // The ISO: the increment under /backup, the full backup and the first increment under /backup/parents/HOST/TIME.
        var onIso = Extract("chain");
        var parents = Directory.GetDirectories(Path.Combine(onIso, "parents", "s3host")).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(2, parents.Count);
        Assert.Equal(2, Manifest(onIso).Level);
        Assert.Equal([0, 1], parents.Select(p => Manifest(p).Level));

        var verify = _tree.Mkcdrec("verify", onIso);
        Assert.True(verify.ExitCode == 0, verify.Stdout + verify.Stderr);
        Assert.Contains("chain: a full backup and 2 increment(s)", verify.Stdout, StringComparison.Ordinal);

        var ours = Path.Combine(_tree.Dir, "restored-by-mkcdrec");
        var extract = _tree.Mkcdrec("archive", "extract", "--from", onIso, "--to", ours);
        Assert.True(extract.ExitCode == 0, extract.Stdout + extract.Stderr);
        _tree.AssertSameFilesAsSource(ours);

        var gnu = Path.Combine(_tree.Dir, "restored-by-gnu-tar");
        Directory.CreateDirectory(gnu);
        foreach (var link in parents.Append(onIso))
        {
            HostProcess.Checked("sh", "-c", $"cat {link}/*.tar.zst* | zstd -dq | tar --listed-incremental=/dev/null -xf - -C {gnu}");
        }

        _tree.AssertSameFilesAsSource(gnu);
        Assert.False(File.Exists(Path.Combine(gnu, "random.bin")));

        // The chain is 2 increments long: the next run makes a full backup, and its ISO carries no parents.
        File.AppendAllText(Path.Combine(_tree.Source, "added-1"), "three\n");
        var restart = MkBackup("--incremental", "--max-increments", "2");
        Assert.Contains("is increment 2 of its chain (at most 2): this run makes a full backup", restart.Log, StringComparison.Ordinal);
        var again = Extract("restarted");
        Assert.Equal(0, Manifest(again).Level);
        Assert.False(Directory.Exists(Path.Combine(again, "parents")));
    }

    [Fact]
    public void A_damaged_chain_on_the_previous_iso_gives_a_full_backup_never_an_increment_on_it()
    {
        MkBackup("--incremental");
        File.AppendAllText(Path.Combine(_tree.Source, "etc", "hostname"), "changed\n");
        MkBackup("--incremental");

        // The previous ISO rebuilt (by xorriso alone) with its parent's manifest changed: its chain no longer holds.
        var iso = Directory.GetFiles(Output, "*.iso").Single();
        var root = Path.Combine(_tree.Dir, "iso-root");
        HostProcess.Checked("xorriso", ["-osirrox", "on", "-indev", iso, "-extract", "/", root]);
        HostProcess.Checked("chmod", ["-R", "u+w", root]);
        var parent = Directory.GetDirectories(Path.Combine(root, "backup", "parents", "s3host")).Single();
        File.AppendAllText(Path.Combine(parent, BackupFiles.Manifest), " ");
        File.Delete(iso);
        HostProcess.Checked("xorriso", ["-as", "mkisofs", "-r", "-V", "TAMPERED", "-o", iso, root]);

        var next = MkBackup("--incremental");
        Assert.Contains("cannot be continued", next.Log, StringComparison.Ordinal);
        Assert.Contains("this run makes a full backup", next.Log, StringComparison.Ordinal);
        Assert.Equal(0, Manifest(Extract("after-damage")).Level);
    }

    [Fact]
    public void A_chain_in_the_backup_dir_is_named_backups_and_the_medium_names_the_newest()
    {
        // The USB disk: an ext4 image of its own, so the medium can name its filesystem by UUID.
        var usb = Path.Combine(_tree.Dir, "usb");
        var image = Path.Combine(_tree.Dir, "usb.img");
        Directory.CreateDirectory(usb);
        HostProcess.Checked("truncate", ["-s", "64M", image]);
        HostProcess.Checked("mkfs.ext4", ["-q", "-F", image]);
        HostProcess.Checked("mount", ["-o", "loop", image, usb]);
        try
        {
            BackupDirChain(usb);
        }
        finally
        {
            HostProcess.Run("umount", ["-d", usb]);
        }
    }

    private void BackupDirChain(string usb)
    {
        var dir = Path.Combine(usb, "backups");
        var first = MkBackup("--backup-dir", dir, "--incremental");
        Assert.Equal(0, first.ExitCode);
        File.WriteAllText(Path.Combine(_tree.Source, "added-after-full"), "new\n");
        MkBackup("--backup-dir", dir, "--incremental");

        var named = Directory.GetDirectories(Path.Combine(dir, "s3host")).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(2, named.Count);
        Assert.All(named, n => Assert.Matches(@"\d{8}T\d{6}Z$", n));
        Assert.Equal(1, Manifest(named[1]).Level);

        // The medium is rescue-only and finds DIR/HOST/latest on the filesystem that holds it (when that one has a UUID).
        var iso = Directory.GetFiles(Path.GetDirectoryName(dir)!, "*.iso").Single();
        var grub = Path.Combine(_tree.Dir, "grub.cfg");
        HostProcess.Checked("xorriso", ["-osirrox", "on", "-indev", iso, "-extract", "/boot/grub/grub.cfg", grub]);
        var uuid = HostProcess.Checked("blkid", ["-o", "value", "-s", "UUID", Path.Combine(_tree.Dir, "usb.img")]).Trim();
        Assert.Contains($"mkcdrec.backup=UUID={uuid}:/backups/s3host/latest ", File.ReadAllText(grub), StringComparison.Ordinal);

        var verify = _tree.Mkcdrec("verify", Path.Combine(dir, "s3host", "latest"));
        Assert.True(verify.ExitCode == 0, verify.Stdout + verify.Stderr);
        Assert.Contains("chain: a full backup and 1 increment(s)", verify.Stdout, StringComparison.Ordinal);
        var restored = Path.Combine(_tree.Dir, "restored");
        var extract = _tree.Mkcdrec("archive", "extract", "--from", Path.Combine(dir, "s3host", "latest"), "--to", restored);
        Assert.True(extract.ExitCode == 0, extract.Stdout + extract.Stderr);
        _tree.AssertSameFilesAsSource(restored);
    }

    /// <summary>One mkbackup run (with the tree's layout, into <see cref="Output"/> unless --backup-dir); asserts success.</summary>
    private (int ExitCode, string Stdout, string Log) MkBackup(params string[] extra)
    {
        Thread.Sleep(1100); // past the clock margin of the parent's start, and a name of its own
        var log = Path.Combine(_tree.Dir, "mkcdrec.log");
        File.Delete(log);
        var output = extra.Contains("--backup-dir") ? [] : new[] { "--output", Output };
        var r = _tree.Mkcdrec(["mkbackup", "--layout", _tree.Layout, "--kernel", Boot, "--initrd", Boot, "--timeout", "1", .. output, .. extra]);
        var text = File.Exists(log) ? File.ReadAllText(log) : "";
        Assert.True(r.ExitCode == 0, $"mkbackup {string.Join(' ', extra)} failed ({r.ExitCode}):\n{r.Stdout}{r.Stderr}\n{text}");
        return (r.ExitCode, r.Stdout, text);
    }

    /// <summary>The /backup directory of the ISO in <see cref="Output"/>, extracted with xorriso (not our code) into DIR/<paramref name="name"/>.</summary>
    private string Extract(string name)
    {
        var iso = Directory.GetFiles(Output, "*.iso").Single();
        var into = Path.Combine(_tree.Dir, "iso-" + name);
        HostProcess.Checked("xorriso", ["-osirrox", "on", "-indev", iso, "-extract", "/backup", into]);
        HostProcess.Checked("chmod", ["-R", "u+w", into]);
        return into;
    }

    private static BackupManifest Manifest(string dir) => BackupManifest.Parse(File.ReadAllBytes(Path.Combine(dir, BackupFiles.Manifest)), dir);
}
