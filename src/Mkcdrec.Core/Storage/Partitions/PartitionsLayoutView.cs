using Mkcdrec.Core.Storage;
using Mkcdrec.Model.Layout;

namespace Mkcdrec.Core.Storage.Partitions;

public sealed partial class PartitionsTechnology
{
    /// <summary>Disks, their partition tables and partitions; a disk's /dev name may change without changing the recovery.</summary>
    public void AddLayoutFacts(LayoutFacts facts, LayoutDocument layout)
    {
        foreach (var disk in layout.Disks)
        {
            var k = disk.Id;
            facts.Add($"{k} size", disk.SizeBytes);
            facts.Add($"{k} sector size", disk.LogicalSectorSize);
            facts.Add($"{k} partition table", disk.PartitionTable.Kind);
            facts.Add($"{k} disk guid", disk.PartitionTable.DiskGuid);
            facts.Add($"{k} mbr id", disk.PartitionTable.MbrDiskId);
            facts.Add($"{k} boot code", disk.PartitionTable.BootCode);
            facts.Add($"{k} path", disk.Path, matters: false);
            foreach (var p in disk.Partitions)
            {
                facts.Add($"{p.Id} start", p.StartSector);
                facts.Add($"{p.Id} size", p.SizeSectors);
                facts.Add($"{p.Id} type", (object?)p.TypeGuid ?? p.MbrType);
                facts.Add($"{p.Id} partuuid", p.PartUuid);
                facts.Add($"{p.Id} name", p.Name);
                facts.Add($"{p.Id} attributes", p.Attributes);
                facts.Add($"{p.Id} bootable", p.Bootable ? "yes" : null);
                facts.Add($"{p.Id} holds", p.UsedBy);
            }

            facts.Add($"{k} holds", disk.UsedBy);
        }
    }
}
