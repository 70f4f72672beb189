using Mkcdrec.Model.Layout;
using Mkcdrec.Model.Manifest;
using Mkcdrec.Model.Media;

namespace Mkcdrec.Model.Tests;

/// <summary>
/// A layout, manifest or medium.json read from a file is refused with InvalidDataException when it breaks what the code
/// behind the parser relies on (found by the layout fuzz target and by hand): nulls where the model has none, negative
/// sizes, ids that name nothing or two things, partitions off their disk, paths that climb out of the target root.
/// </summary>
public class LayoutChecksTests
{
    private const string Disk = """{"id":"disk:a","path":"/dev/vda","sizeBytes":1073741824,"partitions":[{"id":"disk:a/p1","number":1,"startSector":2048,"sizeSectors":4096}]}""";

    private static string Layout(string body) => "{\"formatVersion\":1," + body + "}";

    [Theory]
    [InlineData("\"disks\":null", "'disks'")]
    [InlineData("\"host\":null", "'host'")]
    [InlineData("\"filesystems\":[null]", "'filesystems' has null as its element 0")]
    [InlineData("\"mounts\":[{\"target\":null}]", "'target'")]
    [InlineData("\"disks\":[{\"id\":\"d\",\"path\":\"/dev/x\",\"sizeBytes\":-5}]", "'sizeBytes' is -5")]
    [InlineData("\"disks\":[{\"id\":\"d\",\"path\":\"/dev/x\",\"sizeBytes\":4096,\"logicalSectorSize\":0}]", "logical sectors of 0 bytes")]
    [InlineData("\"disks\":[{\"id\":\"d\",\"path\":\"/dev/x\",\"sizeBytes\":4096,\"physicalSectorSize\":768}]", "physical sectors of 768 bytes")]
    [InlineData("\"disks\":[{\"id\":\"d\",\"path\":\"/dev/x\",\"sizeBytes\":5000000,\"partitions\":[{\"id\":\"p\",\"number\":1,\"startSector\":2048,\"sizeSectors\":99999999}]}]", "does not lie on the disk")]
    [InlineData("\"disks\":[" + Disk + "," + Disk + "]", "two entries have the device id 'disk:a'")]
    [InlineData("\"disks\":[{\"id\":\"\",\"path\":\"/dev/x\"}]", "a device has an empty id")]
    [InlineData("\"mdArrays\":[{\"id\":\"md:1\",\"path\":\"/dev/md0\",\"raidDevices\":5000}]", "at most 1920")]
    [InlineData("\"mounts\":[{\"target\":\"/../../etc\",\"filesystemId\":\"fs:x\"}]", "mount point '/../../etc'")]
    [InlineData("\"filesystems\":[{\"id\":\"fs:x\",\"type\":\"../../bin/sh\"}]", "has the type '../../bin/sh'")]
    [InlineData("\"filesystems\":[{\"id\":\"fs:b\",\"type\":\"btrfs\",\"btrfs\":{\"subvolumes\":[{\"id\":256,\"path\":\"@/../../x\"}]}}]", "subvolume path '@/../../x'")]
    [InlineData("\"lvm\":{\"volumeGroups\":[{\"id\":\"vg:x\",\"name\":\"vg0\",\"extentSizeBytes\":0}]}", "extent size of 0")]
    public void A_layout_that_breaks_a_rule_is_refused_saying_which(string body, string expected)
    {
        var e = Assert.Throws<InvalidDataException>(() => LayoutSerializer.Deserialize(Layout(body), "l.json"));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_plain_layout_with_a_partition_on_its_disk_is_read()
    {
        var doc = LayoutSerializer.Deserialize(Layout("\"disks\":[" + Disk + "],\"mounts\":[{\"target\":\"/srv/a.b\",\"filesystemId\":\"fs:x\"}]"), "l.json");
        Assert.Equal(4096, Assert.Single(Assert.Single(doc.Disks).Partitions).SizeSectors);
    }

    [Theory]
    [InlineData("{\"formatVersion\":1,\"archives\":[null]}", "'archives' has null as its element 0")]
    [InlineData("{\"formatVersion\":1,\"archives\":[{\"filesystemId\":\"x\",\"volumes\":[{\"file\":\"a\",\"size\":-1}]}]}", "'size' is -1")]
    [InlineData("{\"formatVersion\":1,\"archives\":[{\"filesystemId\":\"x\",\"excludes\":null}]}", "'excludes'")]
    public void A_manifest_with_nulls_or_negative_sizes_is_refused(string json, string expected)
    {
        var e = Assert.Throws<InvalidDataException>(() => BackupManifest.Parse(System.Text.Encoding.UTF8.GetBytes(json), "m.json"));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_medium_document_with_a_null_member_is_refused()
    {
        var json = "{\"formatVersion\":1,\"index\":1,\"count\":1,\"media\":[null]}"u8.ToArray();
        var e = Assert.Throws<InvalidDataException>(() => MediumDocument.Parse(json, "medium.json"));
        Assert.Contains("'media' has null as its element 0", e.Message, StringComparison.Ordinal);
    }
}
