using Mkcdrec.Core.Platform;
using Mkcdrec.Model.Layout;

namespace Mkcdrec.Core.Storage.Md;

/// <summary>Capture: every md array sysfs lists, with its geometry (sysfs, mdadm --detail) and its members.</summary>
public sealed partial class MdTechnology
{
    public void Capture(CaptureContext context)
    {
        foreach (var name in context.Devices.Keys.Where(n => n.StartsWith("md", StringComparison.Ordinal) && context.Devices[n].Parent is null).Order(StringComparer.Ordinal))
        {
            var sys = $"/sys/block/{name}/md";
            if (!context.Files.DirectoryExists(sys))
            {
                continue;
            }

            var metadata = context.ReadTrim(sys + "/metadata_version") ?? "";
            if (metadata.StartsWith("external:", StringComparison.Ordinal))
            {
                context.Document.Unsupported.Add(new UnsupportedDevice { Device = "/dev/" + name, Kind = "md-external", Reason = $"externally managed RAID (metadata {metadata}: IMSM/DDF firmware RAID) cannot be recreated by mkcdrec." });
                continue;
            }

            var md = ReadArray(context, name, sys, metadata);
            AddMembers(context, md, sys);
            if (md.Members.Count(m => !m.Spare) < md.RaidDevices)
            {
                context.Note(md.Path, $"the array is degraded: {md.Members.Count(m => !m.Spare)} of {md.RaidDevices} members present; recover completes it on an unused disk that holds a copy of a member's disk, else recreates it degraded (--keep-degraded: always).");
            }

            context.Document.MdArrays.Add(md);
            context.IdOf[name] = md.Id;
            foreach (var m in md.Members)
            {
                var kn = context.KernelNameWithId(m.DeviceId);
                if (kn is not null)
                {
                    context.SetUsedBy(kn, md.Id);
                }
            }
        }
    }

    private static MdArray ReadArray(CaptureContext context, string name, string sys, string metadata)
    {
        var export = KeyValueLines.Parse(context.Run.Run(new ProcessRequest("mdadm", ["--detail", "--export", "/dev/" + name])).StandardOutput);
        var detail = MdadmDetailParser.Parse(context.Run.Run(new ProcessRequest("mdadm", ["--detail", "/dev/" + name])).StandardOutput);
        var uuid = export.GetValueOrDefault("MD_UUID") ?? detail.GetValueOrDefault("UUID") ?? "";
        var level = context.ReadTrim(sys + "/level") ?? export.GetValueOrDefault("MD_LEVEL") ?? "";
        var chunk = context.ReadLong(sys + "/chunk_size");
        var md = new MdArray
        {
            Id = "md:" + uuid,
            KernelName = name,
            Path = "/dev/" + name,
            Name = export.GetValueOrDefault("MD_NAME") ?? detail.GetValueOrDefault("Name")?.Split(' ')[0],
            Level = level,
            Metadata = metadata.Replace("super ", "", StringComparison.Ordinal),
            Uuid = uuid,
            RaidDevices = context.ReadInt(sys + "/raid_disks"),
            ChunkBytes = chunk > 0 && level is not "raid1" and not "linear" ? chunk : null,
            Layout = detail.GetValueOrDefault("Layout"),
            SizeBytes = context.Devices[name].SizeBytes,
            Bitmap = detail.GetValueOrDefault("Intent Bitmap"),
        };
        if (md.Name is not null)
        {
            var shortName = md.Name.Contains(':') ? md.Name[(md.Name.IndexOf(':') + 1)..] : md.Name;
            if (context.Files.ReadLink("/dev/md/" + shortName) is not null)
            {
                md.NamedPath = "/dev/md/" + shortName;
            }
        }

        return md;
    }

    /// <summary>The members sysfs lists (dev-NAME), in slot order; spares last.</summary>
    private static void AddMembers(CaptureContext context, MdArray md, string sys)
    {
        foreach (var dev in context.Files.ListDirectory(sys).Where(d => d.StartsWith("dev-", StringComparison.Ordinal)))
        {
            var member = dev["dev-".Length..];
            var slotText = context.ReadTrim($"{sys}/{dev}/slot");
            var state = context.ReadTrim($"{sys}/{dev}/state");
            int? slot = int.TryParse(slotText, out var s) ? s : null;
            var memberId = context.IdOf.GetValueOrDefault(member);
            if (memberId is null)
            {
                context.Note(md.Path, $"member {member} is not a disk or partition mkcdrec captured; it is recorded by name only.");
                memberId = "dev:" + member;
            }

            md.Members.Add(new MdMember { DeviceId = memberId, Slot = slot, Spare = slot is null || (state?.Contains("spare", StringComparison.Ordinal) ?? false), State = state });
        }

        md.Members.Sort((a, b) => (a.Slot ?? int.MaxValue).CompareTo(b.Slot ?? int.MaxValue));
    }
}
