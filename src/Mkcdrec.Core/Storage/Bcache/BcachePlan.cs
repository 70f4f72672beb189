using System.Globalization;
using Mkcdrec.Model.Layout;
using Mkcdrec.Model.Plan;

namespace Mkcdrec.Core.Storage.Bcache;

public sealed partial class BcacheTechnology
{
    /// <summary>
    /// The kernel numbers bcache devices in registration order, lowest free number first. The steps register them one
    /// after the other in their original order, so on a machine with no other bcache device each gets its original name
    /// back when the original numbering had no gaps. Each step checks first that its name is free (docs/plan-format.md).
    /// </summary>
    public void PrepareDevices(PlanContext context)
    {
        var n = 0;
        foreach (var b in InRegistrationOrder(context.Layout).Where(b => context.IsPresent(b.BackingDeviceId)))
        {
            context.Paths[b.Id] = "/dev/bcache" + n++.ToString(CultureInfo.InvariantCulture);
        }
    }

    /// <summary>Each cache set (made and registered first), then each bcache device in registration order.</summary>
    public void AddSteps(PlanContext context)
    {
        foreach (var set in context.Layout.Bcache.Select(b => b.Cache).OfType<BcacheCacheSet>().DistinctBy(s => s.Uuid))
        {
            AddCacheSet(context, set);
        }

        string? previous = null;
        foreach (var b in InRegistrationOrder(context.Layout).Where(b => context.Paths.ContainsKey(b.Id)))
        {
            AddDevice(context, b, previous);
            previous = b.Id;
        }
    }

    private static IEnumerable<BcacheDevice> InRegistrationOrder(LayoutDocument layout) =>
        layout.Bcache.OrderBy(b => int.TryParse(b.KernelName.AsSpan(Math.Min(6, b.KernelName.Length)), CultureInfo.InvariantCulture, out var n) ? n : int.MaxValue);

    private static void AddCacheSet(PlanContext context, BcacheCacheSet set)
    {
        var present = set.DeviceIds.Where(context.IsPresent).ToList();
        if (present.Count == 0 || !context.Layout.Bcache.Any(b => b.Cache?.Uuid == set.Uuid && context.Paths.ContainsKey(b.Id)))
        {
            return; // no cache device mapped (its bcache devices say so), or nothing to cache
        }

        var devices = present.Select(id => context.Paths[id]).ToList();
        var make = new List<string> { "make-bcache" };
        make.AddRange(SizeArguments(set.BlockSizeBytes, set.BucketSizeBytes));
        if (set.Discard == true)
        {
            make.Add("--discard");
        }

        if (set.Replacement is { Length: > 0 } policy)
        {
            make.Add("--cache_replacement_policy=" + policy);
        }

        make.AddRange(["--cset-uuid", set.Uuid, "--wipe-bcache", "--cache", .. devices]);
        var commands = new List<PlanCommand> { BcacheSysfs.Command("modprobe", "bcache") };
        commands.AddRange(devices.Select(d => BcacheSysfs.Command("wipefs", "--all", "--force", d)));
        commands.Add(new PlanCommand(make));
        commands.Add(BcacheSysfs.Command("udevadm", "settle"));
        commands.AddRange(devices.Select(BcacheSysfs.Register));
        commands.Add(BcacheSysfs.Command("test", "-d", "/sys/fs/bcache/" + set.Uuid));
        BcacheSysfs.AddStep(context, CacheStep, CacheSetId(set.Uuid), $"Make {string.Join(", ", devices)} the cache of bcache cache set {set.Uuid} and register it",
            devices, present, [CacheSetId(set.Uuid)], commands);
    }

    /// <summary>
    /// The backing device: made with the original block size, data offset and cache set UUID (so registering it attaches
    /// it), registered, then given its label and a cache mode make-bcache cannot set. It must become the planned bcacheN:
    /// the step checks first that no bcache device has that name, and each device waits for the one registered before it
    /// (<paramref name="previous"/>), so the lowest free number the kernel gives it is the planned one.
    /// </summary>
    private static void AddDevice(PlanContext context, BcacheDevice b, string? previous)
    {
        var backing = context.Paths[b.BackingDeviceId];
        var path = context.Paths[b.Id];
        var set = b.Cache is { } c && context.IsProvided(CacheSetId(c.Uuid)) ? c : null;
        if (b.Cache is not null && set is null)
        {
            context.Warn($"bcache {path} (was {b.Path}) is made without its cache set {b.Cache.Uuid}: no disk of its cache device was mapped. Attach a cache later (make-bcache -C, then echo CSET-UUID > {BcacheSysfs.Attributes(path)}/attach).");
        }

        if (path != b.Path)
        {
            context.Warn($"bcache {b.Path} becomes {path} (bcache devices are numbered in the order they are registered); configuration that names {b.Path} should name it by UUID.");
        }

        var sys = BcacheSysfs.Attributes(path);
        var commands = new List<PlanCommand>
        {
            BcacheSysfs.Command("test", "!", "-e", "/sys/block/" + Path.GetFileName(path)),
            BcacheSysfs.Command("modprobe", "bcache"), BcacheSysfs.Command("wipefs", "--all", "--force", backing), new(MakeBacking(b, backing, set)),
            BcacheSysfs.Command("udevadm", "settle"), BcacheSysfs.Register(backing), BcacheSysfs.Command("test", "-d", sys),
        };
        if (set is not null)
        {
            commands.Add(BcacheSysfs.Command("test", sys + "/cache", "-ef", "/sys/fs/bcache/" + set.Uuid));
        }

        if (b.Label is { Length: > 0 } label)
        {
            commands.Add(BcacheSysfs.Write(sys + "/label", label));
        }

        if (b.CacheMode is "writearound" or "none")
        {
            commands.Add(BcacheSysfs.Write(sys + "/cache_mode", b.CacheMode));
        }

        commands.Add(BcacheSysfs.Command("udevadm", "settle"));
        List<string> requires = [b.BackingDeviceId, .. set is null ? Array.Empty<string>() : [CacheSetId(set.Uuid)], .. previous is null ? Array.Empty<string>() : [previous]];
        BcacheSysfs.AddStep(context, CreateStep, b.Id,
            $"Make {backing} a bcache backing device{(set is null ? "" : $" cached by set {set.Uuid}")}, {b.CacheMode}{(b.Label is null ? "" : $", label {b.Label}")}, registered as {path} (was {b.Path}; the step first checks that no bcache device has that name)",
            [backing, path], requires, [b.Id], commands);
    }

    private static List<string> MakeBacking(BcacheDevice b, string backing, BcacheCacheSet? set)
    {
        var make = new List<string> { "make-bcache" };
        make.AddRange(SizeArguments(b.BlockSizeBytes, null));
        if (b.DataOffsetSectors is { } offset)
        {
            make.AddRange(["--data-offset", offset.ToString(CultureInfo.InvariantCulture)]);
        }

        if (b.CacheMode == "writeback")
        {
            make.Add("--writeback");
        }

        if (set is not null)
        {
            make.AddRange(["--cset-uuid", set.Uuid]);
        }

        make.AddRange(["--wipe-bcache", "--bdev", backing]);
        return make;
    }

    /// <summary>make-bcache's --block and --bucket, in bytes; left out when not known (its defaults then).</summary>
    private static IEnumerable<string> SizeArguments(int? block, long? bucket)
    {
        if (block is { } bl && bl > 0)
        {
            yield return "--block";
            yield return bl.ToString(CultureInfo.InvariantCulture);
        }

        if (bucket is { } bu && bu > 0)
        {
            yield return "--bucket";
            yield return bu.ToString(CultureInfo.InvariantCulture);
        }
    }
}
