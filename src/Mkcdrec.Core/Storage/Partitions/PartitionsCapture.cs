using Mkcdrec.Model.Layout;

namespace Mkcdrec.Core.Storage.Partitions;

/// <summary>Capture: the selected disks, their identity (serial, WWN, by-id links) and their partition tables.</summary>
public sealed partial class PartitionsTechnology
{
    public void Capture(CaptureContext context)
    {
        foreach (var name in context.SelectedDisks)
        {
            var disk = CaptureDisk(context, name);
            if (disk.PartitionTable.Kind == "unreadable")
            {
                context.IdOf.Remove(name);
                continue;
            }

            context.Document.Disks.Add(disk);
        }
    }

    private static List<string> LinksTo(CaptureContext context, string dir, string name)
    {
        var list = new List<string>();
        foreach (var l in context.Files.ListDirectory(dir))
        {
            var t = context.Files.ReadLink(dir + "/" + l);
            if (t is not null && Path.GetFileName(t) == name)
            {
                list.Add(dir + "/" + l);
            }
        }

        return list;
    }

    private static Disk CaptureDisk(CaptureContext context, string name)
    {
        var sys = "/sys/block/" + name;
        var byId = LinksTo(context, "/dev/disk/by-id", name);
        var serial = context.ReadTrim(sys + "/serial") ?? context.ReadTrim(sys + "/device/serial");
        var wwid = context.ReadTrim(sys + "/device/wwid") ?? context.ReadTrim(sys + "/wwid");
        var wwn = byId.Select(Path.GetFileName).FirstOrDefault(l => l!.StartsWith("wwn-", StringComparison.Ordinal))?["wwn-".Length..];
        if (serial is null)
        {
            // virtio-SERIAL, ata-MODEL_SERIAL, scsi-…: the by-id name carries it when sysfs does not.
            var v = byId.Select(Path.GetFileName).FirstOrDefault(l => l!.StartsWith("virtio-", StringComparison.Ordinal));
            serial = v?["virtio-".Length..];
        }

        var disk = new Disk
        {
            KernelName = name,
            Path = "/dev/" + name,
            ByIdLinks = byId,
            ByPath = LinksTo(context, "/dev/disk/by-path", name).FirstOrDefault(),
            Serial = serial,
            Wwn = wwn ?? wwid,
            Model = context.ReadTrim(sys + "/device/model"),
            Vendor = context.ReadTrim(sys + "/device/vendor"),
            Transport = TransportOf(name),
            SizeBytes = context.Devices[name].SizeBytes,
            LogicalSectorSize = context.ReadInt(sys + "/queue/logical_block_size") is var l && l > 0 ? l : 512,
            PhysicalSectorSize = context.ReadInt(sys + "/queue/physical_block_size") is var p && p > 0 ? p : 512,
            Rotational = context.ReadTrim(sys + "/queue/rotational") == "1",
            Removable = context.ReadTrim(sys + "/removable") == "1",
        };
        disk.Id = "disk:" + (disk.Wwn ?? disk.Serial ?? name);
        if (context.Document.Disks.Any(d => d.Id == disk.Id))
        {
            disk.Id = "disk:" + name; // two disks reporting the same serial (some virtual/USB bridges): fall back to the name
            context.Document.Warnings.Add($"{disk.Path}: its serial/WWN is not unique on this machine; it is identified by its name only.");
        }

        context.IdOf[name] = disk.Id;
        ReadPartitionTable(context, disk);
        return disk;
    }

    private static string? TransportOf(string name) =>
        name.StartsWith("vd", StringComparison.Ordinal) ? "virtio" :
        name.StartsWith("nvme", StringComparison.Ordinal) ? "nvme" :
        name.StartsWith("sd", StringComparison.Ordinal) ? "scsi" :
        name.StartsWith("mmcblk", StringComparison.Ordinal) ? "mmc" :
        name.StartsWith("xvd", StringComparison.Ordinal) ? "xen" : null;
}
