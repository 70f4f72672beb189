using System.Globalization;
using Mkcdrec.Core.Platform;
using Mkcdrec.Model.Layout;
using Mkcdrec.Model.Plan;

namespace Mkcdrec.Core.Storage.Partitions;

public sealed partial class PartitionsTechnology
{
    /// <summary>A new GPT disk GUID and partition GUIDs, or a new MBR disk signature (and with it each PARTUUID "SIG-NN").</summary>
    public void RenewIdentifiers(IdentifierRenewal renewal)
    {
        foreach (var disk in renewal.Layout.Disks)
        {
            var table = disk.PartitionTable;
            if (table.Kind == PartitionTableKinds.Gpt)
            {
                if (table.DiskGuid is { } g)
                {
                    table.DiskGuid = Guid.Parse(renewal.Record("gpt-disk", disk.Id, g.ToString(), IdentifierRenewal.NewUuid()));
                }

                foreach (var p in disk.Partitions.Where(p => p.PartUuid is not null))
                {
                    p.PartUuid = renewal.Record("partition", p.Id, p.PartUuid!, IdentifierRenewal.NewUuid());
                }
            }
            else if (table.Kind == PartitionTableKinds.Mbr && table.MbrDiskId is { Length: > 0 } sig)
            {
                table.MbrDiskId = renewal.Record("mbr-disk", disk.Id, sig, IdentifierRenewal.NewHex32());
                foreach (var p in disk.Partitions.Where(p => p.PartUuid is not null))
                {
                    p.PartUuid = renewal.Record("partition", p.Id, p.PartUuid!, $"{table.MbrDiskId}-{p.Number.ToString("x2", CultureInfo.InvariantCulture)}");
                }
            }
        }
    }

    /// <summary>
    /// Each made partition's PARTUUID as blkid reads it from the device, against the layout's: differs only after
    /// --new-identifiers (our writer keeps them otherwise); fstab, crypttab or a kernel command line may name one.
    /// </summary>
    public IEnumerable<IdChange> ProbeIdChanges(IdProbeContext context)
    {
        var original = context.Layout.Disks.SelectMany(d => d.Partitions).Where(p => p.PartUuid is not null).ToDictionary(p => p.Id, StringComparer.Ordinal);
        foreach (var p in context.Plan.Steps.Select(s => s.PartitionTable).OfType<PartitionTableSpec>().SelectMany(t => t.Partitions))
        {
            if (!original.TryGetValue(p.SourceId, out var was))
            {
                continue;
            }

            var got = context.Run.Run(new ProcessRequest("blkid", ["-p", "-o", "value", "-s", "PART_ENTRY_UUID", p.Path])).StandardOutput.Trim();
            if (got.Length > 0 && !string.Equals(got, was.PartUuid, StringComparison.OrdinalIgnoreCase))
            {
                yield return new IdChange("partition", was.Id, was.PartUuid!, got, false);
            }
        }
    }
}
