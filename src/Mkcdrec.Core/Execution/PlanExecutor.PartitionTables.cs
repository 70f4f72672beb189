using System.Diagnostics;
using System.Globalization;
using Mkcdrec.Core.Platform;
using Mkcdrec.Formats.Partitioning;
using Mkcdrec.Model.Layout;
using Mkcdrec.Model.Plan;

namespace Mkcdrec.Core.Execution;

public sealed partial class PlanExecutor
{
    /// <summary>How long the nodes of a re-read table may take before partx is asked (udev usually needs well under a second).</summary>
    private static readonly TimeSpan FirstPartitionWait = TimeSpan.FromSeconds(3);

    /// <summary>
    /// Waits for the partition nodes of a table just written. A kernel may accept the re-read (BLKRRPART) and still not
    /// make them (some loop devices and virtual disks), or udev may miss the event: after a short wait, partx -u tells
    /// the kernel about each partition itself (BLKPG add, resize, delete, as parted does), then the full wait, then refuses.
    /// </summary>
    private void WaitForPartitions(PlanStep step, PartitionTableSpec spec, List<string> paths, ExecutorOptions options)
    {
        var first = options.DeviceTimeout < FirstPartitionWait ? options.DeviceTimeout : FirstPartitionWait;
        if (_blocks.WaitForDevices(paths, first))
        {
            RequireKernelExtents(step, spec);
            return;
        }

        var missing = paths.Where(p => !_blocks.WaitForDevices([p], TimeSpan.Zero)).ToList();
        _log.Info($"  {string.Join(", ", missing)} missing {first.TotalSeconds:0} s after the re-read; partx -u {spec.Device} (each partition by BLKPG)");
        var partx = _runner.Run(new ProcessRequest("partx", ["-u", spec.Device]));
        _log.Info($"  partx -u {spec.Device}: exit {partx.ExitCode}{(partx.StandardError.Length > 0 ? ": " + partx.StandardError.Trim() : "")}");
        if (!_blocks.WaitForDevices(paths, options.DeviceTimeout) && !(_blocks.RereadPartitions(spec.Device) && _blocks.WaitForDevices(paths, options.DeviceTimeout)))
        {
            missing = [.. paths.Where(p => !_blocks.WaitForDevices([p], TimeSpan.Zero))];
            var stale = StaleExtents(spec);
            throw new MkcdrecException(ExitCode.Environment,
                $"Step {step.Id}: the partition table was written on {spec.Device} but these partitions did not appear: {string.Join(", ", missing)}" +
                (stale.Count > 0 ? $"; the kernel still uses old partitions there: {string.Join("; ", stale)} (they overlap the new ones)." : "."),
                $"Check that nothing holds the disk (mounts, swap, md, LVM, dm: lsblk {spec.Device}) and that udev runs, then run the same command again.");
        }

        RequireKernelExtents(step, spec);
    }

    /// <summary>
    /// A partition node can be the kernel's old one: when the whole table could not be re-read (a partition of the disk
    /// in use), partx updates the others one by one (BLKPG) and leaves the busy one as it was. Nothing may be written
    /// through a node whose start or size is not the new table's: asked once more with partx -u, then refused.
    /// </summary>
    private void RequireKernelExtents(PlanStep step, PartitionTableSpec spec)
    {
        var stale = StaleExtents(spec);
        if (stale.Count == 0)
        {
            return;
        }

        _log.Info($"  the kernel's view of {spec.Device} differs from the table written ({string.Join("; ", stale)}); partx -u {spec.Device}");
        _runner.Run(new ProcessRequest("partx", ["-u", spec.Device]));
        _runner.Run(new ProcessRequest("udevadm", ["settle"]));
        stale = StaleExtents(spec);
        if (stale.Count > 0)
        {
            throw new MkcdrecException(ExitCode.Environment,
                $"Step {step.Id}: the partition table was written on {spec.Device}, but the kernel still uses old partitions there: {string.Join("; ", stale)}. Nothing was written into them.",
                $"Something holds them (a mount, swap, an md array, LVM or a dm device: lsblk {spec.Device}); release it, then run the same command again.");
        }
    }

    private List<string> StaleExtents(PartitionTableSpec spec)
    {
        var stale = new List<string>();
        foreach (var p in spec.Partitions.Where(p => p.Kind != PartitionKinds.Extended && p.Path.Length > 0 && _blocks.WaitForDevices([p.Path], TimeSpan.Zero)))
        {
            var (start, size) = (p.StartSector * spec.SectorSize, p.SizeSectors * spec.SectorSize);
            if (_blocks.KernelExtent(p.Path) is { } k && k != (start, size))
            {
                stale.Add($"{p.Path} is bytes {k.StartBytes}+{k.SizeBytes} for the kernel, {start}+{size} in the table");
            }
        }

        return stale;
    }

    /// <summary>Writes the step's table with mkcdrec's own writer, after checking the disk is the size and sector size the plan was made for.</summary>
    private void WriteTable(PlanStep step, PartitionTableSpec spec)
    {
        var (size, sector) = _blocks.Probe(spec.Device);
        if (size != spec.DeviceSizeBytes || sector != spec.SectorSize)
        {
            throw new MkcdrecException(ExitCode.Refused,
                $"Step {step.Id}: {spec.Device} has {size} bytes in {sector}-byte sectors, but the plan's table is for {spec.DeviceSizeBytes} bytes in {spec.SectorSize}-byte sectors; nothing was written to it.",
                "The disks changed since the plan was made: check them and the plan (recover --plan), then run the command again.");
        }

        var watch = Stopwatch.StartNew();
        _log.Info($"  write {spec.Kind} table with {spec.Partitions.Count} partition(s) on {spec.Device} (mkcdrec's own writer)");
        try
        {
            WriteTableBytes(step, spec);
        }
        catch (ArgumentException e)
        {
            throw new MkcdrecException(ExitCode.BadInput, $"Step {step.Id}: the plan's partition table for {spec.Device} is invalid: {e.Message}; nothing was written.", "Make the plan again; if it persists, report it with the layout.", e);
        }
        catch (IOException e)
        {
            throw new MkcdrecException(ExitCode.CommandFailed, $"Step {step.Id}: writing the partition table on {spec.Device} failed: {e.Message}", "Check the disk (dmesg), then run the same command again.", e);
        }

        _log.Info($"  table written in {watch.Elapsed.TotalMilliseconds:0} ms");
    }

    private void WriteTableBytes(PlanStep step, PartitionTableSpec spec)
    {
        using var dev = _blocks.OpenForWrite(spec.Device);
        if (spec.Kind == PartitionTableKinds.Gpt)
        {
            PartitionTableWriter.Write(dev, spec.SectorSize, spec.DeviceSizeBytes, ToGpt(spec));
        }
        else if (spec.Kind == PartitionTableKinds.Mbr)
        {
            PartitionTableWriter.Write(dev, spec.SectorSize, spec.DeviceSizeBytes, ToMbr(spec));
        }
        else
        {
            throw new MkcdrecException(ExitCode.BadInput, $"Step {step.Id}: unknown partition table kind '{spec.Kind}'.", "Make the plan again with this mkcdrec.");
        }

        dev.Flush();
    }

    public static GptTable ToGpt(PartitionTableSpec spec)
    {
        var t = GptTable.CreateEmpty(spec.DeviceSizeBytes, spec.SectorSize, spec.DiskGuid ?? Guid.NewGuid(), spec.GptEntryCount ?? GptTable.DefaultEntryCount);
        t.FirstUsableLba = spec.FirstUsableLba ?? t.FirstUsableLba;
        t.LastUsableLba = spec.LastUsableLba ?? t.LastUsableLba;
        t.Partitions.AddRange(spec.Partitions.Select(p => new GptPartition
        {
            Number = p.Number,
            TypeGuid = p.TypeGuid ?? throw new InvalidDataException($"GPT partition {p.Number} of {spec.Device} has no type GUID in the plan."),
            UniqueGuid = p.PartUuid ?? Guid.NewGuid(),
            FirstLba = p.StartSector,
            LastLba = p.StartSector + p.SizeSectors - 1,
            Attributes = p.Attributes ?? 0,
            Name = p.Name ?? "",
        }));
        return t;
    }

    public static MbrTable ToMbr(PartitionTableSpec spec)
    {
        var t = new MbrTable { DiskSignature = uint.Parse(spec.MbrDiskId ?? "0", NumberStyles.HexNumber, CultureInfo.InvariantCulture) };
        t.Partitions.AddRange(spec.Partitions.Select(p => new MbrPartition
        {
            Number = p.Number,
            Type = byte.Parse(p.MbrType ?? throw new InvalidDataException($"MBR partition {p.Number} of {spec.Device} has no type in the plan."), NumberStyles.HexNumber, CultureInfo.InvariantCulture),
            Bootable = p.Bootable,
            StartLba = p.StartSector,
            SectorCount = p.SizeSectors,
        }));
        return t;
    }
}
