using Mkcdrec.Core.Capture;
using Mkcdrec.Core.Platform;
using Mkcdrec.Core.Storage;
using Mkcdrec.Core.Tests.Rescue;
using Mkcdrec.Model.Layout;
using static Mkcdrec.Core.Tests.Planning.PlanFixtures;

namespace Mkcdrec.Core.Tests.Capture;

/// <summary>
/// --disk keeps the selected disks and what is stacked on them, found through the technologies' device descriptions:
/// a RAID across a selected and an unselected disk stays (with a note), what lies only on other disks goes.
/// </summary>
public class DiskRestrictionTests
{
    [Fact]
    public void Keeps_the_whole_stack_on_one_selected_member_and_notes_the_other()
    {
        var doc = RaidLuksLvmThin();
        var other = doc.Disks[1];
        doc.Disks.Remove(other); // only sda was selected

        DiskRestriction.Apply(Context(doc));

        Assert.Single(doc.MdArrays);
        Assert.Single(doc.Luks);
        Assert.Equal(5, doc.Lvm.LogicalVolumes.Count);
        Assert.Equal(4, doc.Filesystems.Count);
        Assert.Equal("fs:vfat:1A2B-3C4D", doc.Boot.EspFilesystemId);
        var note = Assert.Single(doc.Warnings);
        Assert.Contains("/dev/md127", note, StringComparison.Ordinal);
        Assert.Contains(other.Partitions[1].Id, note, StringComparison.Ordinal);
    }

    [Fact]
    public void Drops_what_lies_only_on_other_disks_with_its_mounts_and_the_esp()
    {
        var doc = RaidLuksLvmThin();
        doc.Disks.RemoveAt(0); // only sdb was selected: the ESP is on sda

        DiskRestriction.Apply(Context(doc));

        Assert.DoesNotContain(doc.Filesystems, f => f.Type == "vfat");
        Assert.DoesNotContain(doc.Mounts, m => m.Target == "/boot/efi");
        Assert.Null(doc.Boot.EspFilesystemId);
        Assert.Null(doc.Boot.EspMountPoint);
        Assert.Equal(["/srv", "/"], doc.Mounts.Select(m => m.Target));
        Assert.Single(doc.MdArrays);
    }

    [Fact]
    public void Drops_a_stack_on_no_selected_disk()
    {
        var doc = TwoLuksPartitions();
        doc.Disks.Clear();

        DiskRestriction.Apply(Context(doc));

        Assert.Empty(doc.Luks);
        Assert.Empty(doc.Filesystems);
        Assert.Empty(doc.Mounts);
        Assert.Empty(doc.Warnings);
    }

    private static CaptureContext Context(LayoutDocument doc) => new(new NoProcesses(), new FakeFiles(), NullLog.Instance, doc, explicitDisks: true)
    {
        Technologies = Registry.Technologies.Storage,
    };

    private sealed class NoProcesses : IProcessRunner
    {
        public ProcessResult Run(ProcessRequest request) => throw new InvalidOperationException("no process expected: " + request.CommandLine);

        public bool CanRun(string program) => false;
    }
}
