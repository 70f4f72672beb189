using Mkcdrec.Core.Archive;
using Mkcdrec.Core.Destinations.Routing;
using Mkcdrec.Core.Recovery;
using Mkcdrec.Model.Manifest;
using Mkcdrec.Platform.Linux;

namespace Mkcdrec.Core.Tests.Destinations;

/// <summary>
/// A backup read where it lies at a destination (<see cref="StoreVolumes"/>): a real backup of several volumes is put
/// into a store, only its manifest and layout are copied out, and verify reads every volume once, straight from the
/// store, through transfers that break off every 300 KiB and are taken up again at the byte where they stopped. A
/// volume damaged or missing at the store is named; the recovery's pre-check of a streamed backup checks presence and
/// sizes without reading a volume.
/// </summary>
public sealed class StoreVolumesTests : IDisposable
{
    private const string Name = "host1/20261204T080000Z";
    private readonly string _dir = Directory.CreateTempSubdirectory("mkcdrec-streamed-").FullName;
    private readonly List<string> _warnings = [];

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>A real backup of ~3 MiB of incompressible data in 1 MiB volumes, with layout.json, stored as HOST/TIME.</summary>
    private MemoryBackupStore StoreWithBackup()
    {
        var tree = Path.Combine(_dir, "tree");
        Directory.CreateDirectory(tree);
        var rnd = new Random(11);
        for (var i = 0; i < 3; i++)
        {
            var data = new byte[(1 << 20) - (555 * i)];
            rnd.NextBytes(data);
            File.WriteAllBytes(Path.Combine(tree, $"data{i}.bin"), data);
        }

        var backup = Path.Combine(_dir, "made");
        new ArchiveCreator(new FileSystemAccess()).Create(new CreateOptions
        {
            Root = tree, Destination = backup, FilesystemId = "fs:ext4:R", VolumeSize = 1 << 20, Compression = Compression.None,
        });
        File.WriteAllText(Path.Combine(backup, "layout.json"), "{\"formatVersion\":1}\n");
        var store = new MemoryBackupStore();
        foreach (var f in Directory.GetFiles(backup))
        {
            store.Put(Name + "/" + Path.GetFileName(f), File.ReadAllBytes(f));
        }

        return store;
    }

    private string Description(StoreVolumes volumes)
    {
        var dir = Path.Combine(_dir, "description");
        Directory.CreateDirectory(dir);
        volumes.CopyDescription(dir);
        return dir;
    }

    private static List<VolumeRecord> VolumesOf(string dir) =>
        [.. BackupManifest.Parse(File.ReadAllBytes(Path.Combine(dir, BackupFiles.Manifest)), "m").Archives.SelectMany(a => a.Volumes)];

    [Fact]
    public void Verify_reads_each_volume_once_from_the_store_and_takes_broken_transfers_up_where_they_stopped()
    {
        var store = StoreWithBackup();
        using var volumes = new StoreVolumes(store, Name, _warnings.Add) { RetryPause = TimeSpan.FromMilliseconds(1) };
        var dir = Description(volumes);
        Assert.Equal([BackupFiles.Layout, BackupFiles.Manifest], Directory.GetFiles(dir).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        var records = VolumesOf(dir);
        Assert.True(records.Count >= 3, $"{records.Count} volume(s)");

        store.Reads.Clear();
        store.BreakReadsAfter = 300 << 10;
        var report = new ArchiveVerifier(new FileSystemAccess()).Verify(dir, null, volumes);

        Assert.Contains(report.Checked, c => c.Contains("every content hash matches", StringComparison.Ordinal));
        Assert.Contains(report.Checked, c => c.Contains("chunk hashes checked as it streamed in", StringComparison.Ordinal));
        foreach (var v in records.Where(v => v.Size > 0))
        {
            // Opened at 0 once, then at each byte where a transfer broke off: every byte came over exactly once.
            var offsets = store.Reads.Where(r => r.Name == Name + "/" + v.File).Select(r => r.Offset).ToList();
            var expected = Enumerable.Range(0, (int)((v.Size + (300 << 10) - 1) / (300 << 10))).Select(i => (long)i * (300 << 10)).ToList();
            Assert.Equal(expected, offsets);
        }

        Assert.Equal(records.Sum(v => v.Size), volumes.BytesOpened);
        Assert.Contains(_warnings, w => w.Contains("broke off at byte 307200", StringComparison.Ordinal) && w.Contains("taking it up again there", StringComparison.Ordinal));
    }

    [Fact]
    public void A_connection_that_ended_between_two_volumes_is_said_in_the_log_when_the_next_one_connects_anew()
    {
        var store = StoreWithBackup();
        using var volumes = new StoreVolumes(store, Name, _warnings.Add) { RetryPause = TimeSpan.FromMilliseconds(1) };
        var dir = Description(volumes);
        var records = VolumesOf(dir);
        using (var first = volumes.Open(dir, records[0].File))
        {
            first.CopyTo(Stream.Null);
        }

        Assert.Empty(_warnings);
        store.ConnectionBroken = true;
        using (var second = volumes.Open(dir, records[1].File))
        {
            Assert.Equal(records[1].Size, Drain(second));
        }

        Assert.Equal([$"the connection to memory://test had ended; connecting anew to read {Name}/{records[1].File} from byte 0"], _warnings);
        Assert.False(store.ConnectionBroken);
    }

    [Fact]
    public void A_volume_damaged_at_the_store_is_named_with_the_bytes_that_differ()
    {
        var store = StoreWithBackup();
        using var volumes = new StoreVolumes(store, Name, _warnings.Add);
        var dir = Description(volumes);
        var second = VolumesOf(dir)[1];
        var data = store.Files[Name + "/" + second.File].Data;
        data[700_000] ^= 0x5a;

        var e = Record.Exception(() => new ArchiveVerifier(new FileSystemAccess()).Verify(dir, null, volumes));
        Assert.IsType<InvalidDataException>(e);
        Assert.Contains($"volume {second.File}: bytes", e.Message, StringComparison.Ordinal);
        Assert.Contains("do not match the manifest", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_volume_missing_at_the_store_stops_the_check_before_anything_is_read()
    {
        var store = StoreWithBackup();
        var dir = Path.Combine(_dir, "description");
        Directory.CreateDirectory(dir);
        using (var whole = new StoreVolumes(store, Name, _warnings.Add))
        {
            whole.CopyDescription(dir);
        }

        var last = VolumesOf(dir)[^1];
        store.Delete(Name + "/" + last.File);
        using var volumes = new StoreVolumes(store, Name, _warnings.Add);
        store.Reads.Clear();

        var e = Assert.IsType<MkcdrecException>(Record.Exception(() => new ArchiveVerifier(new FileSystemAccess()).Verify(dir, null, volumes)));
        Assert.Contains($"is missing: memory://test/{Name}/{last.File}", e.Message, StringComparison.Ordinal);
        Assert.Empty(store.Reads);
    }

    [Fact]
    public void The_recovery_pre_check_of_a_streamed_backup_checks_presence_and_sizes_without_reading_a_volume()
    {
        var store = StoreWithBackup();
        using var volumes = new StoreVolumes(store, Name, _warnings.Add);
        var dir = Description(volumes);
        var layout = new Model.Layout.LayoutDocument();
        layout.Filesystems.Add(new Model.Layout.Filesystem { Id = "fs:ext4:R", Type = "ext4", Uuid = "R" });
        store.Reads.Clear();
        var said = new List<string>();

        BackupPreCheck.Verify(ArchiveSource.Open(dir, volumes), layout, null, said.Add);
        Assert.Empty(store.Reads);
        Assert.Contains($"Backup checked at memory://test/{Name}", said.Single(), StringComparison.Ordinal);
        Assert.Contains("checked as the volumes stream into the restore", said.Single(), StringComparison.Ordinal);

        // A volume whose size at the store differs is refused before any disk is touched.
        var first = VolumesOf(dir)[0];
        store.Put(Name + "/" + first.File, new byte[10]);
        using var changed = new StoreVolumes(store, Name, _warnings.Add);
        var e = Assert.IsType<MkcdrecException>(Record.Exception(() => BackupPreCheck.Verify(ArchiveSource.Open(dir, changed), layout, null)));
        Assert.Contains($"Volume {first.File} has 10 bytes", e.Message, StringComparison.Ordinal);
        Assert.Contains("no disk was touched", e.Hint, StringComparison.Ordinal);
    }

    [Fact]
    public void The_recovery_pre_check_reads_the_file_lists_a_damaged_one_stops_it_before_any_disk()
    {
        var store = StoreWithBackup();
        using var volumes = new StoreVolumes(store, Name, _warnings.Add);
        var dir = Description(volumes);
        var manifest = Path.Combine(dir, BackupFiles.Manifest);
        var json = File.ReadAllText(manifest);
        File.WriteAllText(manifest, System.Text.RegularExpressions.Regex.Replace(json, "\"m\":[0-9]+", "\"m\":\"rw\"", System.Text.RegularExpressions.RegexOptions.None, TimeSpan.FromSeconds(5)));
        var layout = new Model.Layout.LayoutDocument();
        layout.Filesystems.Add(new Model.Layout.Filesystem { Id = "fs:ext4:R", Type = "ext4", Uuid = "R" });

        var source = ArchiveSource.Open(dir, volumes); // the manifest parses: its lists are JSON arrays
        var e = Assert.IsType<InvalidDataException>(Record.Exception(() => BackupPreCheck.Verify(source, layout, null)));
        Assert.Contains("not a valid manifest", e.Message, StringComparison.Ordinal);
    }

    private static long Drain(Stream s)
    {
        using var sink = new MemoryStream();
        s.CopyTo(sink);
        return sink.Length;
    }
}
