using System.Diagnostics;
using System.Globalization;
using Mkcdrec.Core.Platform;
using Mkcdrec.Formats.Partitioning;
using Mkcdrec.Model.Layout;
using Mkcdrec.Model.Plan;

namespace Mkcdrec.Core.Execution;

public sealed partial class PlanExecutor
{
    /// <summary>Waits for the partition nodes of a table just written; re-reads the table once if they do not come, then refuses.</summary>
    private void WaitForPartitions(PlanStep step, PartitionTableSpec spec, List<string> paths, ExecutorOptions options)
    {
        if (_blocks.WaitForDevices(paths, options.DeviceTimeout))
        {
            return;
        }

        // udev may have missed the change event; ask the kernel again, then give it one more chance.
        _log.Info($"  partition nodes missing after {options.DeviceTimeout.TotalSeconds:0} s; re-reading {spec.Device} again");
        if (!_blocks.RereadPartitions(spec.Device))
        {
            _runner.Run(new ProcessRequest("partx", ["-u", spec.Device]));
        }

        if (!_blocks.WaitForDevices(paths, options.DeviceTimeout))
        {
            var missing = paths.Where(p => !_blocks.WaitForDevices([p], TimeSpan.Zero));
            throw new MkcdrecException(ExitCode.Environment,
                $"Step {step.Id}: the partition table was written on {spec.Device} but these partitions did not appear: {string.Join(", ", missing)}.",
                "Check that nothing holds the disk (mounts, md, LVM, dm) and that udev runs, then run the same command again.");
        }
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
