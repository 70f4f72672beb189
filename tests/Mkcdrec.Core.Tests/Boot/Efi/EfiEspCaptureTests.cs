using Mkcdrec.Core.Boot.Efi;
using Mkcdrec.Core.Platform;
using Mkcdrec.Core.Storage;
using Mkcdrec.Core.Tests.Rescue;
using Mkcdrec.Model.Layout;
using static Mkcdrec.Core.Tests.Planning.PlanFixtures;

namespace Mkcdrec.Core.Tests.Boot.Efi;

/// <summary>Which filesystem is the ESP: vfat on an ESP partition, or on a mirror whose every half is one (md RAID1, metadata 1.0).</summary>
public class EfiEspCaptureTests
{
    private static LayoutDocument Mirrored(Guid secondType, string level = "raid1")
    {
        var a = GptDisk("vda", 4 * GiB, "A", (64 * MiB, Esp, "md:e5"), (0, LinuxRaid, null));
        var b = GptDisk("vdb", 4 * GiB, "B", (64 * MiB, secondType, "md:e5"), (0, LinuxRaid, null));
        return new LayoutDocument
        {
            Disks = [a, b],
            MdArrays =
            [
                new MdArray
                {
                    Id = "md:e5", Path = "/dev/md126", Level = level, Metadata = "1.0", RaidDevices = 2, SizeBytes = 64 * MiB - 64 * 1024,
                    Members = [new MdMember { DeviceId = a.Partitions[0].Id, Slot = 0 }, new MdMember { DeviceId = b.Partitions[0].Id, Slot = 1 }],
                    UsedBy = "fs:vfat:E5E5-0001",
                },
            ],
            Filesystems = [new Filesystem { Id = "fs:vfat:E5E5-0001", Type = "vfat", Uuid = "E5E5-0001", DeviceIds = ["md:e5"], SizeBytes = 64 * MiB }],
            Mounts = [new Mount { Target = "/boot/efi", FilesystemId = "fs:vfat:E5E5-0001", Type = "vfat" }],
        };
    }

    private static BootInfo Capture(LayoutDocument doc)
    {
        var context = new CaptureContext(new NoProcesses(), new FakeFiles(), NullLog.Instance, doc, explicitDisks: true) { Technologies = Registry.Technologies.Storage };
        new EfiTechnology().Capture(context);
        return doc.Boot;
    }

    [Fact]
    public void A_raid1_of_esp_partitions_is_the_esp()
    {
        var boot = Capture(Mirrored(Esp));
        Assert.Equal("fs:vfat:E5E5-0001", boot.EspFilesystemId);
        Assert.Equal("/boot/efi", boot.EspMountPoint);
    }

    [Fact]
    public void A_mirror_with_a_half_that_is_no_esp_partition_or_a_stripe_is_not()
    {
        Assert.Null(Capture(Mirrored(LinuxFs)).EspFilesystemId);
        Assert.Null(Capture(Mirrored(Esp, level: "raid0")).EspFilesystemId);
    }

    private sealed class NoProcesses : IProcessRunner
    {
        public ProcessResult Run(ProcessRequest request) => throw new InvalidOperationException("no process expected: " + request.CommandLine);

        public bool CanRun(string program) => false;
    }
}
