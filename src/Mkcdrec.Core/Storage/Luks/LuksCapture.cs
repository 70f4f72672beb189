using Mkcdrec.Formats.Luks;
using Mkcdrec.Model.Layout;

namespace Mkcdrec.Core.Storage.Luks;

/// <summary>Capture: every LUKS container blkid found, open or not, read from its header with our own parser.</summary>
public sealed partial class LuksTechnology
{
    public void Capture(CaptureContext context)
    {
        // LUKS containers: every probed device of TYPE crypto_LUKS, open or not.
        foreach (var (name, _) in context.Probes.Where(p => p.Value.GetValueOrDefault("TYPE") == "crypto_LUKS").OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            var header = ReadHeader(context, name);
            if (header is not null)
            {
                CaptureContainer(context, name, header);
            }
        }

        RecordOtherDeviceMapperTargets(context);
    }

    /// <summary>The container's header; null (noted, recorded as unsupported) when it cannot be read.</summary>
    private static LuksHeader? ReadHeader(CaptureContext context, string name)
    {
        try
        {
            using var s = context.Files.OpenRead("/dev/" + name);
            var first = new byte[4096];
            s.ReadExactly(first);
            var need = LuksHeader.RequiredLength(first);
            var buf = new byte[Math.Max(need, first.Length)];
            s.Position = 0;
            s.ReadExactly(buf);
            return LuksHeader.Read(buf);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or EndOfStreamException)
        {
            context.Note("/dev/" + name, $"blkid says LUKS but its header cannot be read: {e.Message}");
            context.Document.Unsupported.Add(new UnsupportedDevice { Device = "/dev/" + name, Kind = "luks", Reason = "unreadable LUKS header: " + e.Message });
            return null;
        }
    }

    private static void CaptureContainer(CaptureContext context, string name, LuksHeader header)
    {
        var luks = new LuksDevice
        {
            Id = "luks:" + header.Uuid,
            DeviceId = context.IdOf.GetValueOrDefault(name) ?? "dev:" + name,
            Version = header.Version,
            Uuid = header.Uuid,
            Label = header.Label,
            Cipher = header.Cipher,
            KeySizeBits = header.KeySizeBits,
            Hash = header.Hash,
            Pbkdf = header.Pbkdf,
            PbkdfIterations = header.PbkdfIterations,
            PbkdfMemoryKiB = header.PbkdfMemoryKiB,
            PbkdfParallel = header.PbkdfParallel,
            DataOffsetBytes = header.DataOffsetBytes,
            SectorSize = header.SectorSize,
        };

        // The open mapping is the dm device whose uuid carries the container's UUID without dashes.
        var dashless = header.Uuid.Replace("-", "", StringComparison.Ordinal);
        foreach (var dm in context.Devices.Keys.Where(k => k.StartsWith("dm-", StringComparison.Ordinal)))
        {
            var dmUuid = context.ReadTrim($"/sys/block/{dm}/dm/uuid") ?? "";
            if (dmUuid.StartsWith("CRYPT-LUKS", StringComparison.Ordinal) && dmUuid.Contains(dashless, StringComparison.OrdinalIgnoreCase))
            {
                luks.MappedName = context.ReadTrim($"/sys/block/{dm}/dm/name");
                luks.MappedPath = "/dev/mapper/" + luks.MappedName;
                context.IdOf[dm] = luks.Id;
            }
        }

        context.Document.Luks.Add(luks);
        context.SetUsedBy(name, luks.Id);
        if (luks.MappedName is null)
        {
            context.Note("/dev/" + name, $"LUKS container {header.Uuid} is not open; what is inside it cannot be captured.");
        }
    }

    /// <summary>Device-mapper devices that are neither LUKS nor LVM (multipath, plain dm-crypt, kpartx…): recorded as unsupported.</summary>
    private static void RecordOtherDeviceMapperTargets(CaptureContext context)
    {
        foreach (var dm in context.Devices.Keys.Where(k => k.StartsWith("dm-", StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            var uuid = context.ReadTrim($"/sys/block/{dm}/dm/uuid") ?? "";
            var dmName = context.ReadTrim($"/sys/block/{dm}/dm/name") ?? dm;
            if (uuid.StartsWith("CRYPT-LUKS", StringComparison.Ordinal) || uuid.StartsWith("LVM-", StringComparison.Ordinal))
            {
                continue; // handled by the LUKS and LVM captures
            }

            var (kind, reason) = uuid switch
            {
                _ when uuid.StartsWith("mpath-", StringComparison.Ordinal) => ("multipath", "multipath devices are not supported; capture the paths' disks is not enough to recreate them."),
                _ when uuid.StartsWith("CRYPT-PLAIN", StringComparison.Ordinal) => ("dm-crypt-plain", "plain dm-crypt (no LUKS header) cannot be recreated without its parameters."),
                _ when uuid.StartsWith("part", StringComparison.Ordinal) => ("kpartx", "kpartx partition mappings are not supported."),
                _ => ("device-mapper", $"device-mapper device '{dmName}' (uuid '{uuid}') is of a kind mkcdrec does not know."),
            };
            context.Document.Unsupported.Add(new UnsupportedDevice { Device = "/dev/mapper/" + dmName, Kind = kind, Reason = reason });
            context.Note("/dev/mapper/" + dmName, "not supported: " + reason);
        }
    }
}
