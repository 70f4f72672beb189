using Mkcdrec.TestVm;

namespace Mkcdrec.SystemTests;

/// <summary>The guest's kernel and tools can build what the host cannot (md, LVM, LUKS, vfat), and WipeDisks tears it all down.</summary>
[Collection("guest")]
public sealed class StorageStackTests(GuestFixture guest)
{
    private readonly Mkcdrec.TestVm.TestVm _vm = guest.Vm;

    [Fact]
    public void Storage_tools_are_there()
    {
        var r = _vm.RunChecked("cryptsetup --version; lvm version | head -1; mdadm --version 2>&1; sgdisk --version | head -1; mkfs.xfs -V; btrfs --version");
        Assert.Contains("cryptsetup 2.", r.Stdout, StringComparison.Ordinal);
        Assert.Contains("LVM version", r.Stdout, StringComparison.Ordinal);
        Assert.Contains("mdadm - v4", r.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Raid1_on_two_scratch_disks_then_wipe_leaves_them_blank()
    {
        _vm.WipeDisks();
        var r = _vm.RunChecked("""
            set -e
            mdadm --create /dev/md0 --level=1 --raid-devices=2 --metadata=1.2 --run --assume-clean "$SCRATCH0" "$SCRATCH1"
            mdadm --detail /dev/md0 | grep -E 'Raid Level|Active Devices'
            cat /proc/mdstat
            """, TimeSpan.FromMinutes(2));
        Assert.Contains("raid1", r.Stdout, StringComparison.Ordinal);
        Assert.Contains("Active Devices : 2", r.Stdout, StringComparison.Ordinal);

        _vm.WipeDisks();
        var after = _vm.RunChecked("cat /proc/mdstat; mdadm --examine \"$SCRATCH0\" 2>&1 || true");
        Assert.DoesNotContain("md0", after.Stdout, StringComparison.Ordinal);
        Assert.Contains("No md superblock", after.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Lvm_on_luks_on_raid_with_mounted_filesystems_is_torn_down_by_wipe()
    {
        _vm.WipeDisks();
        _vm.RunChecked("""
            set -e
            sgdisk -n1:0:+200M -t1:ef00 -n2:0:0 -t2:fd00 "$SCRATCH0"
            sgdisk -n1:0:+200M -t1:ef00 -n2:0:0 -t2:fd00 "$SCRATCH1"
            udevadm settle
            mkfs.vfat -n ESP "${SCRATCH0}1" >/dev/null
            mdadm --create /dev/md1 --level=1 --raid-devices=2 --metadata=1.2 --run --assume-clean "${SCRATCH0}2" "${SCRATCH1}2"
            printf 'secret' | cryptsetup luksFormat --batch-mode --type luks2 --pbkdf pbkdf2 --pbkdf-force-iterations 1000 /dev/md1 -
            printf 'secret' | cryptsetup open /dev/md1 cryptroot -
            pvcreate -q /dev/mapper/cryptroot
            vgcreate -q vg0 /dev/mapper/cryptroot "$SCRATCH2"
            lvcreate -q -L 300M -n root vg0
            lvcreate -q -L 100M -n swap vg0
            mkfs.ext4 -q -L root /dev/vg0/root
            mkswap -L swap /dev/vg0/swap >/dev/null
            swapon /dev/vg0/swap
            mkdir -p /mnt/root /mnt/esp
            mount /dev/vg0/root /mnt/root
            mount "${SCRATCH0}1" /mnt/esp
            echo data > /mnt/root/file; echo efi > /mnt/esp/file
            lsblk -o NAME,TYPE,FSTYPE,LABEL
            """, TimeSpan.FromMinutes(5));
        var stack = _vm.RunChecked("lsblk -nro TYPE,FSTYPE; findmnt -n /mnt/esp -o FSTYPE").Stdout;
        Assert.Contains("raid1", stack, StringComparison.Ordinal);
        Assert.Contains("crypt", stack, StringComparison.Ordinal);
        Assert.Contains("lvm", stack, StringComparison.Ordinal);
        Assert.Contains("vfat", stack, StringComparison.Ordinal);

        _vm.WipeDisks();
        var after = _vm.RunChecked("lsblk -nro NAME $SCRATCH_DISKS; cat /proc/swaps; dmsetup ls; findmnt -rn -o TARGET | grep /mnt || true").Stdout;
        Assert.Equal("vdb\nvdc\nvdd\nFilename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\nNo devices found\n", after);
    }
}
