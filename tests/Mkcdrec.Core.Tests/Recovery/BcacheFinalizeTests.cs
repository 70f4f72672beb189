using Mkcdrec.Core.Platform;
using Mkcdrec.Core.Planning;
using Mkcdrec.Core.Recovery;
using Mkcdrec.Core.Storage;
using Mkcdrec.Core.Tests.Planning;
using Mkcdrec.Core.Tests.Rescue;

namespace Mkcdrec.Core.Tests.Recovery;

/// <summary>
/// bcache has no configuration of its own: the backing device's new UUID, probed after the plan ran, is what fstab's
/// /dev/bcache/by-uuid/ names are rewritten from (by the mounts technology), and a fresh layout rewrites nothing.
/// </summary>
public sealed class BcacheFinalizeTests : IDisposable
{
    private const string NewUuid = "82690924-c57e-4afb-907e-f5f6f94f020d";
    private readonly string _root = Directory.CreateTempSubdirectory("mkcdrec-bcache-finalize-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void A_by_uuid_name_in_fstab_follows_the_new_backing_uuid_and_nothing_else_changes()
    {
        var layout = BcacheFixtures.Stack();
        var plan = Planner.Plan(layout, BcacheFixtures.Targets(), new PlanOptions());
        var shown = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Capture", "corpus", "bcache", "backing-writeback.txt"));
        var run = new SuperShow(new()
        {
            ["/dev/vda2"] = shown,
            ["/dev/md/data"] = shown.Replace(NewUuid, layout.Bcache[1].BackingUuid, StringComparison.Ordinal),
            ["/dev/vdd1"] = shown.Replace(NewUuid, layout.Bcache[2].BackingUuid, StringComparison.Ordinal),
        });
        var finalizer = new SystemFinalizer(run, new FakeFiles(), new Mkcdrec.Platform.Linux.FileSystemAccess(), NullLog.Instance, _ => { });
        var ids = finalizer.ProbeIds(layout, plan).Where(c => c.Kind == "bcache").ToList();
        Assert.Equal([("bcache:disk:HDD/p2", NewUuid)], ids.Select(c => (c.LayoutId, c.New)));

        var old = layout.Bcache[0].BackingUuid;
        var fstab = $"/dev/bcache/by-uuid/{old} / ext4 errors=remount-ro 0 1\nUUID=b0000000-0000-4000-8000-000000000002 /scratch ext4 defaults 0 2\n";
        Directory.CreateDirectory(_root + "/etc");
        File.WriteAllText(_root + "/etc/fstab", fstab);
        Assert.Equal(["/etc/fstab"], finalizer.RewriteConfig(layout, _root, ids, []));
        Assert.Equal(fstab.Replace(old, NewUuid, StringComparison.Ordinal), File.ReadAllText(_root + "/etc/fstab"));
    }

    /// <summary>bcache-super-show's output by device; every other command is unexpected here except blkid (nothing found).</summary>
    private sealed class SuperShow(Dictionary<string, string> byDevice) : IProcessRunner
    {
        public ProcessResult Run(ProcessRequest request) => request.FileName switch
        {
            "bcache-super-show" => new(0, byDevice[request.Arguments[^1]], "", TimeSpan.Zero),
            _ => new(2, "", "", TimeSpan.Zero),
        };

        public bool CanRun(string program) => true;
    }
}
