using System.Security.Cryptography;
using System.Text;
using Mkcdrec.Model.Layout;

namespace Mkcdrec.Core.Storage;

/// <summary>
/// A new disk with another disk's partition table: the same kind, partition numbers, starts, sizes, types, names and
/// attributes, and nothing on it. Its ids and names say which copy of which disk it is ("copy 1 of /dev/sda"); its
/// disk GUID (MBR disk id) and partition GUIDs are new, derived from the original's so a plan comes out the same twice.
/// </summary>
public static class DiskCopy
{
    public static Disk Of(Disk original, int n)
    {
        var suffix = "~copy" + n;
        var table = original.PartitionTable;
        var copy = new Disk
        {
            Id = original.Id + suffix,
            KernelName = original.KernelName + suffix,
            Path = $"copy {n} of {original.Path}",
            SizeBytes = original.SizeBytes,
            LogicalSectorSize = original.LogicalSectorSize,
            PhysicalSectorSize = original.PhysicalSectorSize,
            PartitionTable = new PartitionTable
            {
                Kind = table.Kind,
                DiskGuid = table.DiskGuid is { } g ? Derived($"{g}{suffix}") : null,
                MbrDiskId = table.MbrDiskId is { } id ? Derived($"{id}{suffix}").ToString("N")[..8] : null,
                FirstUsableLba = table.FirstUsableLba,
                LastUsableLba = table.LastUsableLba,
                GptEntryCount = table.GptEntryCount,
            },
        };
        foreach (var p in original.Partitions)
        {
            copy.Partitions.Add(new Partition
            {
                Id = $"{copy.Id}/p{p.Number}",
                Number = p.Number,
                KernelName = copy.KernelName + p.Number,
                Path = $"copy {n} of {p.Path}",
                Kind = p.Kind,
                StartSector = p.StartSector,
                SizeSectors = p.SizeSectors,
                SizeBytes = p.SizeBytes,
                TypeGuid = p.TypeGuid,
                MbrType = p.MbrType,
                TypeName = p.TypeName,
                PartUuid = table.Kind == PartitionTableKinds.Gpt ? Derived($"{p.PartUuid ?? p.Id}{suffix}").ToString() : null,
                Name = p.Name,
                Attributes = p.Attributes,
                Bootable = p.Bootable,
            });
        }

        return copy;
    }

    /// <summary>A random-looking (version 4) GUID that depends only on <paramref name="seed"/>.</summary>
    private static Guid Derived(string seed)
    {
        var bytes = SHA256.HashData(Encoding.UTF8.GetBytes("mkcdrec:" + seed))[..16];
        bytes[7] = (byte)((bytes[7] & 0x0F) | 0x40);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes);
    }
}
