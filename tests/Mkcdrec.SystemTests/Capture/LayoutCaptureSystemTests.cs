using System.Text.Json;
using Mkcdrec.Model.Layout;
using static Mkcdrec.SystemTests.Capture.GuestSections;

namespace Mkcdrec.SystemTests.Capture;

/// <summary>
/// Issue 2's evidence: real layouts built in the guest with the real tools, captured by `mkcdrec layout save`, and
/// every field checked against what the real tools report (sfdisk --json, blkid, lvs/vgs/pvs, mdadm, cryptsetup, btrfs).
/// </summary>
[Collection("guest")]
public sealed class LayoutCaptureSystemTests(GuestFixture guest)
{
    private readonly Mkcdrec.TestVm.TestVm _vm = guest.Vm;

    private static readonly TimeSpan Long = TimeSpan.FromMinutes(8);

    private (LayoutDocument Layout, Dictionary<string, string> Peers) Build(string buildScript, string disksArgs, string peers)
    {
        _vm.WipeDisks();
        var script = "set -e\n" + buildScript + "\nudevadm settle\n" +
            Section("LAYOUT", $"mkcdrec layout save {disksArgs} -o /tmp/layout.json >/dev/null && cat /tmp/layout.json") + peers;
        var r = _vm.RunChecked(script, Long);
        var s = Split(r.Stdout);
        return (LayoutSerializer.Deserialize(s["LAYOUT"]), s);
    }

    private static void AssertTableMatchesSfdisk(Disk disk, string sfdiskJson)
    {
        using var sf = JsonDocument.Parse(sfdiskJson);
        var pt = sf.RootElement.GetProperty("partitiontable");
        var isGpt = pt.GetProperty("label").GetString() == "gpt";
        Assert.Equal(isGpt ? PartitionTableKinds.Gpt : PartitionTableKinds.Mbr, disk.PartitionTable.Kind);
        var id = pt.GetProperty("id").GetString()!;
        if (isGpt)
        {
            Assert.Equal(Guid.Parse(id), disk.PartitionTable.DiskGuid);
            Assert.Equal(pt.GetProperty("firstlba").GetInt64(), disk.PartitionTable.FirstUsableLba);
            Assert.Equal(pt.GetProperty("lastlba").GetInt64(), disk.PartitionTable.LastUsableLba);
        }
        else
        {
            Assert.Equal(Convert.ToUInt32(id, 16).ToString("x8"), disk.PartitionTable.MbrDiskId);
        }

        Assert.Equal(pt.GetProperty("sectorsize").GetInt32(), disk.LogicalSectorSize);
        var parts = pt.GetProperty("partitions").EnumerateArray().ToList();
        Assert.Equal(parts.Count, disk.Partitions.Count);
        foreach (var p in parts)
        {
            var ours = Assert.Single(disk.Partitions, x => x.Path == p.GetProperty("node").GetString());
            Assert.Equal(p.GetProperty("start").GetInt64(), ours.StartSector);
            if (ours.Kind != PartitionKinds.Extended)
            {
                Assert.Equal(p.GetProperty("size").GetInt64(), ours.SizeSectors);
            }

            if (isGpt)
            {
                Assert.Equal(Guid.Parse(p.GetProperty("type").GetString()!), ours.TypeGuid);
                Assert.Equal(Guid.Parse(p.GetProperty("uuid").GetString()!), Guid.Parse(ours.PartUuid!));
                Assert.Equal(p.TryGetProperty("name", out var n) ? n.GetString() : "", ours.Name);
            }
            else
            {
                Assert.Equal(Convert.ToByte(p.GetProperty("type").GetString(), 16), Convert.ToByte(ours.MbrType, 16));
                Assert.Equal(p.TryGetProperty("bootable", out var b) && b.GetBoolean(), ours.Bootable);
            }
        }
    }

    private static void AssertFilesystemsMatchBlkid(LayoutDocument doc, string blkidText, int expected)
    {
        var checkedCount = 0;
        foreach (var (_, probe) in ParseBlkid(blkidText))
        {
            if (!probe.TryGetValue("TYPE", out var type) || type is "linux_raid_member" or "crypto_LUKS" or "LVM2_member")
            {
                continue;
            }

            var fs = Assert.Single(doc.Filesystems, f => f.Uuid == probe.GetValueOrDefault("UUID") && f.Type == type);
            Assert.Equal(probe.GetValueOrDefault("LABEL"), fs.Label);
            Assert.NotEmpty(fs.DeviceIds);
            if (probe.TryGetValue("PART_ENTRY_UUID", out var pu))
            {
                Assert.Contains(doc.Disks.SelectMany(d => d.Partitions), p => string.Equals(p.PartUuid, pu, StringComparison.OrdinalIgnoreCase) && fs.DeviceIds.Contains(p.Id));
            }

            checkedCount++;
        }

        Assert.Equal(expected, checkedCount);
    }

    [Fact]
    public void Gpt_with_esp_ext4_xfs_swap()
    {
        var (doc, peers) = Build("""
            D=$SCRATCH2
            sgdisk -n1:1M:+1M -t1:ef02 -c1:bios -n2:0:+200M -t2:ef00 -c2:esp -n3:0:+600M -t3:8300 -c3:root -n4:0:+600M -t4:8300 -c4:srv -n5:0:+256M -t5:8200 -c5:swap -A3:set:2 $D >/dev/null
            partx -u $D 2>/dev/null || true; udevadm settle
            mkfs.vfat -F 32 -n EFI ${D}2 >/dev/null
            mkfs.ext4 -q -L root -b 4096 -I 256 -O ^metadata_csum ${D}3
            mkfs.xfs -q -L srv -i size=512 ${D}4
            mkswap -q -L swap0 ${D}5
            mkdir -p /mnt/r /mnt/srv /mnt/r/boot/efi
            mount ${D}3 /mnt/r; mkdir -p /mnt/r/boot/efi; mount ${D}2 /mnt/r/boot/efi; mount ${D}4 /mnt/srv; swapon ${D}5
            head -c 3M /dev/urandom > /mnt/srv/blob; sync
            """, "--disk $SCRATCH2", Section("SFDISK", "sfdisk --json $SCRATCH2") + Section("BLKID", $"set -- $SCRATCH2 ${{SCRATCH2}}1 ${{SCRATCH2}}2 ${{SCRATCH2}}3 ${{SCRATCH2}}4 ${{SCRATCH2}}5; {BlkidAll}") +
            Section("DUMPE2FS", "dumpe2fs -h ${SCRATCH2}3 2>/dev/null") + Section("CLEANUP", "swapoff ${SCRATCH2}5; umount /mnt/srv /mnt/r/boot/efi /mnt/r"));
        var disk = Assert.Single(doc.Disks);
        Assert.Equal(2L * 1024 * 1024 * 1024, disk.SizeBytes);
        Assert.StartsWith("disk:scratch2", disk.Id, StringComparison.Ordinal);
        Assert.Contains(disk.ByIdLinks, l => l.EndsWith("virtio-scratch2", StringComparison.Ordinal));
        AssertTableMatchesSfdisk(disk, peers["SFDISK"]);
        AssertFilesystemsMatchBlkid(doc, peers["BLKID"], 4);
        Assert.Equal(4UL, disk.Partitions.Single(p => p.Number == 3).Attributes & 4UL);
        var ext = doc.Filesystems.Single(f => f.Type == "ext4");
        Assert.Equal(4096, ext.Ext!.BlockSize);
        Assert.Equal(256, ext.Ext.InodeSize);
        Assert.DoesNotContain("metadata_csum", ext.Ext.Features);
        Assert.Contains(peers["DUMPE2FS"].Split('\n').Single(l => l.StartsWith("Filesystem features:", StringComparison.Ordinal)).Split(':')[1].Trim().Split(' ')[0], ext.Ext.Features);
        var xfs = doc.Filesystems.Single(f => f.Type == "xfs");
        Assert.Equal(512, xfs.Xfs!.InodeSize);
        Assert.True(xfs.UsedBytes >= 3 * 1024 * 1024);
        var swap = doc.Filesystems.Single(f => f.Type == "swap");
        Assert.True(swap.Swap!.Active);
        var vfat = doc.Filesystems.Single(f => f.Type == "vfat");
        Assert.Equal("FAT32", vfat.Vfat!.FatSize);
        Assert.Equal(vfat.Id, doc.Boot.EspFilesystemId);
        Assert.Equal("/mnt/r/boot/efi", doc.Boot.EspMountPoint);
        Assert.Equal(["/mnt/r", "/mnt/r/boot/efi", "/mnt/srv"], doc.Mounts.Select(m => m.Target).Order().ToArray());
        Assert.Equal("BIOS boot", disk.Partitions[0].TypeName);
    }

    [Fact]
    public void Mbr_with_extended_and_logical_partitions()
    {
        var (doc, peers) = Build("""
            D=$SCRATCH0
            printf 'label: dos\nlabel-id: 0x5eedf00d\n,150M,83,*\n,100M,82\n,,5\n,120M,83\n,120M,8e\n,,83\n' | sfdisk -q $D
            partx -u $D 2>/dev/null || true; udevadm settle
            mkfs.ext4 -q -L boot ${D}1; mkswap -q ${D}2; mkfs.ext4 -q -t ext3 -L five ${D}5; mkfs.ext4 -q -L six ${D}6; mkfs.ext2 -q -L seven ${D}7
            """, "--disk $SCRATCH0", Section("SFDISK", "sfdisk --json $SCRATCH0") + Section("BLKID", $"set -- ${{SCRATCH0}}1 ${{SCRATCH0}}2 ${{SCRATCH0}}5 ${{SCRATCH0}}6 ${{SCRATCH0}}7; {BlkidAll}"));
        var disk = Assert.Single(doc.Disks);
        Assert.Equal("5eedf00d", disk.PartitionTable.MbrDiskId);
        AssertTableMatchesSfdisk(disk, peers["SFDISK"]);
        AssertFilesystemsMatchBlkid(doc, peers["BLKID"], 5);
        Assert.Equal([1, 2, 3, 5, 6, 7], disk.Partitions.Select(p => p.Number).ToArray());
        Assert.Equal(PartitionKinds.Extended, disk.Partitions.Single(p => p.Number == 3).Kind);
        Assert.All(disk.Partitions.Where(p => p.Number >= 5), p => Assert.Equal(PartitionKinds.Logical, p.Kind));
        Assert.True(disk.Partitions[0].Bootable);
        Assert.Equal("ext3", doc.Filesystems.Single(f => f.Label == "five").Type);
        Assert.Equal("ext2", doc.Filesystems.Single(f => f.Label == "seven").Type);
        Assert.Equal("5eedf00d-05", disk.Partitions.Single(p => p.Number == 5).PartUuid);
    }

    [Fact]
    public void Raid1_with_luks2_and_lvm_thin_pool()
    {
        var (doc, peers) = Build("""
            for D in $SCRATCH0 $SCRATCH1; do sgdisk -n1:1M:+100M -t1:fd00 -n2:0:0 -t2:fd00 $D >/dev/null; done
            partx -u $SCRATCH0 2>/dev/null || true; partx -u $SCRATCH1 2>/dev/null || true; udevadm settle
            mdadm --create /dev/md/boot --name=boot --level=1 --raid-devices=2 --metadata=1.0 --run --assume-clean ${SCRATCH0}1 ${SCRATCH1}1 >/dev/null 2>&1
            mdadm --create /dev/md/data --name=data --level=1 --raid-devices=2 --metadata=1.2 --run --assume-clean ${SCRATCH0}2 ${SCRATCH1}2 >/dev/null 2>&1
            udevadm settle
            mkfs.ext4 -q -L mdboot /dev/md/boot
            printf 'secret' | cryptsetup luksFormat --batch-mode --type luks2 --label cryptdata --pbkdf pbkdf2 --pbkdf-force-iterations 1000 /dev/md/data -
            printf 'secret' | cryptsetup open /dev/md/data cryptdata -
            pvcreate -q /dev/mapper/cryptdata
            vgcreate -q -s 8M vg0 /dev/mapper/cryptdata
            lvcreate -q -y -n root -L 256M vg0
            lvcreate -q -y -n pool -L 300M --type thin-pool --chunksize 128K vg0
            lvcreate -q -y -n thin1 -V 1G --thinpool pool vg0
            mkfs.ext4 -q -L lvroot /dev/vg0/root
            mkfs.xfs -q -L thinxfs /dev/vg0/thin1
            mkdir -p /mnt/t; mount /dev/vg0/thin1 /mnt/t
            printf 'cryptdata UUID=%s none luks\n' "$(cryptsetup luksUUID /dev/md/data)" > /etc/crypttab
            """, "--disk $SCRATCH0 --disk $SCRATCH1",
            Section("MDDATA", "mdadm --detail --export /dev/md/data") + Section("MDBOOT", "mdadm --detail --export /dev/md/boot") +
            Section("LUKS", "cryptsetup luksDump /dev/md/data") +
            Section("PVS", "pvs --reportformat json -o pv_name,pv_uuid,vg_name") + Section("VGS", "vgs --reportformat json --units b --nosuffix -o vg_name,vg_uuid,vg_extent_size") +
            Section("LVS", "lvs -a --reportformat json --units b --nosuffix -o lv_name,lv_uuid,lv_size,segtype,pool_lv") +
            Section("BLKID", $"set -- /dev/md/boot /dev/vg0/root /dev/vg0/thin1; {BlkidAll}") +
            Section("CLEANUP", "umount /mnt/t; rm -f /etc/crypttab"));
        Assert.Equal(2, doc.Disks.Count);
        foreach (var (name, section) in new[] { ("data", "MDDATA"), ("boot", "MDBOOT") })
        {
            var kv = section.Length > 0 ? peers[section].Split('\n').Where(l => l.Contains('=')).ToDictionary(l => l[..l.IndexOf('=')], l => l[(l.IndexOf('=') + 1)..]) : [];
            var md = Assert.Single(doc.MdArrays, m => m.Uuid == kv["MD_UUID"]);
            Assert.Equal(kv["MD_LEVEL"], md.Level);
            Assert.Equal(kv["MD_METADATA"], md.Metadata);
            Assert.Equal(int.Parse(kv["MD_DEVICES"]), md.RaidDevices);
            Assert.EndsWith(":" + name, md.Name!, StringComparison.Ordinal);
            Assert.Equal("/dev/md/" + name, md.NamedPath);
            Assert.Equal(2, md.Members.Count);
            Assert.All(md.Members, m => Assert.Contains(doc.Disks.SelectMany(d => d.Partitions), p => p.Id == m.DeviceId && p.UsedBy == md.Id));
            Assert.Equal([0, 1], md.Members.Select(m => m.Slot ?? -1).ToArray());
        }

        var luks = Assert.Single(doc.Luks);
        var dump = peers["LUKS"];
        Assert.Equal(dump.Split('\n').Single(l => l.StartsWith("UUID:", StringComparison.Ordinal)).Split(':', 2)[1].Trim(), luks.Uuid);
        Assert.Equal(2, luks.Version);
        Assert.Equal("cryptdata", luks.Label);
        Assert.Equal("aes-xts-plain64", luks.Cipher);
        Assert.Equal(512, luks.KeySizeBits);
        Assert.Equal("pbkdf2", luks.Pbkdf);
        Assert.Equal("cryptdata", luks.MappedName);
        Assert.Equal("cryptdata", luks.Crypttab?.Name);
        Assert.Equal(doc.MdArrays.Single(m => m.Name!.EndsWith(":data", StringComparison.Ordinal)).Id, luks.DeviceId);

        using var pvs = JsonDocument.Parse(peers["PVS"]);
        var pvRow = pvs.RootElement.GetProperty("report")[0].GetProperty("pv")[0];
        var pv = Assert.Single(doc.Lvm.PhysicalVolumes);
        Assert.Equal(pvRow.GetProperty("pv_uuid").GetString(), pv.Uuid);
        Assert.Equal(luks.Id, pv.DeviceId);
        Assert.Equal(pv.Id, luks.UsedBy);
        using var vgs = JsonDocument.Parse(peers["VGS"]);
        var vgRow = vgs.RootElement.GetProperty("report")[0].GetProperty("vg")[0];
        var vg = Assert.Single(doc.Lvm.VolumeGroups);
        Assert.Equal(vgRow.GetProperty("vg_uuid").GetString(), vg.Uuid);
        Assert.Equal(8L * 1024 * 1024, vg.ExtentSizeBytes);
        using var lvs = JsonDocument.Parse(peers["LVS"]);
        foreach (var row in lvs.RootElement.GetProperty("report")[0].GetProperty("lv").EnumerateArray())
        {
            var name = row.GetProperty("lv_name").GetString()!.Trim('[', ']');
            var lv = Assert.Single(doc.Lvm.LogicalVolumes, l => l.Name == name);
            Assert.Equal(row.GetProperty("lv_uuid").GetString(), lv.Uuid);
            Assert.Equal(long.Parse(row.GetProperty("lv_size").GetString()!), lv.SizeBytes);
            Assert.Equal(row.GetProperty("segtype").GetString(), lv.SegmentType);
            Assert.Equal(row.GetProperty("lv_name").GetString()!.StartsWith('['), lv.Hidden);
        }

        var thin = doc.Lvm.LogicalVolumes.Single(l => l.Name == "thin1");
        Assert.Equal("thin", thin.SegmentType);
        Assert.Equal("pool", thin.PoolLv);
        Assert.Equal(1024L * 1024 * 1024, thin.SizeBytes);
        var pool = doc.Lvm.LogicalVolumes.Single(l => l.Name == "pool");
        Assert.Equal("thin-pool", pool.SegmentType);
        Assert.Equal(128 * 1024, pool.ChunkSizeBytes);
        AssertFilesystemsMatchBlkid(doc, peers["BLKID"], 3);
        Assert.Equal(doc.Filesystems.Single(f => f.Label == "thinxfs").Id, thin.UsedBy);
        Assert.Contains(doc.Mounts, m => m.Target == "/mnt/t" && m.FilesystemId == thin.UsedBy);
    }

    /// <summary>Every subvolume `btrfs subvolume list -p` printed (section LIST), with its parent and path, and the default (DEFAULT).</summary>
    private static void AssertSubvolumesMatchBtrfs(BtrfsParameters b, Dictionary<string, string> peers)
    {
        var listed = peers["LIST"].Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(listed.Length, b.Subvolumes.Count);
        foreach (var line in listed)
        {
            var f = line.Split(' ');
            var sv = Assert.Single(b.Subvolumes, s => s.Id == long.Parse(f[1]));
            Assert.Equal((long.Parse(f[5]), f[^1]), (sv.ParentId, sv.Path));
        }

        Assert.Equal(long.Parse(peers["DEFAULT"].Split(' ')[1]), b.DefaultSubvolumeId);
    }

    [Fact]
    public void Btrfs_raid1_over_two_devices_with_nested_subvolumes()
    {
        var (doc, peers) = Build("""
            modprobe btrfs
            mkfs.btrfs -q -f -L pool -d raid1 -m raid1 $SCRATCH0 $SCRATCH1
            udevadm settle; btrfs device scan >/dev/null
            mkdir -p /mnt/b; mount $SCRATCH0 /mnt/b
            btrfs -q subvolume create /mnt/b/@; btrfs -q subvolume create /mnt/b/@home
            btrfs -q subvolume create /mnt/b/@home/user; btrfs -q subvolume create /mnt/b/@home/user/cache
            btrfs -q subvolume snapshot -r /mnt/b/@home /mnt/b/@home-snap
            btrfs subvolume set-default "$(btrfs subvolume show /mnt/b/@ | awk '/Subvolume ID/ {print $3}')" /mnt/b
            mkdir -p /mnt/h; mount -o subvol=@home $SCRATCH1 /mnt/h
            """, "--disk $SCRATCH0 --disk $SCRATCH1",
            Section("LIST", "btrfs subvolume list -p /mnt/b") + Section("DEFAULT", "btrfs subvolume get-default /mnt/b") +
            Section("BLKID", $"set -- $SCRATCH0 $SCRATCH1; {BlkidAll}") + Section("CLEANUP", "umount /mnt/h /mnt/b"));
        var fs = Assert.Single(doc.Filesystems);
        Assert.Equal("btrfs", fs.Type);
        Assert.Equal(2, fs.DeviceIds.Count);
        var b = fs.Btrfs!;
        Assert.Equal(("raid1", "raid1"), (b.DataProfile, b.MetadataProfile));
        Assert.Equal([1, 2], b.Devices.Select(d => d.DevId).ToArray());
        var probes = ParseBlkid(peers["BLKID"]);
        Assert.All(probes.Values, p => Assert.Equal(p["UUID"], fs.Uuid));
        Assert.Equal(probes.Values.Select(p => p["UUID_SUB"]).Order(), b.Devices.Select(d => d.SubUuid!).Order());
        AssertSubvolumesMatchBtrfs(b, peers);
        Assert.Equal("@", b.Subvolumes.Single(s => s.Id == b.DefaultSubvolumeId).Path);
        Assert.True(b.Subvolumes.Single(s => s.Path == "@home-snap").ReadOnly);
        Assert.Contains(doc.Mounts, m => m.Target == "/mnt/h" && m.Subvolume == "/@home");
        Assert.All(doc.Disks, d => Assert.Equal(fs.Id, d.UsedBy));
    }

    [Fact]
    public void Btrfs_that_nobody_mounted_is_read_through_a_private_read_only_mount_and_left_unchanged()
    {
        // Issue 16: the subvolumes of an unmounted btrfs come from a mount no other process sees; the superblocks'
        // generation proves nothing was committed (a log replay or any write would raise it).
        var (doc, peers) = Build("""
            modprobe btrfs
            mkfs.btrfs -q -f -L cold -d raid1 -m raid1 $SCRATCH0 $SCRATCH1
            udevadm settle; btrfs device scan >/dev/null
            mkdir -p /mnt/c; mount $SCRATCH0 /mnt/c
            btrfs -q subvolume create /mnt/c/@; btrfs -q subvolume create /mnt/c/@data; btrfs -q subvolume create /mnt/c/@data/inner
            btrfs -q subvolume snapshot -r /mnt/c/@data /mnt/c/@data-ro
            btrfs subvolume set-default "$(btrfs subvolume show /mnt/c/@ | awk '/Subvolume ID/ {print $3}')" /mnt/c
            btrfs subvolume list -p /mnt/c > /tmp/cold-list; btrfs subvolume get-default /mnt/c > /tmp/cold-default
            umount /mnt/c
            for d in $SCRATCH0 $SCRATCH1; do btrfs inspect-internal dump-super -a $d; done > /tmp/cold-super-before
            """, "--disk $SCRATCH0 --disk $SCRATCH1",
            Section("LIST", "cat /tmp/cold-list") + Section("DEFAULT", "cat /tmp/cold-default") +
            Section("SUPER", "for d in $SCRATCH0 $SCRATCH1; do btrfs inspect-internal dump-super -a $d; done | cmp - /tmp/cold-super-before && echo unchanged") +
            Section("MOUNTED", "grep -c -e \" $SCRATCH0 \" -e \" $SCRATCH1 \" /proc/self/mountinfo || true") +
            Section("LEFT", "ls -d /tmp/mkcdrec-btrfs.* 2>/dev/null | wc -l"));
        var b = Assert.Single(doc.Filesystems).Btrfs!;
        Assert.DoesNotContain(doc.Warnings, w => w.Contains("not mounted", StringComparison.Ordinal));
        Assert.Equal(("raid1", "raid1"), (b.DataProfile, b.MetadataProfile));
        AssertSubvolumesMatchBtrfs(b, peers);
        Assert.True(b.Subvolumes.Single(s => s.Path == "@data-ro").ReadOnly);
        Assert.False(b.Subvolumes.Single(s => s.Path == "@data/inner").ReadOnly);
        Assert.Equal("unchanged", peers["SUPER"].Trim());
        Assert.Equal("0", peers["MOUNTED"].Trim());
        Assert.Equal("0", peers["LEFT"].Trim());
    }

    [Fact]
    public void Unknown_device_mapper_target_is_recorded_and_warned_not_dropped()
    {
        var (doc, _) = Build("""
            dmsetup create oddmap --table "0 4096 linear $SCRATCH2 0"
            udevadm settle
            """, "--disk $SCRATCH2", Section("CLEANUP", "dmsetup remove oddmap"));
        var u = Assert.Single(doc.Unsupported);
        Assert.Equal("/dev/mapper/oddmap", u.Device);
        Assert.Equal("device-mapper", u.Kind);
        Assert.Contains(doc.Warnings, w => w.Contains("oddmap", StringComparison.Ordinal));
    }

    [Fact]
    public void Not_root_is_a_clear_error()
    {
        var r = _vm.Run("install -m 755 \"$(command -v mkcdrec)\" /tmp/mkcdrec-nobody && cd /tmp && setpriv --reuid=65534 --regid=65534 --clear-groups /tmp/mkcdrec-nobody layout save -o /tmp/nobody.json");
        Assert.Equal(3, r.ExitCode);
        Assert.Contains("needs root", r.Stderr, StringComparison.Ordinal);
        Assert.Contains("what to do", r.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_exits_1_after_a_change_that_matters_and_0_otherwise()
    {
        _vm.WipeDisks();
        var r = _vm.RunChecked("""
            set -e
            sgdisk -n1:0:+100M -t1:8300 $SCRATCH0 >/dev/null; partx -u $SCRATCH0 || true; udevadm settle; mkfs.ext4 -q ${SCRATCH0}1
            mkcdrec layout save --disk $SCRATCH0 -o /tmp/saved.json >/dev/null
            set +e
            mkcdrec layout check /tmp/saved.json; echo "unchanged=$?"
            sgdisk -n2:0:+50M -t2:8300 $SCRATCH0 >/dev/null; partx -u $SCRATCH0 || true; udevadm settle
            mkcdrec layout check /tmp/saved.json; echo "changed=$?"
            """, Long);
        Assert.Contains("unchanged=0", r.Stdout, StringComparison.Ordinal);
        Assert.Contains("changed=1", r.Stdout, StringComparison.Ordinal);
        Assert.Contains("make a new rescue medium", r.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Default_capture_takes_every_disk_and_the_guest_root()
    {
        _vm.WipeDisks();
        var r = _vm.RunChecked("mkcdrec layout save -o /tmp/all.json >/dev/null && cat /tmp/all.json", Long);
        var doc = LayoutSerializer.Deserialize(r.Stdout);
        Assert.True(doc.Disks.Count >= 4, "the guest root disk and three scratch disks");
        Assert.Contains(doc.Mounts, m => m.Target == "/");
        Assert.Null(doc.SelectedDisks);
    }
}
