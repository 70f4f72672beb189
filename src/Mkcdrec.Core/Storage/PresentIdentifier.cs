namespace Mkcdrec.Core.Storage;

/// <summary>
/// An identifier a device of this machine already carries, as blkid reports it (e.g. /dev/sda2, UUID, 6469b6c2-…).
/// A recovery that would give the same value to a device it makes is refused (docs/recovery.md, "Identifiers already on the machine").
/// </summary>
public sealed record PresentIdentifier(string Device, string Kind, string Value)
{
    /// <summary>blkid's TYPE of the device (ext4, crypto_LUKS, linux_raid_member, LVM2_member…), for messages; null when unknown.</summary>
    public string? Type { get; init; }

    /// <summary>The whole disks the device lives on (/dev/NAME, through partitions, md and device-mapper); empty when unknown.</summary>
    public IReadOnlyList<string> Disks { get; init; } = [];
}

/// <summary>
/// The kinds of identifier a plan recreates with their original value, named as blkid names them. Only UUID-like ones:
/// labels and names repeat by design (two disks labelled "data"), a UUID must not.
/// </summary>
public static class IdentifierKinds
{
    /// <summary>Filesystem and swap UUID, LUKS UUID, md array UUID (on its members), LVM PV UUID.</summary>
    public const string Uuid = "UUID";

    /// <summary>GPT unique partition GUID, or an MBR partition's disk signature and number ("5eedf00d-01").</summary>
    public const string PartUuid = "PARTUUID";

    /// <summary>GPT disk GUID, or the MBR disk signature.</summary>
    public const string PtUuid = "PTUUID";

    /// <summary>An LVM volume group's name: unique among the disks a machine sees (vgcreate refuses a second), and never renewed.</summary>
    public const string VgName = "VG";

    /// <summary>Whether values of <paramref name="kind"/> compare as UUIDs (case, dashes and colons aside) rather than exactly, as names do.</summary>
    public static bool IsUuidLike(string kind) => kind is Uuid or PartUuid or PtUuid;
}

/// <summary>A name a technology's step gives a device (a volume group's name) that must not repeat on one machine.</summary>
public sealed record PlannedName(string Kind, string Value, string LayoutId);
