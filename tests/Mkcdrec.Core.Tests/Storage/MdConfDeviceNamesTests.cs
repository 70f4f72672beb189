using Mkcdrec.Core.Storage.Md;

namespace Mkcdrec.Core.Tests.Storage;

public sealed class MdConfDeviceNamesTests
{
    private static readonly Dictionary<string, string> VirtioToNvme = new(StringComparer.Ordinal)
    {
        ["/dev/vda4"] = "/dev/nvme0n1p4", ["/dev/vdb1"] = "/dev/nvme1n1p1", ["/dev/vda2"] = "/dev/nvme0n1p2",
    };

    [Fact]
    public void Device_lines_and_devices_tags_follow_renamed_members_and_nothing_else_moves()
    {
        const string conf = "# mdadm.conf for /dev/vda4\nDEVICE /dev/vda4 /dev/vdb1\nHOMEHOST <system>\n"
            + "ARRAY /dev/md0 metadata=1.2 name=h:srv UUID=a:b:c:d devices=/dev/vda4,/dev/vdb1\n";
        Assert.Equal("# mdadm.conf for /dev/vda4\nDEVICE /dev/nvme0n1p4 /dev/nvme1n1p1\nHOMEHOST <system>\n"
            + "ARRAY /dev/md0 metadata=1.2 name=h:srv UUID=a:b:c:d devices=/dev/nvme0n1p4,/dev/nvme1n1p1\n",
            MdConfDeviceNames.Rewrite(conf, VirtioToNvme));
    }

    [Fact]
    public void A_pattern_that_matched_renamed_devices_keeps_its_place_and_gets_their_new_names()
    {
        Assert.Equal("DEVICE /dev/vd[ab]* /dev/nvme0n1p2 /dev/nvme0n1p4 /dev/nvme1n1p1 /dev/sdz1",
            MdConfDeviceNames.Rewrite("DEVICE /dev/vd[ab]* /dev/sdz1", VirtioToNvme));
        Assert.Equal("ARRAY /dev/md0 devices=/dev/vd?4,/dev/nvme0n1p4",
            MdConfDeviceNames.Rewrite("ARRAY /dev/md0 devices=/dev/vd?4", VirtioToNvme));
        // A pattern that matches no renamed device, and one that already matches the new names, stay as they are.
        Assert.Equal("DEVICE /dev/sd*\nDEVICE /dev/*", MdConfDeviceNames.Rewrite("DEVICE /dev/sd*\nDEVICE /dev/*", VirtioToNvme));
    }

    [Fact]
    public void Continuation_lines_abbreviated_keywords_and_comments_are_read_as_mdadm_reads_them()
    {
        const string conf = "dev /dev/vda4 # first half\n    /dev/vdb1\nDEVICE partitions\nMAILADDR /dev/vda4\nARRAY /dev/md1 UUID=x\n  devices=/dev/vdb1\n";
        Assert.Equal("dev /dev/nvme0n1p4 # first half\n    /dev/nvme1n1p1\nDEVICE partitions\nMAILADDR /dev/vda4\nARRAY /dev/md1 UUID=x\n  devices=/dev/nvme1n1p1\n",
            MdConfDeviceNames.Rewrite(conf, VirtioToNvme));
    }
}
