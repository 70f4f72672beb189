using Mkcdrec.Core.Boot.Efi;
using Mkcdrec.Core.Network;
using Mkcdrec.Core.Storage;
using Mkcdrec.Core.Storage.Btrfs;
using Mkcdrec.Core.Storage.Filesystems;
using Mkcdrec.Core.Storage.Lvm;
using Mkcdrec.Core.Storage.Mounts;

namespace Mkcdrec.Core.Tests.Capture;

public class ToolOutputParsersTests
{
    [Fact]
    public void Mountinfo_decodes_octal_escapes_and_optional_fields()
    {
        var text = "36 35 98:0 /mnt1 /mnt/my\\040disk rw,noatime master:1 shared:2 - ext3 /dev/root rw,errors=continue\n" +
                   "40 36 0:37 /@home /home rw,relatime shared:3 - btrfs /dev/vdb2 rw,space_cache=v2,subvolid=256,subvol=/@home\n";
        var m = MountInfoParser.Parse(text);
        Assert.Equal(2, m.Count);
        Assert.Equal("/mnt/my disk", m[0].MountPoint);
        Assert.Equal("ext3", m[0].FsType);
        Assert.Equal((98, 0), (m[0].Major, m[0].Minor));
        Assert.Equal("/@home", m[1].Root);
        Assert.Equal("/dev/vdb2", m[1].Source);
        Assert.Contains("subvol=/@home", m[1].SuperOptions);
    }

    [Fact]
    public void Fstab_and_crypttab()
    {
        var f = FstabParser.Parse("# comment\nUUID=abc / ext4 errors=remount-ro 0 1\n/dev/mapper/vg-swap none swap sw 0 0\nLABEL=My\\040Data /srv/data xfs defaults\n");
        Assert.Equal(3, f.Count);
        Assert.Equal(("UUID=abc", "/", 1), (f[0].Spec, f[0].Target, f[0].Pass));
        Assert.Equal("LABEL=My Data", f[2].Spec);
        Assert.Equal("defaults", f[2].Options);
        var c = CrypttabParser.Parse("cryptroot UUID=1234 none luks,discard\nswap /dev/vdb3 /dev/urandom swap\n");
        Assert.Null(c[0].KeyFile);
        Assert.Equal("luks,discard", c[0].Options);
        Assert.Equal("/dev/urandom", c[1].KeyFile);
    }

    [Fact]
    public void Lvm_json_report()
    {
        const string json = """
          {
              "report": [
                  {
                      "lv": [
                          {"vg_name":"vg0", "lv_name":"root", "lv_uuid":"abc-123", "lv_size":"4294967296", "segtype":"linear", "stripes":"1", "pool_lv":"", "devices":"/dev/md0(0)"},
                          {"vg_name":"vg0", "lv_name":"[pool_tdata]", "lv_uuid":"def-456", "lv_size":"1073741824", "segtype":"linear", "stripes":"1", "pool_lv":"", "devices":"/dev/md0(1024)"}
                      ]
                  }
              ]
          }
          """;
        var rows = LvmReportParser.Parse(json, "lv");
        Assert.Equal(2, rows.Count);
        Assert.Equal("4294967296", rows[0]["lv_size"]);
        Assert.Equal("[pool_tdata]", rows[1]["lv_name"]);
        Assert.Empty(LvmReportParser.Parse(json, "vg"));
        Assert.Throws<InvalidDataException>(() => LvmReportParser.Parse("{\"x\":1}", "lv"));
    }

    [Fact]
    public void Efibootmgr_verbose_and_plain()
    {
        const string text = "BootCurrent: 0001\nTimeout: 1 seconds\nBootOrder: 0001,0000,0002\n" +
            "Boot0000* UiApp\tFvVol(7cb8bdc9-f8eb-4f34-aaea-3ee4af6516a1)/FvFile(462caa21-7614-4503-836e-8ab6f4662331)\n" +
            "Boot0001* debian\tHD(1,GPT,0F4A3E1B-2C5D-4E6F-8A9B-1C2D3E4F5A6B,0x800,0x100000)/File(\\EFI\\debian\\shimx64.efi)\n" +
            "Boot0002  EFI Network PciRoot(0x0)/Pci(0x3,0x0)/MAC(525400123456,1)\n";
        var (entries, order) = EfiBootMgrParser.Parse(text);
        Assert.Equal(["0001", "0000", "0002"], order);
        Assert.Equal(3, entries.Count);
        var deb = entries[1];
        Assert.Equal("debian", deb.Label);
        Assert.True(deb.Active);
        Assert.Equal("0f4a3e1b-2c5d-4e6f-8a9b-1c2d3e4f5a6b", deb.PartUuid);
        Assert.Equal("\\EFI\\debian\\shimx64.efi", deb.Loader);
        Assert.Equal("EFI Network", entries[2].Label);
        Assert.False(entries[2].Active);
    }

    [Fact]
    public void Btrfs_outputs()
    {
        var list = BtrfsCommandOutput.ParseSubvolumeList("ID 256 gen 10 parent 5 top level 5 path <FS_TREE>/@\nID 258 gen 12 parent 256 top level 256 path <FS_TREE>/@/var/lib/machines\n", new HashSet<long> { 258 });
        Assert.Equal(["@", "@/var/lib/machines"], list.Select(s => s.Path).ToArray());
        Assert.True(list[1].ReadOnly);
        Assert.Equal(256, list[1].ParentId);
        Assert.Equal(256, BtrfsCommandOutput.ParseDefault("ID 256 gen 9 top level 5 path @\n"));
        Assert.Equal(5, BtrfsCommandOutput.ParseDefault("ID 5 (FS_TREE)\n"));
        var (d, m, s) = BtrfsCommandOutput.ParseDf("Data, RAID1: total=1073741824, used=0\nSystem, RAID1: total=8388608, used=16384\nMetadata, RAID1: total=268435456, used=131072\nGlobalReserve, single: total=3538944, used=0\n");
        Assert.Equal(("raid1", "raid1", "raid1"), (d, m, s));
    }

    [Fact]
    public void Dumpe2fs_header()
    {
        var p = Dumpe2fsParser.Parse("Filesystem volume name:   root\nFilesystem features:      has_journal ext_attr resize_inode dir_index filetype extent 64bit flex_bg sparse_super large_file huge_file dir_nlink extra_isize metadata_csum\nInode count:              65536\nBlock count:              262144\nReserved block count:     13107\nBlock size:               4096\nInode size:\t          256\nDefault mount options:    user_xattr acl\n");
        Assert.Equal(4096, p.BlockSize);
        Assert.Equal(256, p.InodeSize);
        Assert.Equal(262144, p.BlockCount);
        Assert.Contains("metadata_csum", p.Features);
        Assert.Equal("user_xattr acl", p.DefaultMountOptions);
    }

    [Fact]
    public void Ip_json_and_resolv_conf()
    {
        var addr = IpJsonParser.ParseAddresses("""[{"ifindex":2,"ifname":"eth0","mtu":1500,"operstate":"UP","address":"52:54:00:12:34:56","addr_info":[{"family":"inet","local":"10.0.2.15","prefixlen":24,"scope":"global","dynamic":true},{"family":"inet6","local":"fe80::1","prefixlen":64,"scope":"link"}]}]""");
        Assert.Equal(["10.0.2.15/24"], addr["eth0"].Addresses);
        Assert.True(addr["eth0"].Dynamic);
        var routes = IpJsonParser.ParseRoutes("""[{"dst":"default","gateway":"10.0.2.2","dev":"eth0","protocol":"dhcp","metric":100}]""");
        Assert.Equal(("default", "10.0.2.2", 100), (routes[0].Destination, routes[0].Gateway, routes[0].Metric));
        var (ns, search) = ResolvConfParser.Parse("# x\nnameserver 10.0.2.3\nsearch example.org lan\n");
        Assert.Equal(["10.0.2.3"], ns);
        Assert.Equal(["example.org", "lan"], search);
    }

    [Fact]
    public void Spec_resolution()
    {
        var probes = new Dictionary<string, Dictionary<string, string>>
        {
            ["vdb1"] = new() { ["UUID"] = "ABCD-1234", ["PART_ENTRY_UUID"] = "0f4a3e1b-aaaa-bbbb-cccc-1c2d3e4f5a6b", ["LABEL"] = "EFI" },
            ["vdb2"] = new() { ["UUID"] = "3f1e", ["PART_ENTRY_NAME"] = "root" },
        };
        Assert.Equal("vdb1", DeviceSpecResolver.Resolve("UUID=abcd-1234", probes, _ => null));
        Assert.Equal("vdb1", DeviceSpecResolver.Resolve("PARTUUID=0F4A3E1B-AAAA-BBBB-CCCC-1C2D3E4F5A6B", probes, _ => null));
        Assert.Equal("vdb2", DeviceSpecResolver.Resolve("PARTLABEL=root", probes, _ => null));
        Assert.Equal("vdb1", DeviceSpecResolver.Resolve("LABEL=EFI", probes, _ => null));
        Assert.Null(DeviceSpecResolver.Resolve("LABEL=efi", probes, _ => null));
        Assert.Equal("vdb2", DeviceSpecResolver.Resolve("/dev/vdb2", probes, p => p == "/dev/vdb2" ? "vdb2" : null));
    }
}
