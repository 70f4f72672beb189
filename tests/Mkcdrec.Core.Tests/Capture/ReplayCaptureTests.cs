using System.Text.Json;
using Mkcdrec.Core.Capture;
using Mkcdrec.Core.Platform;
using Mkcdrec.Model.Layout;

namespace Mkcdrec.Core.Tests.Capture;

/// <summary>
/// Capture logic over recorded machines: each corpus folder holds what a real `layout save --record` read, and the
/// peers' view of the same disk (sfdisk --json, blkid -p). Replaying must reproduce the live capture and agree with the peers.
/// </summary>
public class ReplayCaptureTests
{
    public static TheoryData<string> Fixtures()
    {
        var d = new TheoryData<string>();
        foreach (var dir in Directory.GetDirectories(Path.Combine(AppContext.BaseDirectory, "Capture", "corpus")).Order())
        {
            if (File.Exists(Path.Combine(dir, "recording.json")))
            {
                d.Add(Path.GetFileName(dir));
            }
        }

        return d;
    }

    private static string Dir(string name) => Path.Combine(AppContext.BaseDirectory, "Capture", "corpus", name);

    private static (LayoutDocument Live, LayoutDocument Replayed) Replay(string name, Action<MachineRecording>? tamper = null)
    {
        var live = LayoutSerializer.Deserialize(File.ReadAllText(Path.Combine(Dir(name), "layout.json")));
        var rec = MachineRecording.Load(Path.Combine(Dir(name), "recording.json"));
        tamper?.Invoke(rec);
        var doc = new LayoutCapture(new ReplayProcessRunner(rec), new ReplaySystemFiles(rec), NullLog.Instance)
            .Capture(new CaptureOptions { Disks = live.SelectedDisks ?? [], MkcdrecVersion = live.MkcdrecVersion, Now = live.CapturedAt });
        doc.SelectedDisks = live.SelectedDisks;
        return (live, doc);
    }

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void Replay_reproduces_the_live_capture(string name)
    {
        var (live, replayed) = Replay(name);
        Assert.Equal(LayoutSerializer.Serialize(live), LayoutSerializer.Serialize(replayed));
    }

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void Partition_table_agrees_with_sfdisk(string name)
    {
        var (_, doc) = Replay(name);
        using var sf = JsonDocument.Parse(File.ReadAllText(Path.Combine(Dir(name), "sfdisk.json")));
        var pt = sf.RootElement.GetProperty("partitiontable");
        var disk = Assert.Single(doc.Disks);
        Assert.Equal(pt.GetProperty("label").GetString() == "dos" ? PartitionTableKinds.Mbr : PartitionTableKinds.Gpt, disk.PartitionTable.Kind);
        var id = pt.GetProperty("id").GetString()!;
        if (disk.PartitionTable.Kind == PartitionTableKinds.Gpt)
        {
            Assert.Equal(Guid.Parse(id), disk.PartitionTable.DiskGuid);
            Assert.Equal(pt.GetProperty("firstlba").GetInt64(), disk.PartitionTable.FirstUsableLba);
            Assert.Equal(pt.GetProperty("lastlba").GetInt64(), disk.PartitionTable.LastUsableLba);
        }
        else
        {
            Assert.Equal(Convert.ToUInt32(id, 16).ToString("x8"), disk.PartitionTable.MbrDiskId);
        }

        var parts = pt.GetProperty("partitions").EnumerateArray().ToList();
        Assert.Equal(parts.Count, disk.Partitions.Count);
        foreach (var p in parts)
        {
            var node = p.GetProperty("node").GetString()!;
            var ours = Assert.Single(disk.Partitions, x => x.Path == node);
            Assert.Equal(p.GetProperty("start").GetInt64(), ours.StartSector);
            if (ours.Kind != PartitionKinds.Extended)
            {
                Assert.Equal(p.GetProperty("size").GetInt64(), ours.SizeSectors);
            }

            var type = p.GetProperty("type").GetString()!;
            if (disk.PartitionTable.Kind == PartitionTableKinds.Gpt)
            {
                Assert.Equal(Guid.Parse(type), ours.TypeGuid);
                Assert.Equal(Guid.Parse(p.GetProperty("uuid").GetString()!), Guid.Parse(ours.PartUuid!));
                Assert.Equal(p.TryGetProperty("name", out var n) ? n.GetString() : "", ours.Name);
                var attrs = p.TryGetProperty("attrs", out var a) ? a.GetString()! : "";
                Assert.Equal(attrs.Contains("LegacyBIOSBootable"), ((ours.Attributes ?? 0) & 4) != 0);
            }
            else
            {
                Assert.Equal(Convert.ToByte(type, 16), Convert.ToByte(ours.MbrType, 16));
                Assert.Equal(p.TryGetProperty("bootable", out var b) && b.GetBoolean(), ours.Bootable);
                Assert.Equal(p.GetProperty("start").GetInt64() > 0 && node.EndsWith('5') ? PartitionKinds.Logical : ours.Kind, ours.Kind);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void Filesystems_agree_with_blkid(string name)
    {
        var (_, doc) = Replay(name);
        var probes = new Dictionary<string, Dictionary<string, string>>();
        string? current = null;
        foreach (var line in File.ReadAllLines(Path.Combine(Dir(name), "blkid.txt")))
        {
            if (line.StartsWith("# ", StringComparison.Ordinal))
            {
                current = line[2..];
                probes[current] = [];
            }
            else if (current is not null && line.Contains('='))
            {
                probes[current][line[..line.IndexOf('=')]] = line[(line.IndexOf('=') + 1)..];
            }
        }

        var disk = Assert.Single(doc.Disks);
        var checkedCount = 0;
        foreach (var (dev, probe) in probes)
        {
            var part = Assert.Single(disk.Partitions, p => p.Path == dev);
            if (!probe.TryGetValue("TYPE", out var type))
            {
                Assert.Null(part.UsedBy);
                continue;
            }

            var fs = Assert.Single(doc.Filesystems, f => f.DeviceIds.Contains(part.Id));
            Assert.Equal(fs.Id, part.UsedBy);
            Assert.Equal(type, fs.Type);
            Assert.Equal(probe.GetValueOrDefault("UUID"), fs.Uuid);
            Assert.Equal(probe.GetValueOrDefault("LABEL"), fs.Label);
            if (probe.TryGetValue("PART_ENTRY_UUID", out var pu))
            {
                Assert.Equal(pu, part.PartUuid, ignoreCase: true);
            }

            checkedCount++;
        }

        Assert.True(checkedCount >= 3, "the fixture should hold several filesystems");
    }

    [Fact]
    public void Gpt_fixture_captures_filesystem_parameters_and_btrfs_subvolumes()
    {
        var (_, doc) = Replay("host-loop-gpt");
        var ext = Assert.Single(doc.Filesystems, f => f.Type == "ext4");
        Assert.Equal(4096, ext.Ext!.BlockSize);
        Assert.Equal(256, ext.Ext.InodeSize);
        Assert.Contains("has_journal", ext.Ext.Features);
        Assert.True(ext.UsedBytes > 5 * 1024 * 1024, "5 MiB payload was written before capture");
        var xfs = Assert.Single(doc.Filesystems, f => f.Type == "xfs");
        Assert.Equal(4096, xfs.Xfs!.BlockSize);
        Assert.True(xfs.Xfs.AgCount > 0);
        Assert.True(xfs.Xfs.Crc);
        var bt = Assert.Single(doc.Filesystems, f => f.Type == "btrfs").Btrfs!;
        Assert.Equal(["@home", "@home/nested", "@snap"], bt.Subvolumes.Select(s => s.Path).Order().ToArray());
        Assert.True(bt.Subvolumes.Single(s => s.Path == "@snap").ReadOnly);
        Assert.False(bt.Subvolumes.Single(s => s.Path == "@home").ReadOnly);
        Assert.Equal(bt.Subvolumes.Single(s => s.Path == "@home").Id, bt.Subvolumes.Single(s => s.Path == "@home/nested").ParentId);
        Assert.Equal("dup", bt.MetadataProfile);
        Assert.Equal(16384, bt.NodeSize);
        var swap = Assert.Single(doc.Filesystems, f => f.Type == "swap");
        Assert.False(swap.Swap!.Active);
        Assert.Equal(3, doc.Mounts.Count);
    }

    [Fact]
    public void Corrupt_primary_gpt_uses_backup_and_warns()
    {
        var (live, doc) = Replay("host-loop-gpt", rec => FlipByte(rec, 512 + 20));
        Assert.Contains(doc.Warnings, w => w.Contains("backup", StringComparison.OrdinalIgnoreCase));
        Assert.Equal(live.Disks[0].Partitions.Count, doc.Disks[0].Partitions.Count);
        Assert.Equal(live.Disks[0].PartitionTable.DiskGuid, doc.Disks[0].PartitionTable.DiskGuid);
    }

    [Fact]
    public void Both_gpt_headers_corrupt_is_a_clear_error()
    {
        var ex = Assert.Throws<MkcdrecException>(() => Replay("host-loop-gpt", rec =>
        {
            FlipByte(rec, 512 + 20);
            var dev = rec.Devices.Values.Single();
            var lastChunk = dev.Chunks.Keys.Max();
            FlipByte(rec, lastChunk + 20);
        }));
        Assert.Equal(ExitCode.BadInput, ex.Code);
        Assert.Contains("partition table", ex.Message);
        Assert.Contains("Repair", ex.Hint);
    }

    [Fact]
    public void Disk_that_vanished_between_listing_and_reading_is_a_clear_error()
    {
        var ex = Assert.Throws<MkcdrecException>(() => Replay("host-loop-gpt", rec => rec.Devices.Clear()));
        Assert.Equal(ExitCode.Environment, ex.Code);
        Assert.Contains("vanished", ex.Message);
    }

    [Fact]
    public void Unknown_disk_name_is_refused_with_advice()
    {
        var rec = MachineRecording.Load(Path.Combine(Dir("host-loop-gpt"), "recording.json"));
        var ex = Assert.Throws<MkcdrecException>(() => new LayoutCapture(new ReplayProcessRunner(rec), new ReplaySystemFiles(rec), NullLog.Instance)
            .Capture(new CaptureOptions { Disks = ["/dev/nonexistent"] }));
        Assert.Equal(ExitCode.BadInput, ex.Code);
        Assert.Contains("lsblk", ex.Hint);
    }

    private static void FlipByte(MachineRecording rec, long offset)
    {
        var dev = rec.Devices.Values.Single();
        foreach (var (start, bytes) in dev.Chunks)
        {
            if (offset >= start && offset < start + bytes.Length)
            {
                bytes[offset - start] ^= 0xFF;
                return;
            }
        }

        throw new InvalidOperationException($"offset {offset} was not recorded");
    }
}
