using Mkcdrec.Core.Recovery;
using Mkcdrec.Model.Layout;

namespace Mkcdrec.Core.Tests.Recovery;

/// <summary>When a restored initramfs would lack the driver of the disks it now boots from.</summary>
public sealed class InitramfsRebuildTests
{
    private static LayoutDocument Layout(params string[] disks)
    {
        var doc = new LayoutDocument();
        foreach (var d in disks)
        {
            doc.Disks.Add(new Disk { Id = "disk:" + d, Path = d, KernelName = Path.GetFileName(d) });
        }

        return doc;
    }

    [Theory]
    [InlineData("/dev/vda", "/dev/nvme0n1", "/dev/vda → /dev/nvme0n1")]
    [InlineData("/dev/sda", "/dev/nvme1n1", "/dev/sda → /dev/nvme1n1")]
    [InlineData("/dev/sda", "/dev/vda", "/dev/sda → /dev/vda")]
    [InlineData("/dev/xvda", "/dev/sdb", "/dev/xvda → /dev/sdb")]
    [InlineData("/dev/sda", "/dev/sdc", null)]
    [InlineData("/dev/nvme0n1", "/dev/nvme2n1", null)]
    [InlineData("/dev/vda", "/dev/vdb", null)]
    public void A_disk_renamed_into_another_driver_family_is_a_controller_change(string from, string to, string? expected)
    {
        var renamed = new Dictionary<string, (string, string)> { [from] = (to, "disk:" + from) };
        Assert.Equal(expected, InitramfsRebuild.ControllerChange(Layout(from), renamed));
    }

    [Fact]
    public void Partitions_renamed_with_their_disk_do_not_count_twice_and_unrenamed_disks_not_at_all()
    {
        var renamed = new Dictionary<string, (string, string)> { ["/dev/vda2"] = ("/dev/nvme0n1p2", "p2") };
        Assert.Null(InitramfsRebuild.ControllerChange(Layout("/dev/vda"), renamed)); // only disks tell the controller
        Assert.Null(InitramfsRebuild.ControllerChange(Layout("/dev/vda"), new Dictionary<string, (string, string)>()));
    }

    [Theory]
    [InlineData("/dev/mmcblk0", "mmcblk")]
    [InlineData("/dev/xvdb", "xvd")]
    [InlineData("/dev/hda", "hd")]
    [InlineData("/dev/dasda", "dasda")]
    [InlineData("/dev/loop3", "loop")]
    public void The_family_is_the_driver_prefix_of_the_kernel_name(string path, string family) =>
        Assert.Equal(family, InitramfsRebuild.Family(path));
}
