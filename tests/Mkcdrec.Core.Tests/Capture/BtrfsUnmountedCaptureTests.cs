using Mkcdrec.Core.Platform;
using Mkcdrec.Core.Storage;
using Mkcdrec.Core.Storage.Btrfs;
using Mkcdrec.Core.Tests.Rescue;
using Mkcdrec.Model.Layout;

namespace Mkcdrec.Core.Tests.Capture;

/// <summary>
/// A btrfs filesystem nobody mounted: capture reads it through one `unshare` run (a private read-only mount) instead of
/// recording no subvolumes. The guest test LayoutCaptureSystemTests runs the real script against a real filesystem.
/// </summary>
public sealed class BtrfsUnmountedCaptureTests
{
    // The four sections as the script prints them, with the real tools' output (btrfs-progs 6.2, a raid1 of vdb1 and vdc1).
    private const string ScriptOutput = """
        @@mkcdrec-btrfs df
        Data, RAID1: total=218103808, used=0
        System, RAID1: total=8388608, used=16384
        Metadata, RAID1: total=268435456, used=163840
        GlobalReserve, single: total=3407872, used=0
        @@mkcdrec-btrfs readonly
        ID 259 gen 9 parent 5 top level 5 path <FS_TREE>/@data-ro
        @@mkcdrec-btrfs all
        ID 256 gen 8 parent 5 top level 5 path <FS_TREE>/@
        ID 257 gen 9 parent 5 top level 5 path <FS_TREE>/@data
        ID 258 gen 8 parent 257 top level 257 path <FS_TREE>/@data/inner
        ID 259 gen 9 parent 5 top level 5 path <FS_TREE>/@data-ro
        @@mkcdrec-btrfs default
        ID 256 gen 8 top level 5 path @

        """;

    [Fact]
    public void Subvolumes_profiles_and_default_come_from_a_private_read_only_mount()
    {
        var run = new ScriptRunner(new ProcessResult(0, ScriptOutput, "", TimeSpan.Zero));
        var (context, found) = Machine(run);

        new BtrfsTechnology().ReadParameters(context, found);

        var b = found.Filesystem.Btrfs!;
        Assert.Equal(("raid1", "raid1", "raid1"), (b.DataProfile, b.MetadataProfile, b.SystemProfile));
        Assert.Equal(["@", "@data", "@data/inner", "@data-ro"], b.Subvolumes.Select(s => s.Path).ToArray());
        Assert.Equal([259L], b.Subvolumes.Where(s => s.ReadOnly).Select(s => s.Id).ToArray());
        Assert.Equal(257, b.Subvolumes.Single(s => s.Path == "@data/inner").ParentId);
        Assert.Equal(256, b.DefaultSubvolumeId);
        Assert.Empty(context.Document.Warnings);

        // One run: the mount lives only as long as that process's private namespace; every member device is named.
        var unshare = Assert.Single(run.Requests, r => r.FileName == "unshare");
        Assert.Equal(["--mount", "--propagation", "private", "--", "sh", "-c"], unshare.Arguments.Take(6).ToArray());
        Assert.Equal(["/dev/vdb1", ",device=/dev/vdb1,device=/dev/vdc1"], unshare.Arguments.TakeLast(2).ToArray());
        Assert.Contains("ro,rescue=nologreplay", unshare.Arguments[6], StringComparison.Ordinal);
        Assert.DoesNotContain(run.Requests, r => r.FileName == "mount");
    }

    [Fact]
    public void A_filesystem_that_will_not_mount_is_noted_with_the_reason_and_captured_without_subvolumes()
    {
        var run = new ScriptRunner(new ProcessResult(32, "", "mount: /tmp/mkcdrec-btrfs.x: wrong fs type, bad option, bad superblock on /dev/vdb1.\n", TimeSpan.Zero));
        var (context, found) = Machine(run);

        new BtrfsTechnology().ReadParameters(context, found);

        Assert.Empty(found.Filesystem.Btrfs!.Subvolumes);
        var w = Assert.Single(context.Document.Warnings);
        Assert.Contains("/dev/vdb1", w, StringComparison.Ordinal);
        Assert.Contains("bad superblock", w, StringComparison.Ordinal);
        Assert.Contains("mount it and capture again", w, StringComparison.Ordinal);
    }

    [Fact]
    public void Output_that_stops_before_the_last_section_is_not_taken_as_a_capture()
    {
        var cut = ScriptOutput[..ScriptOutput.IndexOf("@@mkcdrec-btrfs default", StringComparison.Ordinal)];
        var run = new ScriptRunner(new ProcessResult(0, cut, "", TimeSpan.Zero));
        var (context, found) = Machine(run);

        new BtrfsTechnology().ReadParameters(context, found);

        Assert.Empty(found.Filesystem.Btrfs!.Subvolumes);
        Assert.Single(context.Document.Warnings);
    }

    private static (CaptureContext Context, FoundFilesystem Found) Machine(IProcessRunner run)
    {
        var context = new CaptureContext(run, new FakeFiles(), NullLog.Instance, new LayoutDocument(), explicitDisks: false);
        context.IdOf["vdb1"] = "disk:A/p1";
        context.IdOf["vdc1"] = "disk:B/p1";
        context.Probes["vdb1"] = new() { ["UUID_SUB"] = "11111111-1111-4111-8111-111111111111" };
        context.Probes["vdc1"] = new() { ["UUID_SUB"] = "22222222-2222-4222-8222-222222222222" };
        var fs = new Filesystem { Id = "fs:cold", Type = FilesystemTypes.Btrfs };
        return (context, new FoundFilesystem(fs, ["vdb1", "vdc1"], new Dictionary<string, string>(), null));
    }

    /// <summary>dump-super answers with a device id per device; the unshare script with the given result.</summary>
    private sealed class ScriptRunner(ProcessResult script) : IProcessRunner
    {
        public List<ProcessRequest> Requests { get; } = [];

        public ProcessResult Run(ProcessRequest request)
        {
            Requests.Add(request);
            return request.FileName switch
            {
                "btrfs" => new ProcessResult(0, $"nodesize\t\t16384\nsectorsize\t\t4096\ndev_item.devid\t\t{(request.Arguments[^1] == "/dev/vdb1" ? 1 : 2)}\n", "", TimeSpan.Zero),
                "unshare" => script,
                _ => new ProcessResult(127, "", request.FileName + ": not found", TimeSpan.Zero),
            };
        }

        public bool CanRun(string program) => true;
    }
}
