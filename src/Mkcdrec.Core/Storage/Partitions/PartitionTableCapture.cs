using System.Globalization;
using Mkcdrec.Formats.Partitioning;
using Mkcdrec.Model.Layout;

namespace Mkcdrec.Core.Storage.Partitions;

/// <summary>Capture: a disk's GPT or MBR table, read with our own reader, checked against the kernel's view.</summary>
public sealed partial class PartitionsTechnology
{
    private static void ReadPartitionTable(CaptureContext context, Disk disk)
    {
        var first = new byte[512];
        var result = ReadTable(context, disk, first);
        if (result is null)
        {
            return;
        }

        disk.PartitionTable.BootCode = DescribeBootCode(first);
        foreach (var w in result.Warnings)
        {
            disk.PartitionTable.Warnings.Add(w);
            context.Note(disk.Path, w);
        }

        var kernelParts = context.Devices.Values.Where(d => d.Parent == disk.KernelName && d.PartitionNumber is not null)
            .ToDictionary(d => d.PartitionNumber!.Value, d => d.Name);
        string KernelPartName(int n) => kernelParts.GetValueOrDefault(n)
            ?? (char.IsDigit(disk.KernelName[^1]) ? $"{disk.KernelName}p{n}" : $"{disk.KernelName}{n}");

        switch (result.Kind)
        {
            case PartitionTableKind.Gpt:
                AddGptPartitions(disk, result.Gpt!, KernelPartName);
                break;
            case PartitionTableKind.Mbr:
                AddMbrPartitions(disk, result.Mbr!, KernelPartName);
                break;
        }

        CheckKernelView(context, disk, kernelParts);
    }

    /// <summary>Reads the table and the first sector (for the boot code); null when the disk is left out as unreadable.</summary>
    private static PartitionTableReadResult? ReadTable(CaptureContext context, Disk disk, byte[] first)
    {
        try
        {
            using var s = context.Files.OpenRead(disk.Path);
            var result = PartitionTableReader.Read(s, disk.LogicalSectorSize, disk.SizeBytes);
            s.Position = 0;
            s.ReadExactly(first);
            return result;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or EndOfStreamException)
        {
            if (e is UnauthorizedAccessException)
            {
                if (context.ExplicitDisks)
                {
                    throw new MkcdrecException(ExitCode.NeedsRoot, $"Permission denied reading {disk.Path}.",
                        "Run as root. If you are root, a security policy (SELinux, AppArmor, a container or sandbox) forbids raw access to this disk.", e);
                }

                context.Document.Unsupported.Add(new UnsupportedDevice { Device = disk.Path, Kind = "unreadable", Reason = "permission denied reading the disk (as root too: a security policy or sandbox forbids it); it is not part of this layout." });
                context.Note(disk.Path, "cannot be read (permission denied); it is left out of the layout.");
                disk.PartitionTable.Kind = "unreadable";
                return null;
            }

            throw new MkcdrecException(ExitCode.Environment,
                $"{disk.Path} could not be read while capturing its partition table ({e.Message}); the disk may have vanished or failed.",
                $"Check the disk (dmesg, 'lsblk {disk.Path}'); if it was removed on purpose, run 'mkcdrec layout save' again.", e);
        }
        catch (InvalidDataException e)
        {
            throw new MkcdrecException(ExitCode.BadInput, $"{disk.Path}: the partition table cannot be read: {e.Message}",
                "Both copies of the table are damaged. Repair the table (e.g. 'sgdisk -v' / 'gdisk' recovery menu) before capturing the layout.", e);
        }
    }

    private static void AddGptPartitions(Disk disk, GptTable g, Func<int, string> kernelPartName)
    {
        disk.PartitionTable.Kind = PartitionTableKinds.Gpt;
        disk.PartitionTable.DiskGuid = g.DiskGuid;
        disk.PartitionTable.FirstUsableLba = g.FirstUsableLba;
        disk.PartitionTable.LastUsableLba = g.LastUsableLba;
        disk.PartitionTable.GptEntryCount = g.EntryCount;
        foreach (var p in g.Partitions.OrderBy(p => p.Number))
        {
            var part = NewPartition(disk, kernelPartName(p.Number), p.Number, PartitionKinds.Gpt, p.FirstLba, p.LastLba - p.FirstLba + 1);
            part.TypeGuid = p.TypeGuid;
            part.TypeName = PartitionTypes.Name(p.TypeGuid);
            part.PartUuid = p.UniqueGuid.ToString();
            part.Name = p.Name;
            part.Attributes = p.Attributes;
            disk.Partitions.Add(part);
        }
    }

    private static void AddMbrPartitions(Disk disk, MbrTable m, Func<int, string> kernelPartName)
    {
        disk.PartitionTable.Kind = PartitionTableKinds.Mbr;
        disk.PartitionTable.MbrDiskId = m.DiskSignature.ToString("x8", CultureInfo.InvariantCulture);
        foreach (var p in m.Partitions.OrderBy(p => p.Number))
        {
            var kind = p.IsLogical ? PartitionKinds.Logical : p.IsExtended ? PartitionKinds.Extended : PartitionKinds.Primary;
            var part = NewPartition(disk, kernelPartName(p.Number), p.Number, kind, p.StartLba, p.SectorCount);
            part.MbrType = p.Type.ToString("x2", CultureInfo.InvariantCulture);
            part.TypeName = PartitionTypes.Name(p.Type);
            part.PartUuid = $"{m.DiskSignature:x8}-{p.Number:x2}";
            part.Bootable = p.Bootable;
            disk.Partitions.Add(part);
        }
    }

    /// <summary>Gives the partitions their ids and notes where the kernel's view differs from the disk's table.</summary>
    private static void CheckKernelView(CaptureContext context, Disk disk, Dictionary<int, string> kernelParts)
    {
        foreach (var p in disk.Partitions)
        {
            context.IdOf[p.KernelName] = p.Id;
            // The kernel's view must match the disk: a table changed but not re-read would recreate the wrong thing.
            var start = context.ReadLong($"/sys/class/block/{p.KernelName}/start");
            var inKernel = context.Devices.ContainsKey(p.KernelName);
            if (!inKernel)
            {
                context.Note(disk.Path, $"partition {p.Number} is in the table but the kernel has no {p.Path}; the table was changed and not re-read (run 'partprobe {disk.Path}' or reboot).");
            }
            else if (p.Kind != PartitionKinds.Extended && start * 512 != p.StartSector * disk.LogicalSectorSize)
            {
                context.Note(disk.Path, $"partition {p.Number} starts at sector {p.StartSector} on disk but the kernel uses {start * 512 / disk.LogicalSectorSize}; the table was changed and not re-read.");
            }
        }

        foreach (var n in kernelParts.Keys.Where(n => disk.Partitions.All(p => p.Number != n)))
        {
            context.Note(disk.Path, $"the kernel has partition {kernelParts[n]} that is not in the on-disk table.");
        }
    }

    private static Partition NewPartition(Disk disk, string kernelName, int number, string kind, long start, long sectors) => new()
    {
        Id = $"{disk.Id}/p{number}",
        Number = number,
        KernelName = kernelName,
        Path = "/dev/" + kernelName,
        Kind = kind,
        StartSector = start,
        SizeSectors = sectors,
        SizeBytes = sectors * disk.LogicalSectorSize,
    };

    /// <summary>Names the boot code in the first 440 bytes of the disk (GRUB reinstalls it on recovery).</summary>
    private static string? DescribeBootCode(ReadOnlySpan<byte> sector0)
    {
        var code = sector0[..440];
        if (code.IndexOfAnyExcept((byte)0) < 0)
        {
            return null;
        }

        if (code.IndexOf("GRUB"u8) >= 0)
        {
            return "grub2";
        }

        if (code.IndexOf("SYSLINUX"u8) >= 0 || code.IndexOf("ISOLINUX"u8) >= 0)
        {
            return "syslinux";
        }

        return "unknown";
    }
}
