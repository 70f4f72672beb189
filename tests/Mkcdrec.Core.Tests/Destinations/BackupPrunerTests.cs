using Mkcdrec.Core.Destinations;
using Mkcdrec.Model.Manifest;

namespace Mkcdrec.Core.Tests.Destinations;

/// <summary>
/// Retention by chains over a store of manifests: the newest N full backups stay with their increments, older chains
/// go whole and tip first with each manifest before its volumes, broken chains go, the newest complete chain and
/// incomplete backups stay, and a dry run deletes nothing.
/// </summary>
public sealed class BackupPrunerTests
{
    private static readonly DateTimeOffset Old = DateTimeOffset.UtcNow.AddDays(-3);

    /// <summary>web1: full F1 + 2 increments, full F2 + 1 increment, full F3 + 1; an increment whose parent is gone; an unfinished run. db1: one full.</summary>
    private static MemoryBackupStore Store()
    {
        var s = new MemoryBackupStore();
        Backup(s, "web1/20261201T000000Z", 0, null);
        Backup(s, "web1/20261201T010000Z", 1, "web1/20261201T000000Z");
        Backup(s, "web1/20261201T020000Z", 2, "web1/20261201T010000Z");
        Backup(s, "web1/20261202T000000Z", 0, null);
        Backup(s, "web1/20261202T010000Z", 1, "web1/20261202T000000Z");
        Backup(s, "web1/20261202T020000Z", 2, "web1/20261130T000000Z"); // its parent was deleted by hand
        Backup(s, "web1/20261203T000000Z", 0, null);
        Backup(s, "web1/20261203T010000Z", 1, "web1/20261203T000000Z");
        s.Seed("web1/20261203T020000Z/fs_root.tar.zst.001", "unfinished", Old); // no manifest
        Backup(s, "db1/20261201T000000Z", 0, null);
        return s;
    }

    [Fact]
    public void The_list_names_each_backups_chain()
    {
        var list = BackupChains.Read(Store());
        string Of(string name) => list.Single(b => b.Name == name).Describe();
        Assert.Equal("complete, full backup", Of("web1/20261201T000000Z"));
        Assert.Equal("complete, increment 2 on web1/20261201T010000Z", Of("web1/20261201T020000Z"));
        Assert.Equal("web1/20261201T000000Z", list.Single(b => b.Name == "web1/20261201T020000Z").Full);
        Assert.StartsWith("complete, BROKEN chain: web1/20261130T000000Z (of web1/20261202T020000Z) is not a complete backup here", Of("web1/20261202T020000Z"), StringComparison.Ordinal);
        Assert.StartsWith("INCOMPLETE", Of("web1/20261203T020000Z"), StringComparison.Ordinal);
    }

    [Fact]
    public void Keep_full_two_deletes_the_oldest_chain_whole_and_the_broken_one()
    {
        var store = Store();
        var plan = BackupPruner.Plan(BackupChains.Read(store), keepFull: 2);
        Assert.Equal(
            ["web1/20261201T000000Z", "web1/20261201T010000Z", "web1/20261201T020000Z", "web1/20261202T020000Z"],
            plan.Delete.Select(d => d.Backup.Name).Order(StringComparer.Ordinal));
        Assert.Contains(plan.Delete, d => d.Backup.Name == "web1/20261201T010000Z" && d.Why == "an increment of the older full backup web1/20261201T000000Z");
        Assert.Contains(plan.Keep, k => k.Name == "db1/20261201T000000Z"); // per host: db1's only full stays
        Assert.Contains(plan.Keep, k => k.Name == "web1/20261203T020000Z"); // incomplete: the next backup run's cleanup

        var before = store.Files.Count;
        var said = new List<string>();
        BackupPruner.Apply(store, plan, said.Add);
        Assert.Equal(4, said.Count);
        Assert.StartsWith("deleted web1/20261202T020000Z", said[0], StringComparison.Ordinal); // newest first: increments before their full
        Assert.StartsWith("deleted web1/20261201T000000Z", said[^1], StringComparison.Ordinal);
        Assert.Equal(before - 4 * 2, store.Files.Count);
        Assert.DoesNotContain(store.Files.Keys, k => k.StartsWith("web1/20261201", StringComparison.Ordinal));
        Assert.Equal(["complete, full backup", "complete, increment 1 on web1/20261202T000000Z", "complete, full backup", "complete, increment 1 on web1/20261203T000000Z"],
            BackupChains.Read(store, "web1").Where(b => b.Backup.Complete).Select(b => b.Describe()));
    }

    [Fact]
    public void Keep_full_one_keeps_the_newest_chain_and_a_plan_deletes_nothing_by_itself()
    {
        var store = Store();
        var before = store.Files.Count;
        var plan = BackupPruner.Plan(BackupChains.Read(store), keepFull: 1);
        Assert.Equal(["web1/20261203T000000Z", "web1/20261203T010000Z"], plan.Keep.Where(k => k.Backup.Host == "web1" && k.Backup.Complete).Select(k => k.Name));
        Assert.Equal(before, store.Files.Count);
        Assert.Throws<MkcdrecException>(() => BackupPruner.Plan(BackupChains.Read(store), keepFull: 0));
    }

    private static void Backup(MemoryBackupStore s, string name, int level, string? parent)
    {
        var m = new BackupManifest
        {
            Created = Old,
            Host = name.Split('/')[0],
            Level = level,
            Parent = parent is null ? null : new BackupLink { Name = parent, ManifestSha256 = "00" },
        };
        s.Seed(name + "/fs_root.tar.zst.001", "volume", Old);
        s.Files[name + "/" + BackupFiles.Manifest] = (m.ToJson(), Old);
    }
}
