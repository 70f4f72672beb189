using System.Globalization;
using Mkcdrec.Core.Platform;
using Mkcdrec.Model.Layout;

namespace Mkcdrec.Core.Storage.Bcache;

/// <summary>
/// Capture: every bcache device sysfs lists (/sys/block/bcacheN/bcache is its backing device's bcache directory; its
/// `cache` link names the cache set, whose cacheN links name the cache devices), with the superblock facts sysfs does not
/// show from `bcache-super-show`. Runs after md (a backing device may be an array) and before LUKS and LVM (which may be
/// on a bcache device); bcache on LUKS or LVM is recorded as not supported.
/// </summary>
public sealed partial class BcacheTechnology
{
    public void Capture(CaptureContext context)
    {
        var used = new HashSet<string>(StringComparer.Ordinal);
        foreach (var name in context.Devices.Keys.Where(n => IsBcacheDevice(context, n)).OrderBy(Number))
        {
            var sys = $"/sys/block/{name}/bcache";
            if (!context.Files.DirectoryExists(sys))
            {
                continue;
            }

            var backing = context.ReadTrim(sys + "/backing_dev_name") ?? DeviceOfBcacheDirectory(context.Files.ReadLink(sys));
            if (backing is null || context.IdOf.GetValueOrDefault(backing) is not { } backingId)
            {
                var why = $"its backing device ({backing ?? "unknown"}) is not a disk, partition or md array mkcdrec captured (bcache on LUKS or LVM is not supported).";
                context.Document.Unsupported.Add(new UnsupportedDevice { Device = "/dev/" + name, Kind = "bcache", Reason = why });
                context.Note("/dev/" + name, "not recreated: " + why);
                continue;
            }

            var device = ReadDevice(context, name, sys, backing, backingId);
            context.Document.Bcache.Add(device);
            context.IdOf[name] = device.Id;
            context.SetUsedBy(backing, device.Id);
            used.Add(backing);
            foreach (var cache in CacheDevices(context, device.Cache?.Uuid))
            {
                context.SetUsedBy(cache, CacheSetId(device.Cache!.Uuid));
                used.Add(cache);
            }

            context.Probe(name);
            NotePartitions(context, name);
        }

        NoteUnused(context, used);
    }

    private static bool IsBcacheDevice(CaptureContext context, string name) =>
        name.StartsWith("bcache", StringComparison.Ordinal) && name.Length > 6 && name[6..].All(char.IsAsciiDigit) && context.Devices[name].Parent is null;

    private static int Number(string name) => int.Parse(name[6..], CultureInfo.InvariantCulture);

    private static BcacheDevice ReadDevice(CaptureContext context, string name, string sys, string backing, string backingId)
    {
        var sb = SuperShow(context, backing);
        var device = new BcacheDevice
        {
            Id = "bcache:" + backingId,
            KernelName = name,
            Path = "/dev/" + name,
            BackingDeviceId = backingId,
            BackingUuid = context.ReadTrim(sys + "/backing_dev_uuid") ?? sb?.Uuid ?? "",
            Label = context.ReadTrim(sys + "/label") ?? sb?.Label,
            CacheMode = SelectedWord(context.ReadTrim(sys + "/cache_mode")) ?? sb?.CacheMode ?? "writethrough",
            BlockSizeBytes = sb is { SectorsPerBlock: > 0 } ? sb.SectorsPerBlock * 512 : null,
            DataOffsetSectors = sb?.DataFirstSector is { } first && first != 16 ? first : null,
            SizeBytes = context.Devices[name].SizeBytes,
        };

        // Attached: the `cache` link points to /sys/fs/bcache/UUID. Detached, the superblock's cset.uuid means nothing.
        if (context.Files.ReadLink(sys + "/cache") is { } link)
        {
            device.Cache = ReadCacheSet(context, Path.GetFileName(link.TrimEnd('/')));
        }

        return device;
    }

    private static BcacheCacheSet ReadCacheSet(CaptureContext context, string uuid)
    {
        var set = new BcacheCacheSet { Uuid = uuid };
        foreach (var cache in CacheDevices(context, uuid))
        {
            set.DeviceIds.Add(context.IdOf.GetValueOrDefault(cache) ?? "dev:" + cache);
            if (set.DeviceIds.Count == 1 && SuperShow(context, cache) is { } sb)
            {
                set.BlockSizeBytes = sb.SectorsPerBlock > 0 ? sb.SectorsPerBlock * 512 : null;
                set.BucketSizeBytes = sb.SectorsPerBucket > 0 ? sb.SectorsPerBucket * 512L : null;
                set.Replacement = sb.Replacement;
                set.Discard = sb.Discard;
            }
        }

        return set;
    }

    /// <summary>The kernel names of a cache set's cache devices (its cache0, cache1 … links), none for no set.</summary>
    private static IEnumerable<string> CacheDevices(CaptureContext context, string? uuid)
    {
        if (uuid is null)
        {
            yield break;
        }

        var dir = "/sys/fs/bcache/" + uuid;
        foreach (var entry in context.Files.ListDirectory(dir).Where(e => e.StartsWith("cache", StringComparison.Ordinal) && e.Length > 5 && e[5..].All(char.IsAsciiDigit)))
        {
            if (DeviceOfBcacheDirectory(context.Files.ReadLink($"{dir}/{entry}")) is { } name)
            {
                yield return name;
            }
        }
    }

    /// <summary>The block device a bcache sysfs directory belongs to: …/block/vdb/vdb1/bcache → vdb1.</summary>
    private static string? DeviceOfBcacheDirectory(string? link)
    {
        var parts = (link ?? "").TrimEnd('/').Split('/');
        return parts.Length >= 2 && parts[^1] == "bcache" ? parts[^2] : null;
    }

    /// <summary>The word sysfs shows in brackets: "writethrough [writeback] writearound none" → writeback.</summary>
    private static string? SelectedWord(string? list) =>
        list?.Split(' ').FirstOrDefault(w => w.StartsWith('[') && w.EndsWith(']'))?.Trim('[', ']');

    /// <summary>The device's superblock as bcache-super-show prints it; null (noted) when the program is missing or fails.</summary>
    private static BcacheSuperblock? SuperShow(CaptureContext context, string kernelName)
    {
        if (!context.Run.CanRun("bcache-super-show"))
        {
            context.Note("/dev/" + kernelName, "bcache-super-show is missing (package bcache-tools): the block and bucket sizes and data offset are not recorded; make-bcache's defaults will be used.");
            return null;
        }

        var r = context.Run.Run(new ProcessRequest("bcache-super-show", ["/dev/" + kernelName]));
        var sb = r.ExitCode == 0 ? BcacheSuperShowParser.Parse(r.StandardOutput) : null;
        if (sb is null)
        {
            context.Note("/dev/" + kernelName, $"bcache-super-show could not read its superblock (exit {r.ExitCode}: {r.StandardError.Trim()}).");
        }

        return sb;
    }

    /// <summary>Partitions on a bcache device (bcache0p1) are not captured: recorded as not supported.</summary>
    private static void NotePartitions(CaptureContext context, string name)
    {
        foreach (var part in context.Devices.Values.Where(d => d.Parent == name).Select(d => d.Name).Order(StringComparer.Ordinal))
        {
            context.Document.Unsupported.Add(new UnsupportedDevice { Device = "/dev/" + part, Kind = "bcache-partition", Reason = "partitions on a bcache device are not recreated." });
        }
    }

    /// <summary>A bcache superblock no running bcache device uses (not registered, or its cache set is gone) is not recreated: said so.</summary>
    private static void NoteUnused(CaptureContext context, HashSet<string> used)
    {
        foreach (var (name, _) in context.Probes.Where(p => p.Value.GetValueOrDefault("TYPE") == "bcache" && !used.Contains(p.Key)).OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            context.Note("/dev/" + name, "holds a bcache superblock that no running bcache device uses; it is not recreated.");
        }
    }
}
