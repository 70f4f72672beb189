using System.Text;
using Mkcdrec.Core.Archive;
using Mkcdrec.Core.Platform;
using Mkcdrec.Core.Workflows;
using Mkcdrec.Model.Layout;
using Mkcdrec.Model.Manifest;
using Mkcdrec.Platform.Linux;

namespace Mkcdrec.Core.Tests.Workflows;

/// <summary>
/// An encrypted backup keeps each LUKS container's header, and what it kept, written with cryptsetup's own
/// luksHeaderRestore onto a blank device, opens with every original key (checked by cryptsetup, not by us).
/// Containers are image files, so nothing but this test's temp directory is touched.
/// </summary>
public sealed class LuksHeaderBackupTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mkcdrec-luksheader-").FullName;
    private readonly ProcessRunner _run = new(NullLog.Instance);
    private readonly byte[] _passphrase = Encoding.UTF8.GetBytes("backup pass");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Path_(string name) => Path.Combine(_dir, name);

    private string Cryptsetup(params string[] args) => _run.RunChecked(new ProcessRequest("cryptsetup", args)).StandardOutput;

    /// <summary>A 24 MiB LUKS2 container with two keyslots (a cheap PBKDF: the test is about headers, not key cost).</summary>
    private (string Image, string Uuid) Container()
    {
        var image = Path_("disk.img");
        using (var f = File.Create(image))
        {
            f.SetLength(24 << 20);
        }

        File.WriteAllText(Path_("first.key"), "first key");
        File.WriteAllText(Path_("second.key"), "second key");
        Cryptsetup("luksFormat", "--batch-mode", "--type", "luks2", "--pbkdf", "pbkdf2", "--pbkdf-force-iterations", "1000", "--key-file", Path_("first.key"), image);
        Cryptsetup("luksAddKey", "--batch-mode", "--pbkdf", "pbkdf2", "--pbkdf-force-iterations", "1000", "--key-file", Path_("first.key"), image, Path_("second.key"));
        return (image, Cryptsetup("luksUUID", image).Trim());
    }

    private LayoutDocument Layout(string image, string uuid)
    {
        var root = Path_("root");
        Directory.CreateDirectory(Path.Combine(root, "etc"));
        File.WriteAllText(Path.Combine(root, "etc", "hostname"), "ref\n");
        var doc = new LayoutDocument { Host = new HostInfo { Hostname = "ref" } };
        doc.Disks.Add(new Disk { Id = "disk:x", Path = "/dev/x", Partitions = [new Partition { Id = "disk:x/p1", Path = image }] });
        doc.Luks.Add(new LuksDevice { Id = "luks:" + uuid, Uuid = uuid, DeviceId = "disk:x/p1", Version = 2 });
        doc.Filesystems.Add(new Filesystem { Id = "fs:ext4:r", Type = "ext4", Uuid = "r", DeviceIds = ["luks:" + uuid] });
        doc.Mounts.Add(new Mount { Target = root, FilesystemId = "fs:ext4:r", Source = "/dev/mapper/x", Type = "ext4" });
        return doc;
    }

    [Fact]
    public void An_encrypted_backup_keeps_the_header_and_it_restores_every_keyslot()
    {
        var (image, uuid) = Container();
        var dest = Path_("backup");
        var staging = Directory.CreateDirectory(Path_("run")).FullName;
        var r = new BackupWorkflow(_run, new FileSystemAccess(), NullLog.Instance)
            .Run(Layout(image, uuid), dest, new BackupOptions { Passphrase = _passphrase, Iterations = 1000, Level = 1, LuksHeaderDirectory = staging });

        var backup = ArchiveSource.Open(dest);
        var headers = backup.Manifest.Archives.Single(a => a.FilesystemId == ArchiveId.LuksHeaders);
        Assert.NotNull(headers.Encryption);
        Assert.Equal([uuid], LuksHeaderArchive.UuidsIn(backup.Manifest));
        Assert.Empty(Directory.GetFileSystemEntries(staging)); // the headers in clear are gone once archived
        Assert.DoesNotContain(r.NotBackedUp, n => n.Contains("LUKS", StringComparison.Ordinal));

        // A blank device of the same size takes the kept header; both original keys open it, and its dump is the original's.
        var blank = Path_("new.img");
        using (var f = File.Create(blank))
        {
            f.SetLength(24 << 20);
        }

        var archive = new LuksHeaderArchive(_run, new FileSystemAccess(), NullLog.Instance);
        var (dir, files) = archive.Extract(backup, _passphrase, staging);
        Assert.NotNull(dir);
        Cryptsetup("luksHeaderRestore", "--batch-mode", blank, "--header-backup-file", files[uuid]);
        Cryptsetup("open", "--test-passphrase", "--key-file", Path_("first.key"), blank);
        Cryptsetup("open", "--test-passphrase", "--key-file", Path_("second.key"), blank);
        Assert.Equal(Cryptsetup("luksDump", image), Cryptsetup("luksDump", blank));

        archive.RequireKeyOpens(files[uuid], Path_("second.key"), uuid);
        File.WriteAllText(Path_("wrong.key"), "not a key of it");
        var refused = Assert.Throws<MkcdrecException>(() => archive.RequireKeyOpens(files[uuid], Path_("wrong.key"), uuid));
        Assert.Equal(ExitCode.Refused, refused.Code);
        Assert.Contains(uuid, refused.Message, StringComparison.Ordinal);
        PrivateFile.DeleteDirectory(dir!);
    }

    [Fact]
    public void A_plain_backup_keeps_no_header_and_says_so()
    {
        var (image, uuid) = Container();
        var dest = Path_("backup");
        var r = new BackupWorkflow(_run, new FileSystemAccess(), NullLog.Instance).Run(Layout(image, uuid), dest, new BackupOptions { Level = 1 });

        var backup = ArchiveSource.Open(dest);
        Assert.DoesNotContain(backup.Manifest.Archives, a => a.FilesystemId == ArchiveId.LuksHeaders);
        Assert.Empty(LuksHeaderArchive.UuidsIn(backup.Manifest));
        Assert.Contains(r.NotBackedUp, n => n.StartsWith("LUKS headers: not kept", StringComparison.Ordinal));
        Assert.Equal(backup.Manifest.Archives[0], backup.Select(null));
    }

    [Fact]
    public void A_header_that_is_not_the_containers_is_refused()
    {
        var (image, uuid) = Container();
        var dest = Path_("backup");
        var layout = Layout(image, uuid);
        new BackupWorkflow(_run, new FileSystemAccess(), NullLog.Instance)
            .Run(layout, dest, new BackupOptions { Passphrase = _passphrase, Iterations = 1000, Level = 1, LuksHeaderDirectory = Directory.CreateDirectory(Path_("run")).FullName });

        // The container was formatted again since: the layout's UUID no longer names the header on the device.
        Cryptsetup("luksFormat", "--batch-mode", "--type", "luks2", "--pbkdf", "pbkdf2", "--pbkdf-force-iterations", "1000", "--key-file", Path_("first.key"), image);
        var e = Assert.Throws<MkcdrecException>(() => new BackupWorkflow(_run, new FileSystemAccess(), NullLog.Instance)
            .Run(layout, Path_("backup2"), new BackupOptions { Passphrase = _passphrase, Iterations = 1000, Level = 1, LuksHeaderDirectory = Path_("run") }));
        Assert.Contains(uuid, e.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(Path_("backup2"), BackupFiles.Manifest))); // no backup that looks complete
        Assert.Empty(Directory.GetFileSystemEntries(Path_("run")));
    }
}
