using Mkcdrec.Core.Registry;
using Mkcdrec.Core.Storage;
using Mkcdrec.Model.Layout;

namespace Mkcdrec.Core.Layout;

/// <summary>
/// Renders a layout as a readable tree: disk → partition → md → luks → lvm → filesystem → mount point. The disks and
/// partitions are the roots; what they hold each technology draws (<see cref="IStorageTechnology.DrawTreeNode"/>).
/// </summary>
public static class LayoutTree
{
    public static string Render(LayoutDocument doc)
    {
        var tree = new LayoutTreeWriter(doc, Technologies.Storage);
        var h = doc.Host;
        tree.Line($"{h.Hostname} ({h.OsPrettyName ?? h.OsId ?? "unknown OS"}, {h.Architecture}, kernel {h.KernelRelease}), {doc.Boot.Firmware.ToUpperInvariant()} boot{(doc.Boot.Bootloader is null ? "" : ", " + doc.Boot.Bootloader)}{SecureBootText(doc.Boot)}");
        tree.Line($"captured {doc.CapturedAt:yyyy-MM-dd HH:mm:ss}Z by mkcdrec {doc.MkcdrecVersion}");
        foreach (var d in doc.Disks)
        {
            DrawDisk(tree, d);
        }

        DrawNotes(tree, doc);
        return tree.ToString();
    }

    /// <summary>", Secure Boot on/off" on UEFI when the firmware said; nothing when it did not (BIOS, an older layout).</summary>
    private static string SecureBootText(BootInfo boot) => boot.SecureBoot switch
    {
        true => ", Secure Boot on",
        false => ", Secure Boot off",
        null => "",
    };

    /// <summary>A disk, its partitions, and what each of them holds.</summary>
    private static void DrawDisk(LayoutTreeWriter tree, Disk d)
    {
        var ident = d.Serial is null ? "" : $" serial {d.Serial}";
        var table = d.PartitionTable.Kind switch
        {
            PartitionTableKinds.Gpt => $"gpt {d.PartitionTable.DiskGuid}",
            PartitionTableKinds.Mbr => $"mbr 0x{d.PartitionTable.MbrDiskId}",
            _ => "no partition table",
        };
        tree.Line($"disk {d.Path}  {LayoutTreeWriter.Size(d.SizeBytes)}  {d.Model ?? d.Transport ?? ""}{ident}  {table}{(d.LogicalSectorSize != 512 ? $"  {d.LogicalSectorSize}-byte sectors" : "")}");
        if (d.UsedBy is not null)
        {
            tree.Children(d.UsedBy, "  ");
        }

        for (var i = 0; i < d.Partitions.Count; i++)
        {
            var p = d.Partitions[i];
            var last = i == d.Partitions.Count - 1;
            var type = p.TypeName ?? (p.TypeGuid?.ToString() ?? "type 0x" + p.MbrType);
            var extra = new List<string>();
            if (p.Name is { Length: > 0 })
            {
                extra.Add($"\"{p.Name}\"");
            }

            if (p.Bootable)
            {
                extra.Add("boot");
            }

            if (p.Kind is PartitionKinds.Logical or PartitionKinds.Extended)
            {
                extra.Add(p.Kind);
            }

            tree.Line($"  {(last ? "└─" : "├─")} {p.KernelName}  {LayoutTreeWriter.Size(p.SizeBytes)}  {type}{(extra.Count > 0 ? "  " + string.Join(' ', extra) : "")}");
            if (p.UsedBy is not null)
            {
                tree.Children(p.UsedBy, last ? "      " : "  │   ");
            }
        }
    }

    /// <summary>The devices recorded as not supported, and capture's warnings.</summary>
    private static void DrawNotes(LayoutTreeWriter tree, LayoutDocument doc)
    {
        if (doc.Unsupported.Count > 0)
        {
            tree.Line($"not supported (recorded, not recreated):");
            foreach (var u in doc.Unsupported)
            {
                tree.Line($"  {u.Device}: {u.Reason}");
            }
        }

        if (doc.Warnings.Count > 0)
        {
            tree.Line($"warnings:");
            foreach (var w in doc.Warnings)
            {
                tree.Line($"  {w}");
            }
        }

    }
}
