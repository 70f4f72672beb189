using Mkcdrec.Core.Media;
using Mkcdrec.Core.Platform;

namespace Mkcdrec.Core.Tests.Media;

/// <summary>Where mkbackup --backup-dir tells the rescue medium to look: the filesystem's UUID and the path inside it, from findmnt.</summary>
public class BackupLocationTests
{
    private static BackupLocation? Find(string findmntOutput, string dir, out string? whyNot, int exit = 0) =>
        BackupLocation.Find(new Findmnt(findmntOutput, exit), dir, out whyNot);

    [Fact]
    public void A_directory_on_a_usb_disk_is_its_path_inside_that_filesystem()
    {
        var at = Find("UUID=\"7d1c2f7e-0000-4000-8000-00000000000a\" FSTYPE=\"ext4\" FSROOT=\"/\" TARGET=\"/mnt/usb\"\n", "/mnt/usb/backups/web1", out var why);
        Assert.Null(why);
        Assert.Equal("mkcdrec.backup=UUID=7d1c2f7e-0000-4000-8000-00000000000a:/backups/web1", at!.KernelArgument);
    }

    [Fact]
    public void A_btrfs_subvolume_or_a_bind_mount_adds_its_root_inside_the_filesystem()
    {
        var at = Find("UUID=\"b7\" FSTYPE=\"btrfs\" FSROOT=\"/@backup\" TARGET=\"/srv/backup\"\n", "/srv/backup/web1", out _);
        Assert.Equal("/@backup/web1", at!.PathInFilesystem);
        var top = Find("UUID=\"e4\" FSTYPE=\"ext4\" FSROOT=\"/\" TARGET=\"/mnt/usb\"\n", "/mnt/usb", out _);
        Assert.Equal("/", top!.PathInFilesystem);
    }

    [Fact]
    public void Findmnt_escapes_are_read_and_a_path_a_kernel_command_line_cannot_carry_is_refused()
    {
        var at = Find("UUID=\"e4\" FSTYPE=\"ext4\" FSROOT=\"/\" TARGET=\"/media/usb\\x20disk\"\n", "/media/usb disk/backup", out var why);
        Assert.NotNull(at);
        Assert.Equal("/backup", at!.PathInFilesystem);
        Assert.Null(Find("UUID=\"e4\" FSTYPE=\"ext4\" FSROOT=\"/\" TARGET=\"/mnt\"\n", "/mnt/my backups", out why));
        Assert.Contains("spaces", why, StringComparison.Ordinal);
    }

    [Fact]
    public void A_filesystem_without_a_uuid_cannot_be_found_by_the_rescue_system()
    {
        Assert.Null(Find("UUID=\"\" FSTYPE=\"tmpfs\" FSROOT=\"/\" TARGET=\"/tmp\"\n", "/tmp/backup", out var why));
        Assert.Contains("without a UUID (tmpfs at /tmp)", why, StringComparison.Ordinal);
        Assert.Null(Find("", "/nowhere", out why, exit: 1));
        Assert.Contains("findmnt does not know", why, StringComparison.Ordinal);
    }

    private sealed class Findmnt(string output, int exit) : IProcessRunner
    {
        public ProcessResult Run(ProcessRequest request)
        {
            Assert.Equal("findmnt", request.FileName);
            Assert.Equal(["-n", "-P", "-o", "UUID,FSTYPE,FSROOT,TARGET", "--target"], request.Arguments.Take(5));
            return new ProcessResult(exit, output, exit == 0 ? "" : "findmnt: nothing", TimeSpan.Zero);
        }

        public bool CanRun(string program) => true;
    }
}
