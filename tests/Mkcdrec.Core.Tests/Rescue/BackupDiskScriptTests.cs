using System.Text.RegularExpressions;

namespace Mkcdrec.Core.Tests.Rescue;

/// <summary>
/// A backup kept apart from the rescue medium (mkbackup --backup-dir; mkcdrec.backup=UUID=U:/PATH): /init's
/// find_backup_on run in busybox sh with blkid, blockdev and mount replaced by shell functions.
/// </summary>
public sealed class BackupDiskScriptTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mkcdrec-scripts-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <param name="foundAfter">blkid finds the filesystem from this look on.</param>
    /// <param name="plainMountFails">The first (plain read-only) mount fails, as with a journal to replay.</param>
    private string FindBackupOn(string spec, int foundAfter, string type = "ext4", bool plainMountFails = false)
    {
        var init = RescueScripts.Functions("init", _dir, "find_backup_on");
        var script = $$"""
            rm -f {{_dir}}/looks
            blkid() {
                case "$*" in
                    *"-o device"*) echo x >>{{_dir}}/looks; [ $(wc -l <{{_dir}}/looks) -ge {{foundAfter}} ] && echo /dev/sdc1 ;;
                    *"-s TYPE"*) echo {{type}} ;;
                esac
            }
            blockdev() { echo "blockdev $*"; }
            readlink() { echo /sys/devices/pci0000:00/0000:00:05.0/virtio2/block/sdc; }
            mount() { echo "mount $*"; {{(plainMountFails ? "case \"$*\" in *noload* | *norecovery*) return 0 ;; *) return 32 ;; esac" : "return 0")}}; }
            sleep() { echo "sleep $1"; }
            log() { echo "log: $*"; }
            BACKUP= BACKUP_ON='{{spec}}'
            {{init}}
            find_backup_on; echo "rc=$? BACKUP=$BACKUP looks=$(wc -l <{{_dir}}/looks)"
            """;
        var r = RescueScripts.Sh(script);
        return r.StdOut + r.StdErr;
    }

    private void Manifest(string path)
    {
        Directory.CreateDirectory(_dir + "/backup-disk" + path);
        File.WriteAllText(_dir + "/backup-disk" + path + "/manifest.json", "{}");
    }

    [Fact]
    public void Mounts_the_backup_filesystem_read_only_on_a_read_only_device_and_finds_the_backup()
    {
        Manifest("/srv/backup");
        var o = FindBackupOn("UUID=0b5e-11:/srv/backup", 1);
        Assert.Contains("blockdev --setro /dev/sdc1", o);
        Assert.Contains("blockdev --setro /dev/sdc", o);
        Assert.Contains($"mount -o ro,nosuid,nodev,noexec /dev/sdc1 {_dir}/backup-disk", o);
        Assert.Contains($"rc=0 BACKUP={_dir}/backup-disk/srv/backup looks=1", o);
        Assert.True(o.IndexOf("blockdev", StringComparison.Ordinal) < o.IndexOf("mount", StringComparison.Ordinal), "the device is made read-only before it is mounted:\n" + o);
    }

    [Fact]
    public void Skips_the_journal_replay_rather_than_write_to_the_backup_disk()
    {
        Manifest("/backup");
        var ext = FindBackupOn("UUID=u:/backup", 1, plainMountFails: true);
        Assert.Contains($"mount -o ro,nosuid,nodev,noexec,noload /dev/sdc1 {_dir}/backup-disk", ext);
        Assert.Contains($"BACKUP={_dir}/backup-disk/backup", ext);
        var xfs = FindBackupOn("UUID=u:/backup", 1, type: "xfs", plainMountFails: true);
        Assert.Contains("ro,nosuid,nodev,noexec,norecovery", xfs);
        var btrfs = FindBackupOn("UUID=u:/@backup/b", 1, type: "btrfs");
        Assert.Contains("mount -o ro,nosuid,nodev,noexec,subvolid=5 /dev/sdc1", btrfs);
    }

    [Fact]
    public void Waits_up_to_20_seconds_for_the_disk_then_says_what_to_do()
    {
        var late = FindBackupOn("UUID=u:/backup", 4);
        Assert.Equal(3, Regex.Count(late, "sleep 1"));
        var none = FindBackupOn("UUID=u:/backup", 99);
        Assert.Contains("looks=20", none);
        Assert.Contains("log: the backup's filesystem UUID=u was not found: attach its disk", none);
        Assert.DoesNotContain("mount -o", none);
        Assert.Contains("rc=1 BACKUP= ", none);
    }

    [Fact]
    public void Says_so_when_the_filesystem_holds_no_backup_there()
    {
        var o = FindBackupOn("UUID=u:/elsewhere", 1);
        Assert.Contains("holds no backup in /elsewhere (no manifest.json there)", o);
        Assert.Contains("BACKUP= ", o);
    }

    [Fact]
    public void Latest_names_the_hosts_newest_complete_backup_among_named_ones()
    {
        Manifest("/usb/backups/web1/20261201T020000Z");
        Manifest("/usb/backups/web1/20261203T020000Z");
        Directory.CreateDirectory(_dir + "/backup-disk/usb/backups/web1/20261204T020000Z"); // still being written: no manifest
        var o = FindBackupOn("UUID=u:/usb/backups/web1/latest", 1);
        Assert.Contains($"rc=0 BACKUP={_dir}/backup-disk/usb/backups/web1/20261203T020000Z looks=1", o);

        var none = FindBackupOn("UUID=u:/usb/backups/web2/latest", 1);
        Assert.Contains("holds no backup in /usb/backups/web2/latest (no manifest.json there)", none);
    }
}
