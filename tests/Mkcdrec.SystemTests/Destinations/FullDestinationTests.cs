using System.Text.RegularExpressions;
using Mkcdrec.TestVm;

namespace Mkcdrec.SystemTests.Destinations;

/// <summary>
/// A destination that fills up mid-backup (issue 16), on this machine: small tmpfs mounts as the backup directory and as
/// the ISO output directory. The run fails with an error that names the destination and the room it needs, leaves
/// nothing partial, and the previous backup or ISO is as it was, byte for byte (sha256sum), still verifies and still
/// restores with GNU tar. The source is a tmpfs of its own, so its use (statvfs) is what the estimate reads.
/// </summary>
public sealed partial class FullDestinationTests : IDisposable
{
    private const int Environment = 5; // ExitCode.Environment
    private readonly SourceTree _tree = new("mkcdrec-full-");
    private readonly List<string> _mounts = [];
    private readonly string _source;
    private readonly string _layout;

    public FullDestinationTests()
    {
        try
        {
            _source = Mount("tmpfs-source", "64m");
            HostProcess.Checked("cp", "-a", _tree.Source + "/.", _source);
            _layout = SourceTree.WriteLayout(Path.Combine(_tree.Dir, "tmpfs-layout.json"), _source);
        }
        catch
        {
            Dispose(); // xunit does not dispose of a class whose constructor failed: the mounts go here
            throw;
        }
    }

    public void Dispose()
    {
        foreach (var m in Enumerable.Reverse(_mounts))
        {
            HostProcess.Run("umount", [m]);
        }

        _tree.Dispose();
    }

    [Fact]
    public void A_full_backup_directory_fails_clearly_and_the_previous_backup_stays_whole()
    {
        var dest = Mount("dest", "8m");
        var first = _tree.Mkcdrec("mkbackuponly", "--layout", _layout, "--dest", dest, "--level", "1");
        Assert.True(first.ExitCode == 0, first.Stdout + first.Stderr);
        var before = Sums(dest);

        Thread.Sleep(1100);
        AddRandom("more.bin", 6 << 20);
        var full = _tree.Mkcdrec("mkbackuponly", "--layout", _layout, "--dest", dest, "--level", "1");
        Assert.Equal(Environment, full.ExitCode);
        Assert.Contains($"The backup destination {dest} is full (No space left on device)", full.Stderr, StringComparison.Ordinal);
        Assert.Contains("The previous backup there (", full.Stderr, StringComparison.Ordinal);
        Assert.Contains(") is intact.", full.Stderr, StringComparison.Ordinal);

        // 5 MiB of random data before, 11 MiB now (random: zstd keeps its size): the estimate says so, and that 8 MiB less
        // the previous backup's 5 MiB is not enough.
        var needed = Mib(Needs().Match(full.Stderr));
        Assert.InRange(needed, 10.5, 12.5);
        Assert.InRange(Mib(MoreRoom().Match(full.Stderr)), needed - 3.5, needed - 2);

        Assert.Equal(before, Sums(dest)); // nothing partial left, nothing of the previous backup changed
        var verify = _tree.Mkcdrec("verify", dest);
        Assert.True(verify.ExitCode == 0, verify.Stdout + verify.Stderr);
        File.Delete(Path.Combine(_source, "more.bin"));
        _tree.AssertTarRestoresEveryFile(dest, minVolumes: 1);
    }

    [Fact]
    public void A_first_backup_onto_a_directory_too_small_leaves_nothing_there()
    {
        var dest = Mount("dest", "2m");
        var r = _tree.Mkcdrec("mkbackuponly", "--layout", _layout, "--dest", dest, "--level", "1");
        Assert.Equal(Environment, r.ExitCode);
        Assert.Contains($"The backup destination {dest} is full", r.Stderr, StringComparison.Ordinal);
        Assert.Contains("There was no previous backup there.", r.Stderr, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(dest));
    }

    [Fact]
    public void Named_backups_in_a_full_directory_keep_the_earlier_ones_and_leave_no_empty_one()
    {
        var dest = Mount("dest", "8m");
        var first = _tree.Mkcdrec("mkbackuponly", "--layout", _layout, "--dest", dest, "--incremental", "--level", "1");
        Assert.True(first.ExitCode == 0, first.Stdout + first.Stderr);
        var before = Sums(dest);

        Thread.Sleep(1100);
        AddRandom("more.bin", 6 << 20);
        var full = _tree.Mkcdrec("mkbackuponly", "--layout", _layout, "--dest", dest, "--incremental", "--level", "1");
        Assert.Equal(Environment, full.ExitCode);
        Assert.Contains($"The backup destination {dest} is full (No space left on device)", full.Stderr, StringComparison.Ordinal);
        Assert.Contains("The previous backups are intact", full.Stderr, StringComparison.Ordinal);
        Assert.Equal(before, Sums(dest));
        Assert.Single(Directory.GetDirectories(Path.Combine(dest, "s3host")));
        var list = _tree.Mkcdrec("backups", "list", dest);
        Assert.Contains("1 backup(s)", list.Stdout, StringComparison.Ordinal);
        Assert.Contains("complete", list.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void An_iso_that_does_not_fit_beside_the_previous_one_fails_clearly_and_the_previous_iso_stays()
    {
        var backup = Path.Combine(_tree.Dir, "backup");
        var made = _tree.Mkcdrec("mkbackuponly", "--layout", _layout, "--dest", backup, "--level", "1");
        Assert.True(made.ExitCode == 0, made.Stdout + made.Stderr);

        // The previous ISO, made where there is room, then moved into an output directory one and a half ISOs big.
        var roomy = Path.Combine(_tree.Dir, "roomy");
        var kernel = Directory.GetFiles("/boot", "vmlinuz-*").Order(StringComparer.Ordinal).First();
        string[] mkbackup = ["mkbackup", "--use-backup", backup, "--layout", _layout, "--kernel", kernel, "--initrd", kernel, "--label", "FULLTEST"];
        var iso = _tree.Mkcdrec([.. mkbackup, "-o", roomy]);
        Assert.True(iso.ExitCode == 0, iso.Stdout + iso.Stderr);
        var name = Path.GetFileName(Assert.Single(Directory.GetFiles(roomy, "*.iso")));
        var size = new FileInfo(Path.Combine(roomy, name)).Length;
        var output = Mount("iso", $"{size * 3 / 2 / 1024}k");
        HostProcess.Checked("cp", Path.Combine(roomy, name), Path.Combine(roomy, name + ".sha256"), output);
        var before = Sums(output);

        var full = _tree.Mkcdrec([.. mkbackup, "-o", output]);
        Assert.Equal(Environment, full.ExitCode);
        Assert.Contains($"The output directory {output} has no room for {name}: the ISO needs", full.Stderr, StringComparison.Ordinal);
        Assert.Contains($"The previous {name} there is intact.", full.Stderr, StringComparison.Ordinal);
        Assert.Equal(before, Sums(output)); // no temporary ISO left beside it
        HostProcess.Checked("sh", "-c", "cd \"$1\" && sha256sum -c --quiet ./*.sha256", "sh", output);
    }

    private string Mount(string name, string size)
    {
        var dir = Path.Combine(_tree.Dir, name);
        Directory.CreateDirectory(dir);
        HostProcess.Checked("mount", "-t", "tmpfs", "-o", "size=" + size, "mkcdrec-full-" + name, dir);
        _mounts.Add(dir);
        return dir;
    }

    private void AddRandom(string name, int bytes) =>
        File.WriteAllBytes(Path.Combine(_source, name), System.Security.Cryptography.RandomNumberGenerator.GetBytes(bytes));

    /// <summary>Every file under <paramref name="dir"/>, hidden ones too, with its sha256sum: one line each, sorted.</summary>
    private static string Sums(string dir) =>
        HostProcess.Checked("sh", "-c", "cd \"$1\" && find . -type f -print0 | sort -z | xargs -0 -r sha256sum", "sh", dir);

    private static double Mib(Match m)
    {
        Assert.True(m.Success, "no size in the message");
        var v = double.Parse(m.Groups["n"].Value, System.Globalization.CultureInfo.InvariantCulture);
        return m.Groups["u"].Value switch { "KiB" => v / 1024, "MiB" => v, "GiB" => v * 1024, _ => v / (1 << 20) };
    }

    [GeneratedRegex(@"the new backup needs about (?<n>[\d.]+) (?<u>B|KiB|MiB|GiB)")]
    private static partial Regex Needs();

    [GeneratedRegex(@"Make about (?<n>[\d.]+) (?<u>B|KiB|MiB|GiB) more room")]
    private static partial Regex MoreRoom();
}
