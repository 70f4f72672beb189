using Mkcdrec.Core.Execution;
using Mkcdrec.Core.Platform;
using Mkcdrec.Core.Tests.Archive;
using Mkcdrec.Model.Layout;
using Mkcdrec.Model.Plan;
using Mkcdrec.Platform.Linux;

namespace Mkcdrec.Core.Tests.Execution;

/// <summary>
/// What the executor relies on when a disk's table cannot be re-read whole, on the real kernel: a loop device with
/// partitions (an image file of the test), one partition held open. BLKRRPART is refused, the kernel keeps the old
/// extents (<see cref="BlockDevices.KernelExtent"/> reads them from sysfs), partx -u (BLKPG) updates the free
/// partitions and cannot move the one in use: the executor refuses to write through such a node.
/// </summary>
[Trait("Category", "Root")]
public sealed class KernelPartitionViewTests : IDisposable
{
    private const long MiB = 1 << 20;
    private readonly string _dir = TreeFixture.NewTempDir();
    private readonly string _loop;
    private readonly BlockDevices _blocks = new();

    public KernelPartitionViewTests()
    {
        var img = Path.Combine(_dir, "disk.img");
        TreeFixture.Sh($"truncate -s 64M {img}");
        _loop = TreeFixture.Sh($"losetup -f --show -P {img}").Trim();
    }

    public void Dispose()
    {
        TreeFixture.TryRun("losetup", ["-d", _loop]);
        TreeFixture.Cleanup(_dir);
    }

    // partx as well: this CI's kernel accepts sgdisk's re-read without making the nodes.
    private void Table(string partitions) => TreeFixture.Sh($"sgdisk -Z {_loop} >/dev/null 2>&1; sgdisk {partitions} {_loop} >/dev/null 2>&1; partx -u {_loop}; udevadm settle; true");

    [Fact]
    public void A_busy_disk_keeps_old_extents_until_partx_updates_the_free_partitions()
    {
        Table("-n 1:2048:+16M -n 2:0:+16M");
        Assert.True(_blocks.WaitForDevices([_loop + "p1", _loop + "p2"], TimeSpan.FromSeconds(10)));
        Assert.Equal((2048 * 512, 16 * MiB), _blocks.KernelExtent(_loop + "p1"));
        var p2 = _blocks.KernelExtent(_loop + "p2");
        Assert.Equal((2048 * 512 + 16 * MiB, 16 * MiB), p2);

        using (File.OpenRead(_loop + "p2")) // in use, as a mount or a dm device would hold it
        {
            TreeFixture.Sh($"sgdisk -d 1 -n 1:2048:+8M {_loop} >/dev/null 2>&1; true"); // p1 smaller, p2 where it was
            Assert.False(_blocks.RereadPartitions(_loop)); // EBUSY
            Assert.Equal((2048 * 512, 16 * MiB), _blocks.KernelExtent(_loop + "p1")); // the old one
            Assert.Equal(0, TreeFixture.TryRun("partx", ["-u", _loop]).Code);
            Assert.Equal((2048 * 512, 8 * MiB), _blocks.KernelExtent(_loop + "p1"));

            TreeFixture.Sh($"sgdisk -d 2 -n 2:40960:+8M {_loop} >/dev/null 2>&1; true"); // p2 moved while in use
            TreeFixture.TryRun("partx", ["-u", _loop]);
            Assert.Equal(p2, _blocks.KernelExtent(_loop + "p2")); // the kernel cannot follow: the executor must refuse
        }
    }

    /// <summary>
    /// The executor's partition step on the loop device: the re-read may succeed without making a node (this CI's kernel
    /// does that), so partx must, and the nodes then carry the new table's extents; with one partition held open and
    /// moved, the step refuses instead of writing through the old node.
    /// </summary>
    [Fact]
    public void The_executor_gets_the_partitions_of_its_table_or_refuses()
    {
        var log = new NullLog();
        var executor = new PlanExecutor(new ProcessRunner(log), _blocks, log);
        ExecutorOptions Options() => new() { JournalPath = Path.Combine(_dir, "journal.json"), Yes = true, DeviceTimeout = TimeSpan.FromSeconds(4) };

        executor.Execute(Plan(2048, 16), Options());
        Assert.Equal((2048 * 512, 16 * MiB), _blocks.KernelExtent(_loop + "p1"));
        Assert.Equal((2048 * 512 + 16 * MiB, 8 * MiB), _blocks.KernelExtent(_loop + "p2"));

        File.Delete(Path.Combine(_dir, "journal.json"));
        using (File.OpenRead(_loop + "p2"))
        {
            var e = Assert.Throws<MkcdrecException>(() => executor.Execute(Plan(2048, 24), Options())); // p2 moves by 8 MiB
            Assert.True(e.Message.Contains("the kernel still uses old partitions", StringComparison.Ordinal), e.Message);
            Assert.Contains(_loop + "p2", e.Message, StringComparison.Ordinal);
        }
    }

    /// <summary>A GPT with p1 of <paramref name="p1MiB"/> at <paramref name="start"/> and an 8 MiB p2 after it; the step wipes both as a plan's does.</summary>
    private RecoveryPlan Plan(long start, long p1MiB)
    {
        PartitionSpec Part(int n, long at, long mib) => new()
        {
            Number = n, Kind = PartitionKinds.Gpt, StartSector = at, SizeSectors = mib * MiB / 512, TypeGuid = new Guid("0fc63daf-8483-4772-8e79-3d69d8477de4"),
            PartUuid = Guid.NewGuid(), Name = "p" + n, SourceId = "p" + n, Path = _loop + "p" + n,
        };
        var table = new PartitionTableSpec
        {
            Device = _loop, Kind = "gpt", SectorSize = 512, DeviceSizeBytes = 64 * MiB, DiskGuid = Guid.NewGuid(), FirstUsableLba = 34,
            LastUsableLba = (64 * MiB / 512) - 34, GptEntryCount = 128,
            Partitions = [Part(1, start, p1MiB), Part(2, start + (p1MiB * MiB / 512), 8)],
        };
        return new RecoveryPlan
        {
            Steps =
            [
                new PlanStep
                {
                    Id = "partition:loop", Kind = StepKinds.Partition, Description = "partition the loop device", Devices = [_loop], Destructive = true,
                    PartitionTable = table,
                    Commands = [new(["blockdev", "--rereadpt", _loop]), new(["udevadm", "settle"]), new(["wipefs", "-a", _loop + "p1"]), new(["wipefs", "-a", _loop + "p2"])],
                },
            ],
        };
    }
}
