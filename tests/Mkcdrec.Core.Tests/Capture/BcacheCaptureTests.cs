using Mkcdrec.Core.Platform;
using Mkcdrec.Core.Storage;
using Mkcdrec.Core.Storage.Bcache;
using Mkcdrec.Core.Storage.Filesystems;
using Mkcdrec.Core.Storage.Md;
using Mkcdrec.Core.Storage.Luks;
using Mkcdrec.Core.Tests.Rescue;
using Mkcdrec.Model.Layout;

namespace Mkcdrec.Core.Tests.Capture;

/// <summary>
/// bcache capture: bcache-super-show's real output (Capture/corpus/bcache, made by record.sh there) and a fake sysfs laid
/// out like a 6.1 kernel's: /sys/block/bcacheN/bcache is the backing device's bcache directory, its `cache` link names the
/// cache set, whose cacheN links name the cache devices.
/// </summary>
public sealed class BcacheCaptureTests
{
    private const string Cset = "5ad1e1b4-0c1c-4d1e-9c2b-3b0d9f1e2a77";
    private const string BackingUuid = "82690924-c57e-4afb-907e-f5f6f94f020d";

    private static string Corpus(string file) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Capture", "corpus", "bcache", file));

    [Fact]
    public void Super_show_of_a_writeback_backing_device()
    {
        var sb = BcacheSuperShowParser.Parse(Corpus("backing-writeback.txt"))!;
        Assert.True(sb.IsBacking);
        Assert.Equal((BackingUuid, Cset, (string?)null), (sb.Uuid, sb.CacheSetUuid, sb.Label));
        Assert.Equal((8, 16L, "writeback"), (sb.SectorsPerBlock, sb.DataFirstSector!.Value, sb.CacheMode));
        Assert.Null(sb.Replacement);
        Assert.Null(sb.Discard);
    }

    [Fact]
    public void Super_show_of_a_cache_device_and_of_backing_devices_with_defaults_and_an_offset()
    {
        var cache = BcacheSuperShowParser.Parse(Corpus("cache-fifo-discard.txt"))!;
        Assert.False(cache.IsBacking);
        Assert.Equal((8, 512, "fifo", true), (cache.SectorsPerBlock, cache.SectorsPerBucket, cache.Replacement, cache.Discard));
        Assert.Equal(Cset, cache.CacheSetUuid);
        Assert.Null(cache.CacheMode);

        var offset = BcacheSuperShowParser.Parse(Corpus("backing-offset.txt"))!;
        Assert.Equal((1, 2048L, "writethrough"), (offset.SectorsPerBlock, offset.DataFirstSector!.Value, offset.CacheMode));
        var plain = BcacheSuperShowParser.Parse(Corpus("backing-plain.txt"))!;
        Assert.Equal(16L, plain.DataFirstSector);
    }

    [Fact]
    public void Super_show_in_a_guest_with_the_bcache_module_a_label_and_a_registered_cache_set()
    {
        // The cache set's superblock as the kernel rewrote it (version 3); the label the plan writes through sysfs.
        var backing = BcacheSuperShowParser.Parse(Corpus("guest-backing-writeback-label.txt"))!;
        Assert.Equal((true, "bcroot", "writeback", "b0cac4e0-5e70-4a11-9c2b-3b0d9f1e2a77"), (backing.IsBacking, backing.Label, backing.CacheMode, backing.CacheSetUuid));
        var cache = BcacheSuperShowParser.Parse(Corpus("guest-cache-registered.txt"))!;
        Assert.Equal((false, 8, 512, "fifo", true), (cache.IsBacking, cache.SectorsPerBlock, cache.SectorsPerBucket, cache.Replacement, cache.Discard));
        Assert.Null(cache.Label);
    }

    [Fact]
    public void Super_show_labels_are_decoded_and_bad_magic_is_no_superblock()
    {
        // bcache-super-show prints a label's bytes other than [A-Za-z0-9._-] as %xx (print_encode).
        var labelled = Corpus("backing-plain.txt").Replace("dev.label\t\t(empty)", "dev.label\t\tmy%20cache%2fdata", StringComparison.Ordinal);
        Assert.Equal("my cache/data", BcacheSuperShowParser.Parse(labelled)!.Label);
        Assert.Null(BcacheSuperShowParser.Parse("sb.magic\t\tbad magic\n"));
        Assert.Null(BcacheSuperShowParser.Parse(""));
    }

    [Fact]
    public void A_cached_device_is_captured_with_its_cache_set_and_what_is_on_it()
    {
        var (context, _) = Machine();
        new BcacheTechnology().Capture(context);
        new FilesystemsTechnology().Capture(context);

        var b = Assert.Single(context.Document.Bcache);
        Assert.Equal(("bcache:disk:SLOW/p1", "bcache0", "/dev/bcache0", "disk:SLOW/p1"), (b.Id, b.KernelName, b.Path, b.BackingDeviceId));
        Assert.Equal((BackingUuid, "root", "writeback", 4096), (b.BackingUuid, b.Label, b.CacheMode, b.BlockSizeBytes));
        Assert.Null(b.DataOffsetSectors);
        Assert.Equal(8L << 30, b.SizeBytes);
        var set = b.Cache!;
        Assert.Equal((Cset, "disk:FAST/p1", 4096, 256L * 1024, "fifo", true), (set.Uuid, Assert.Single(set.DeviceIds), set.BlockSizeBytes, set.BucketSizeBytes, set.Replacement, set.Discard));

        // The partitions are used by the bcache device and the cache set; blkid's "bcache" type on them is no filesystem.
        var parts = context.Document.Disks.SelectMany(d => d.Partitions).ToDictionary(p => p.KernelName);
        Assert.Equal(b.Id, parts["vdb1"].UsedBy);
        Assert.Equal(BcacheTechnology.CacheSetId(Cset), parts["vdc1"].UsedBy);
        var fs = Assert.Single(context.Document.Filesystems);
        Assert.Equal([b.Id], fs.DeviceIds);
        Assert.Equal("ext4", fs.Type);
        Assert.Equal(fs.Id, b.UsedBy);
        Assert.Empty(context.Document.Unsupported);
        Assert.Contains(context.Document.Warnings, w => w.StartsWith("/dev/vdd1: holds a bcache superblock that no running bcache device uses", StringComparison.Ordinal));
    }

    [Fact]
    public void A_detached_device_has_no_cache_and_its_superblock_facts_fill_what_sysfs_lacks()
    {
        var (context, _) = Machine(attached: false, oldKernel: true);
        new BcacheTechnology().Capture(context);

        var b = Assert.Single(context.Document.Bcache);
        Assert.Null(b.Cache);
        Assert.Equal("disk:SLOW/p1", b.BackingDeviceId); // from the link, without backing_dev_name
        Assert.Equal(BackingUuid, b.BackingUuid); // from bcache-super-show, without backing_dev_uuid
        Assert.Null(context.Document.Disks.SelectMany(d => d.Partitions).Single(p => p.KernelName == "vdc1").UsedBy);
    }

    [Fact]
    public void Bcache_on_a_device_no_technology_before_it_captured_is_recorded_as_not_supported()
    {
        var (context, _) = Machine();
        context.IdOf.Remove("vdb1"); // as if the backing device were a LUKS mapping, which is captured after bcache
        new BcacheTechnology().Capture(context);

        Assert.Empty(context.Document.Bcache);
        var u = Assert.Single(context.Document.Unsupported);
        Assert.Equal(("/dev/bcache0", "bcache"), (u.Device, u.Kind));
    }

    [Fact]
    public void Bcache_is_captured_after_md_and_before_luks_and_lvm()
    {
        var names = Registry.Technologies.Storage.Select(t => t.Name).ToList();
        Assert.True(names.IndexOf(new MdTechnology().Name) < names.IndexOf("bcache"));
        Assert.True(names.IndexOf("bcache") < names.IndexOf(new LuksTechnology().Name));
        Assert.True(names.IndexOf("bcache") < names.IndexOf("lvm"));
    }

    /// <summary>
    /// vdb1 (8 GiB, backing) and vdc1 (2 GiB, cache) as bcache0 with ext4 on it; vdd1 holds a bcache superblock nothing
    /// uses. The links are a 6.1 kernel's (corpus/bcache/guest-sysfs-6.1.txt). <paramref name="oldKernel"/>: no
    /// backing_dev_name/backing_dev_uuid files (kernels before 4.18).
    /// </summary>
    private static (CaptureContext Context, FakeFiles Files) Machine(bool attached = true, bool oldKernel = false)
    {
        const string vdb1 = "/sys/devices/pci0000:00/0000:00:06.0/virtio3/block/vdb/vdb1";
        const string vdc1 = "/sys/devices/pci0000:00/0000:00:07.0/virtio4/block/vdc/vdc1";
        var files = new FakeFiles()
            .Link("/sys/block/bcache0", "../devices/virtual/block/bcache0")
            .Link("/sys/devices/virtual/block/bcache0/bcache", "../../../pci0000:00/0000:00:06.0/virtio3/block/vdb/vdb1/bcache")
            .Text(vdb1 + "/bcache/label", "root\n")
            .Text(vdb1 + "/bcache/cache_mode", "writethrough [writeback] writearound none\n")
            .Text(vdb1 + "/bcache/state", attached ? "clean\n" : "no cache\n")
            .Link(vdb1 + "/bcache/dev", "../../../../../../virtual/block/bcache0");
        if (!oldKernel)
        {
            files.Text(vdb1 + "/bcache/backing_dev_name", "vdb1\n").Text(vdb1 + "/bcache/backing_dev_uuid", BackingUuid + "\n");
        }

        if (attached)
        {
            files.Link(vdb1 + "/bcache/cache", "../../../../../../../../fs/bcache/" + Cset)
                .Link($"/sys/fs/bcache/{Cset}/cache0", "../../../devices/pci0000:00/0000:00:07.0/virtio4/block/vdc/vdc1/bcache")
                .Link($"/sys/fs/bcache/{Cset}/bdev0", "../../../devices/pci0000:00/0000:00:06.0/virtio3/block/vdb/vdb1/bcache")
                .Text($"/sys/fs/bcache/{Cset}/block_size", "4.0k\n")
                .Text(vdc1 + "/bcache/priority_stats", "Unused: 99%\n");
        }

        var run = new CannedRunner(new()
        {
            ["bcache-super-show /dev/vdb1"] = Corpus("backing-writeback.txt"),
            ["bcache-super-show /dev/vdc1"] = Corpus("cache-fifo-discard.txt"),
            ["blkid -p -o export /dev/bcache0"] = "DEVNAME=/dev/bcache0\nUUID=0b5e55ed-0000-4000-8000-000000000001\nBLOCK_SIZE=4096\nTYPE=ext4\nUSAGE=filesystem\n",
        });
        var doc = new LayoutDocument
        {
            Disks =
            [
                Disk("vdb", "SLOW", 10L << 30, 8L << 30),
                Disk("vdc", "FAST", 3L << 30, 2L << 30),
                Disk("vdd", "OLD", 1L << 30, 512L << 20),
            ],
        };
        var context = new CaptureContext(run, files, NullLog.Instance, doc, explicitDisks: false)
        {
            FilesystemFamilies = [.. Registry.Technologies.Storage.OfType<IFilesystemFamily>()],
            Technologies = Registry.Technologies.Storage,
            MemberSignatures = Registry.Technologies.Storage.SelectMany(t => t.MemberSignatures).ToHashSet(),
        };
        foreach (var d in doc.Disks)
        {
            var p = d.Partitions[0];
            context.Devices[d.KernelName] = new BlockDevice { Name = d.KernelName, SizeBytes = d.SizeBytes };
            context.Devices[p.KernelName] = new BlockDevice { Name = p.KernelName, Parent = d.KernelName, PartitionNumber = 1, SizeBytes = p.SizeBytes };
            context.IdOf[d.KernelName] = d.Id;
            context.IdOf[p.KernelName] = p.Id;
            context.Probes[p.KernelName] = new() { ["TYPE"] = "bcache", ["UUID"] = Guid.NewGuid().ToString() };
        }

        // bcache0 is the backing partition less make-bcache's 16 sectors (8 KiB) of superblock.
        context.Devices["bcache0"] = new BlockDevice { Name = "bcache0", SizeBytes = 8L << 30, Slaves = ["vdb1", "vdc1"] };
        return (context, files);
    }

    private static Disk Disk(string name, string serial, long size, long partSize) => new()
    {
        Id = "disk:" + serial, KernelName = name, Path = "/dev/" + name, SizeBytes = size,
        PartitionTable = new PartitionTable { Kind = PartitionTableKinds.Gpt },
        Partitions = [new Partition { Id = $"disk:{serial}/p1", Number = 1, KernelName = name + "1", Path = $"/dev/{name}1", Kind = PartitionKinds.Gpt, StartSector = 2048, SizeBytes = partSize + 8192, SizeSectors = (partSize + 8192) / 512 }],
    };

    /// <summary>Answers the commands it knows (by command line) with their output; the others fail as missing.</summary>
    private sealed class CannedRunner(Dictionary<string, string> outputs) : IProcessRunner
    {
        public ProcessResult Run(ProcessRequest request) => outputs.TryGetValue(request.CommandLine, out var o)
            ? new ProcessResult(0, o, "", TimeSpan.Zero)
            : new ProcessResult(127, "", request.FileName + ": not found", TimeSpan.Zero);

        public bool CanRun(string program) => outputs.Keys.Any(k => k.StartsWith(program + " ", StringComparison.Ordinal));
    }
}
