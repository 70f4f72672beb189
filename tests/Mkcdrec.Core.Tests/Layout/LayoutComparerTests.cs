using Mkcdrec.Core.Layout;
using Mkcdrec.Model.Layout;

namespace Mkcdrec.Core.Tests.Layout;

public class LayoutComparerTests
{
    private static LayoutDocument Load() => LayoutSerializer.Deserialize(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Capture", "corpus", "host-loop-gpt", "layout.json")));

    [Fact]
    public void Same_layout_has_no_changes() => Assert.Empty(LayoutComparer.Compare(Load(), Load()));

    [Fact]
    public void Grown_partition_matters()
    {
        var live = Load();
        live.Disks[0].Partitions[1].SizeSectors += 2048;
        var c = Assert.Single(LayoutComparer.Compare(Load(), live));
        Assert.True(c.Matters);
        Assert.Contains("/p2 size", c.Key);
        Assert.StartsWith("! ~", c.ToString());
    }

    [Fact]
    public void Used_space_and_addresses_do_not_matter()
    {
        var live = Load();
        live.Filesystems[0].UsedBytes = (live.Filesystems[0].UsedBytes ?? 0) + 4096;
        live.Network.Interfaces.Add(new NetworkInterface { Name = "eth9", Mac = "52:54:00:00:00:09", Addresses = ["192.0.2.7/24"] });
        var changes = LayoutComparer.Compare(Load(), live);
        Assert.NotEmpty(changes);
        Assert.All(changes, c => Assert.False(c.Matters));
    }

    [Fact]
    public void New_filesystem_and_relabel_matter()
    {
        var live = Load();
        live.Filesystems[0].Label = "renamed";
        live.Filesystems.Add(new Filesystem { Id = "fs:ext4:new", Type = "ext4", Uuid = "new", DeviceIds = ["disk:x/p9"] });
        var changes = LayoutComparer.Compare(Load(), live);
        Assert.Contains(changes, c => c.Matters && c.Key.EndsWith(" label", StringComparison.Ordinal) && c.New == "renamed");
        Assert.Contains(changes, c => c.Matters && c.Key.StartsWith("fs:ext4:new", StringComparison.Ordinal) && c.Old is null);
    }

    [Fact]
    public void Removed_disk_matters()
    {
        var live = Load();
        live.Disks.Clear();
        Assert.Contains(LayoutComparer.Compare(Load(), live), c => c.Matters && c.New is null && c.Key.EndsWith(" size", StringComparison.Ordinal));
    }

    [Fact]
    public void Tree_shows_every_layer_with_mount_points()
    {
        var text = LayoutTree.Render(Load());
        Assert.Contains("disk /dev/loop0", text);
        Assert.Contains("└─ loop0p5", text);
        Assert.Contains("→ btrfs", text);
        Assert.Contains("subvolume @home/nested", text);
        Assert.Contains("→ swap", text);
        Assert.Matches(@"→ ext4 [0-9a-f\-]+ ""rootfs"" on /", text);
    }

    [Fact]
    public void Secure_boot_turned_on_matters_and_show_says_it()
    {
        var live = Load();
        live.Boot.Firmware = FirmwareKinds.Uefi;
        live.Boot.SecureBoot = true;
        var old = Load();
        old.Boot.Firmware = FirmwareKinds.Uefi;
        old.Boot.SecureBoot = false;
        Assert.Contains(LayoutComparer.Compare(old, live), c => c.Matters && c.Key == "boot secure boot" && c.Old == "off" && c.New == "on");
        Assert.Contains("UEFI boot", LayoutTree.Render(live), StringComparison.Ordinal);
        Assert.Contains(", Secure Boot on", LayoutTree.Render(live).Split('\n')[0], StringComparison.Ordinal);
        Assert.Contains(", Secure Boot off", LayoutTree.Render(old).Split('\n')[0], StringComparison.Ordinal);
        Assert.DoesNotContain("Secure Boot", LayoutTree.Render(Load()), StringComparison.Ordinal); // BIOS: nothing to say
    }
}
